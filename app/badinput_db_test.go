package app_test

import (
	"bytes"
	"database/sql"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/store"
	"cardcenter/store/pgtest"
)

// A database file that is not there is refused with DATABASE_MISSING, and nothing is created.
func TestBadInput_MissingDatabase(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nope.db")
	st, err := store.Open(path, store.Options{})
	if st != nil {
		st.Close()
	}
	wantCode(t, err, app.CodeDatabaseMissing)
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("opening a missing database created %v", ents)
	}
	_, err = store.Open(filepath.Join(dir, "no-such-dir", "x.db"), store.Options{})
	wantCode(t, err, app.CodeDatabaseMissing)
	_, err = store.Open("", store.Options{Create: true})
	wantCode(t, err, app.CodeBadInput)
}

// A file that is not a cardcenter database is refused with DATABASE_CORRUPT and left
// byte for byte as it was, whatever Create says.
func TestBadInput_CorruptDatabase(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	random := make([]byte, 3*4096+17)
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	// A real ledger whose header was overwritten: the bytes after are a genuine database.
	// (A file of SQLite's: with CARDCENTER_TEST_DB=postgres the site is not a file.)
	if pgtest.Selected() {
		t.Skip("a SQLite file's header: not a PostgreSQL matter")
	}
	s := apptest.New(t, apptest.Options{})
	s.Recharge(s.Authorize("P1", 0), apptest.UserCard(0), 10*yuan)
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	_, err := s.RawDB().Exec(`VACUUM INTO ?`, copyPath)
	must(t, err)
	real, err := os.ReadFile(copyPath)
	must(t, err)
	if !bytes.HasPrefix(real, []byte("SQLite format 3\x00")) || len(real) < 8192 {
		t.Fatalf("fixture: not a copy of the ledger (%d bytes)", len(real))
	}
	copy(real, "Not a database!!")
	for name, content := range map[string][]byte{
		"random bytes":   random,
		"text file":      []byte(strings.Repeat("卡号,金额\nU000001,100\n", 50)),
		"sqlite header":  []byte("SQLite format 3\x00"),
		"damaged header": real,
	} {
		for _, create := range []bool{false, true} {
			dir := t.TempDir()
			path := filepath.Join(dir, "ledger.db")
			must(t, os.WriteFile(path, content, 0o600))
			st, err := store.Open(path, store.Options{Create: create})
			if st != nil {
				st.Close()
			}
			if e, ok := app.AsError(err); !ok || e.Code != app.CodeDatabaseCorrupt {
				t.Fatalf("%s (create %t): %v, want %s", name, create, err, app.CodeDatabaseCorrupt)
			}
			got, err := os.ReadFile(path)
			must(t, err)
			if !bytes.Equal(got, content) {
				t.Fatalf("%s (create %t): the file was changed", name, create)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 1 {
				t.Fatalf("%s (create %t): files left next to it: %v", name, create, ents)
			}
		}
	}
}

// A SQLite database of some other program is not a ledger: it is refused and left as it
// was, not switched to WAL and given our schema.
func TestBadInput_NotACardcenterDatabase(t *testing.T) {
	dir := t.TempDir()
	foreign := filepath.Join(dir, "other.db")
	db, err := sql.Open("sqlite3", "file:"+foreign)
	must(t, err)
	_, err = db.Exec(`CREATE TABLE payroll(name TEXT, salary INTEGER); INSERT INTO payroll VALUES ('张三', 100)`)
	must(t, err)
	must(t, db.Close())
	// Private, as any ledger must be: what is refused here is its content.
	must(t, os.Chmod(foreign, 0o600))
	content, err := os.ReadFile(foreign)
	must(t, err)
	for _, create := range []bool{false, true} {
		_, err := store.Open(foreign, store.Options{Create: create})
		wantCode(t, err, app.CodeDatabaseCorrupt)
		got, err := os.ReadFile(foreign)
		must(t, err)
		if !bytes.Equal(got, content) {
			t.Fatalf("create %t: another program's database was changed", create)
		}
	}
}
