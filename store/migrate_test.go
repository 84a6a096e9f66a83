package store

import (
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cardcenter/app"

	"cardcenter/store/sqlite"
)

// schemaOf lists every schema object's SQL, so two databases can be compared.
func schemaOf(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT type, name, COALESCE(sql, '') FROM sqlite_master ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var typ, name, sqlText string
		if err := rows.Scan(&typ, &name, &sqlText); err != nil {
			t.Fatal(err)
		}
		b.WriteString(typ + " " + name + "\n" + sqlText + "\n")
	}
	var v int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	b.WriteString("user_version " + string(rune('0'+v)))
	return b.String()
}

// TestMigrationsFromEveryVersion opens a database left at each earlier schema version
// (holding data where the version has tables for it) and checks that Open brings it to
// exactly the schema a fresh database gets, keeping the data.
func TestMigrationsFromEveryVersion(t *testing.T) {
	dir := t.TempDir()
	fresh := filepath.Join(dir, "fresh.db")
	st, err := Open(fresh, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	want := schemaOf(t, fresh)

	for from := 0; from < SchemaVersion; from++ {
		path := filepath.Join(dir, "v"+string(rune('0'+from))+".db")
		if from == 0 {
			// An empty file, as a newly created one is.
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		} else {
			old, err := Open(path, Options{Create: true, migrateTo: from})
			if err != nil {
				t.Fatalf("open at version %d: %v", from, err)
			}
			if _, err := old.write.Exec(`INSERT INTO cardholders(holder_no, name) VALUES ('S1', '张三');
				INSERT INTO cards(card_no, holder_id, status) VALUES ('U1', 1, 'normal')`); err != nil {
				t.Fatal(err)
			}
			old.Close()
		}
		st, err := Open(path, Options{Create: from == 0}) // an empty file is a ledger only when creating
		if err != nil {
			t.Fatalf("upgrade from %d: %v", from, err)
		}
		st.Close()
		if got := schemaOf(t, path); got != want {
			t.Errorf("upgrade from version %d: schema differs from a fresh database:\n got: %s\nwant: %s", from, got, want)
		}
		if from > 0 {
			db, _ := sql.Open("sqlite3", "file:"+path+"?mode=ro")
			var name string
			if err := db.QueryRow(`SELECT name FROM cardholders WHERE holder_no = 'S1'`).Scan(&name); err != nil || name != "张三" {
				t.Errorf("upgrade from %d lost data: %q %v", from, name, err)
			}
			db.Close()
		}
	}
}

func TestOpenRefusesAnEmptyFileUnlessCreating(t *testing.T) {
	path := filepath.Join(t.TempDir(), "truncated.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, Options{}); !errors.Is(err, app.CodeDatabaseCorrupt) {
		t.Fatalf("want DATABASE_CORRUPT for an empty file, got %v", err)
	}
	if fi, _ := os.Stat(path); fi.Size() != 0 {
		t.Fatal("the empty file was written")
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "newer.db")
	st, err := Open(path, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	st.write.Exec(`PRAGMA user_version = 99`)
	st.Close()
	_, err = Open(path, Options{})
	if !errors.Is(err, app.CodeDatabaseTooOld) {
		t.Fatalf("want DATABASE_NEWER_THAN_PROGRAM, got %v", err)
	}
}

func TestOpenChecksDurabilitySettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.db")
	st, err := Open(path, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var mode string
	var syncLevel, fk int
	st.write.QueryRow(`PRAGMA journal_mode`).Scan(&mode)
	st.write.QueryRow(`PRAGMA synchronous`).Scan(&syncLevel)
	st.write.QueryRow(`PRAGMA foreign_keys`).Scan(&fk)
	if mode != "wal" || syncLevel != 2 || fk != 1 {
		t.Fatalf("journal_mode=%s synchronous=%d foreign_keys=%d, want wal/2/1", mode, syncLevel, fk)
	}
	v, err := st.SQLiteVersion()
	if err != nil || sqlite.VersionLess(v, MinSQLiteVersion) {
		t.Fatalf("sqlite %s (%v), need ≥ %s", v, err, MinSQLiteVersion)
	}
	// Reads go through a query-only pool: a write there must fail.
	if _, err := st.read.Exec(`INSERT INTO cardholders(holder_no, name) VALUES ('X', 'x')`); err == nil {
		t.Fatal("read pool accepted a write")
	}
}

func TestVersionLess(t *testing.T) {
	for _, c := range []struct {
		a, b string
		less bool
	}{{"3.40.1", "3.51.3", true}, {"3.51.3", "3.51.3", false}, {"3.54.1", "3.51.3", false}, {"3.51.2", "3.51.3", true}, {"4.0", "3.51.3", false}} {
		if got := sqlite.VersionLess(c.a, c.b); got != c.less {
			t.Errorf("sqlite.VersionLess(%s, %s) = %v", c.a, c.b, got)
		}
	}
}

// recursive_triggers is a per-connection pragma, off by default: with it off, the rows an
// INSERT OR REPLACE deletes fire no DELETE trigger. Every connection of the store has it on
// (the writer and each reader), checked at open.
func TestEveryConnectionHasRecursiveTriggers(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "rt.db"), Options{Create: true, ReadConns: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var on int
	if err := s.write.QueryRow(`PRAGMA recursive_triggers`).Scan(&on); err != nil || on != 1 {
		t.Fatalf("writer: recursive_triggers = %d (%v)", on, err)
	}
	// Hold three read transactions at once, so that three connections answer.
	var txs []*sql.Tx
	for i := 0; i < 3; i++ {
		tx, err := s.read.Begin()
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		txs = append(txs, tx)
	}
	for i, tx := range txs {
		if err := tx.QueryRow(`PRAGMA recursive_triggers`).Scan(&on); err != nil || on != 1 {
			t.Fatalf("reader %d: recursive_triggers = %d (%v)", i, on, err)
		}
	}
}
