package cli

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"cardcenter/store"
)

// copyOrder puts tables before the tables that refer to them, and the settled days after
// the recharges they close; a table it does not name is copied last.
var copyOrder = []string{"cardholders", "cards", "devices", "operators", "auth_cards", "staff", "audit_log",
	"authorizations", "terminal_answers", "recharges", "reversals", "cancels", "repairs", "settled_days", "settled_report"}

// Every migration upgrades a populated ledger: a site made by `cardcenter gen` (a year of
// recharges, reversals, cancels, repairs, settled days) is copied into a ledger left at each
// earlier schema version that has the ledger's tables, as that release would hold it, and
// opened. The upgraded file has exactly the schema of a new one (every table, trigger and
// index), every row is as gen wrote it (a column added since is filled as this program
// fills it), and it settles and reports as the generated one does.
func TestMigrationsUpgradeAGeneratedLedger(t *testing.T) {
	dir := t.TempDir()
	gen := filepath.Join(dir, "gen.db")
	if code, out, errOut := runCmd(t, "gen", "--db", gen, "--recharges", "3000", "--days", "40", "--seed", "9"); code != 0 {
		t.Fatalf("gen: exit %d\n%s%s", code, out, errOut)
	}
	want := ledgerContent(t, gen)
	if !strings.Contains(want.rows["settled_days"], "|") || !strings.Contains(want.rows["repairs"], "|") {
		t.Fatal("fixture: the generated site has no settled day or no repair")
	}
	_, wantReport, _ := runCmd(t, "report", "--db", gen, "--days", "45", "--format", "csv")

	for v := 3; v < store.SchemaVersion; v++ { // 3: the first version with every ledger table
		t.Run(fmt.Sprintf("from version %d", v), func(t *testing.T) {
			old := filepath.Join(dir, fmt.Sprintf("v%d.db", v))
			if err := store.CreateAtVersion(old, v); err != nil {
				t.Fatal(err)
			}
			copyInto(t, gen, old)
			st, err := store.Open(old, store.Options{})
			if err != nil {
				t.Fatalf("upgrade: %v", err)
			}
			st.Close()
			got := ledgerContent(t, old)
			if got.schema != want.schema {
				t.Errorf("schema after the upgrade differs from a new ledger's:\n got %s\nwant %s", got.schema, want.schema)
			}
			for table, rows := range want.rows {
				if got.rows[table] != rows {
					t.Errorf("table %s differs after the upgrade", table)
				}
			}
			if code, out, errOut := runCmd(t, "settle", "--db", old); code != 0 {
				t.Fatalf("settle the upgraded ledger: exit %d\n%s%s", code, out, errOut)
			}
			if _, rep, _ := runCmd(t, "report", "--db", old, "--days", "45", "--format", "csv"); rep != wantReport {
				t.Errorf("report of the upgraded ledger:\n%s\nwant\n%s", rep, wantReport)
			}
		})
	}
}

type content struct {
	schema string
	rows   map[string]string
}

func openRaw(t testing.TB, path string, fk bool) *sql.DB {
	t.Helper()
	q := "?_foreign_keys=0"
	if fk {
		q = "?_foreign_keys=1"
	}
	db, err := sql.Open("sqlite3", "file:"+url.PathEscape(path)+q)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func strCol(t testing.TB, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// ledgerContent is every schema object and every row of every table, as text.
func ledgerContent(t *testing.T, path string) content {
	t.Helper()
	db := openRaw(t, path, false)
	c := content{rows: map[string]string{}}
	c.schema = strings.Join(strCol(t, db, `SELECT type || ' ' || name || ': ' || COALESCE(sql, '') FROM sqlite_master ORDER BY type, name`), "\n")
	for _, table := range strCol(t, db, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`) {
		cols := strCol(t, db, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, table)
		var quoted []string
		for _, col := range cols {
			quoted = append(quoted, "quote("+col+")")
		}
		c.rows[table] = strings.Join(strCol(t, db, `SELECT `+strings.Join(quoted, " || '|' || ")+` FROM `+table+` ORDER BY 1`), "\n")
	}
	return c
}

// copyInto copies every row of every table of from into the same table of to, the columns
// both have, in an order the foreign keys and the settled-day guards accept.
func copyInto(t testing.TB, from, to string) {
	t.Helper()
	db := openRaw(t, to, true)
	if _, err := db.Exec(`ATTACH DATABASE ? AS g`, "file:"+url.PathEscape(from)+"?mode=ro"); err != nil {
		t.Fatal(err)
	}
	tables := strCol(t, db, `SELECT name FROM g.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	slices.SortStableFunc(tables, func(a, b string) int {
		ia, ib := slices.Index(copyOrder, a), slices.Index(copyOrder, b)
		if ia < 0 {
			ia = len(copyOrder)
		}
		if ib < 0 {
			ib = len(copyOrder)
		}
		return ia - ib
	})
	for _, table := range tables {
		have := strCol(t, db, `SELECT name FROM pragma_table_info(?, 'main') ORDER BY cid`, table)
		if len(have) == 0 {
			continue // not in this version yet
		}
		var cols []string
		for _, c := range strCol(t, db, `SELECT name FROM pragma_table_info(?, 'g') ORDER BY cid`, table) {
			if slices.Contains(have, c) {
				cols = append(cols, c)
			}
		}
		list := strings.Join(cols, ", ")
		if _, err := db.Exec(`INSERT INTO main.` + table + `(` + list + `) SELECT ` + list + ` FROM g.` + table); err != nil {
			t.Fatalf("copy %s into the old ledger: %v", table, err)
		}
	}
}

// BenchmarkUpgradeFromVersion7 is what the exceptions desk's migration (8) and the sealing
// of secrets (9) cost a site upgraded in place: a generated ledger of
// $CARDCENTER_BENCH_RECHARGES recharges (default 100,000) copied into a version-7 file,
// then opened once. The copy is outside the timer.
//
//	CARDCENTER_BENCH_RECHARGES=1000000 go test -run '^$' -bench UpgradeFromVersion7 -benchtime 1x .
func BenchmarkUpgradeFromVersion7(b *testing.B) {
	n := 100_000
	if v := os.Getenv("CARDCENTER_BENCH_RECHARGES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	dir := b.TempDir()
	gen := filepath.Join(dir, "gen.db")
	if code, out, errOut := runCmd(b, "gen", "--db", gen, "--recharges", strconv.Itoa(n), "--days", "60"); code != 0 {
		b.Fatalf("gen: exit %d\n%s%s", code, out, errOut)
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		old := filepath.Join(dir, fmt.Sprintf("v7-%d.db", i))
		if err := store.CreateAtVersion(old, 7); err != nil {
			b.Fatal(err)
		}
		copyInto(b, gen, old)
		b.StartTimer()
		st, err := store.Open(old, store.Options{})
		if err != nil {
			b.Fatalf("upgrade: %v", err)
		}
		st.Close()
	}
	b.ReportMetric(float64(n), "recharges")
}
