package pgtest

import (
	"flag"
	"os"
	"testing"
)

// FewerChecks lowers rapid's number of generated cases (-rapid.checks) to
// CARDCENTER_PG_CHECKS (default 8) until the test ends: a property test run on PostgreSQL
// beside its SQLite run creates a database for every case.
func FewerChecks(t testing.TB) {
	t.Helper()
	checks := flag.Lookup("rapid.checks")
	if checks == nil {
		t.Fatal("rapid's flags are not registered: import pgregory.net/rapid in the test")
	}
	old := checks.Value.String()
	n := os.Getenv("CARDCENTER_PG_CHECKS")
	if n == "" {
		n = "8"
	}
	if err := checks.Value.Set(n); err != nil {
		t.Fatalf("CARDCENTER_PG_CHECKS=%q: %v", n, err)
	}
	t.Cleanup(func() { checks.Value.Set(old) })
}
