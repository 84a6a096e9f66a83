package pos_test

import (
	"testing"

	"cardcenter/store/pgtest"
)

// TestFaultSchedulesOnPostgres runs the generated POS↔host fault schedules on PostgreSQL in
// every `make test`, beside their run on SQLite: the same terminals, the same faults (lost
// answers, reordered and duplicated messages, clock steps, torn card writes), the same money
// checks after every step, the other engine. Fewer schedules here (CARDCENTER_PG_CHECKS,
// default 8): each one creates a database of its own.
func TestFaultSchedulesOnPostgres(t *testing.T) {
	pgtest.Require(t)
	if pgtest.Selected() {
		t.Skip("the whole package already runs on PostgreSQL")
	}
	t.Setenv(pgtest.Env, "postgres")
	pgtest.FewerChecks(t)
	TestGeneratedFaultSchedules(t)
}
