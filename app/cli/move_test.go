package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"cardcenter/store"
	"cardcenter/store/pgtest"
)

// A generated site (a year's worth of recharges, reversals, cancels, repairs, settled
// days) moved onto PostgreSQL reports exactly as it did on SQLite, settles on, and a second
// move into the same database is refused.
func TestMigrateMovesAGeneratedSiteToPostgres(t *testing.T) {
	pgtest.Require(t)
	dir := t.TempDir()
	gen := generated(t, dir, "3000", "40", "9")
	_, wantReport, _ := runCmd(t, "report", "--db", gen, "--days", "45", "--format", "csv")
	if strings.Count(wantReport, "\n") < 20 {
		t.Fatalf("fixture: a report of %q", wantReport)
	}
	dsn := pgtest.DSN(t)
	code, out, errOut := runCmd(t, "migrate", "--from", gen, "--to", dsn)
	if code != 0 {
		t.Fatalf("migrate: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "recount matches") || !strings.Contains(out, "recharges") {
		t.Fatalf("migrate said:\n%s", out)
	}
	if _, got, _ := runCmd(t, "report", "--db", dsn, "--days", "45", "--format", "csv"); got != wantReport {
		t.Fatalf("the moved site reports otherwise:\n%s\nwant\n%s", got, wantReport)
	}
	// Both settle what is left the same way, and report the same after.
	_, settledSQLite, _ := runCmd(t, "settle", "--db", gen)
	if code, settledPG, errOut := runCmd(t, "settle", "--db", dsn); code != 0 || settledPG != settledSQLite {
		t.Fatalf("settle on the moved site: exit %d %q%s, on SQLite %q", code, settledPG, errOut, settledSQLite)
	}
	_, wantReport, _ = runCmd(t, "report", "--db", gen, "--days", "45", "--format", "csv")
	if _, got, _ := runCmd(t, "report", "--db", dsn, "--days", "45", "--format", "csv"); got != wantReport {
		t.Fatalf("after settling, the moved site reports otherwise")
	}
	// New rows continue after the copied ids.
	st, err := store.Open(dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := st.Recount(t.Context())
	st.Close()
	if err != nil || rc.Recharges.Count == 0 {
		t.Fatalf("recount of the moved site: %+v %v", rc, err)
	}
	// The target is no longer empty: a second move is refused, and changes nothing.
	code, _, errOut = runCmd(t, "migrate", "--from", gen, "--to", dsn)
	if code != 2 || !strings.Contains(errOut, "MIGRATE_TARGET_NOT_EMPTY") {
		t.Fatalf("second move: exit %d %s", code, errOut)
	}
	if _, got, _ := runCmd(t, "report", "--db", dsn, "--days", "45", "--format", "csv"); got != wantReport {
		t.Fatalf("the refused move changed the target")
	}
}

// generated is the ledger cardcenter gen writes in dir with that many recharges over that
// many days from that seed.
func generated(t *testing.T, dir, recharges, days, seed string) string {
	t.Helper()
	gen := filepath.Join(dir, "gen.db")
	if code, out, errOut := runCmd(t, "gen", "--db", gen, "--recharges", recharges, "--days", days, "--seed", seed); code != 0 {
		t.Fatalf("gen: exit %d\n%s%s", code, out, errOut)
	}
	return gen
}

func TestMigrateRefusals(t *testing.T) {
	pgtest.Require(t)
	dir := t.TempDir()
	gen := generated(t, dir, "50", "3", "1")
	foreign := pgtest.DSN(t)
	raw, err := store.OpenRaw(foreign)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`CREATE TABLE payroll (x int)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	for _, c := range []struct {
		args []string
		code string
	}{
		{[]string{"--from", gen, "--to", foreign}, "MIGRATE_TARGET_NOT_EMPTY"},
		{[]string{"--from", filepath.Join(dir, "missing.db"), "--to", pgtest.DSN(t)}, "DATABASE_MISSING"},
		{[]string{"--from", gen, "--to", filepath.Join(dir, "other.db")}, "BAD_INPUT"},
	} {
		code, _, errOut := runCmd(t, append([]string{"migrate"}, c.args...)...)
		if code != 2 || !strings.Contains(errOut, c.code) {
			t.Errorf("migrate %v: exit %d %s, want %s", c.args, code, errOut, c.code)
		}
	}
	if code, _, _ := runCmd(t, "migrate", "--from", gen); code != 2 {
		t.Errorf("migrate without --to: exit %d", code)
	}
}
