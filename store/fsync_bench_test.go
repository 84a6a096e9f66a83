package store

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"cardcenter/store/sqlite"
)

// BenchmarkFsyncCommitBaseline is the ceiling the durable Recharge throughput is compared
// with: one single-row INSERT per transaction on a WAL file with synchronous=FULL, through
// the same driver and DSN as the writer, nothing else. Each commit waits for one fsync.
func BenchmarkFsyncCommitBaseline(b *testing.B) {
	path := filepath.Join(b.TempDir(), "baseline.db")
	db, err := sql.Open("sqlite3", sqlite.DSN(path, true, false))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	var sync int
	if err := db.QueryRow(`PRAGMA synchronous`).Scan(&sync); err != nil || sync != 2 {
		b.Fatalf("synchronous = %d (%v), want 2 (FULL)", sync, err)
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		tx, err := db.Begin()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Exec(`INSERT INTO t(v) VALUES (?)`, i); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "commits/s")
}
