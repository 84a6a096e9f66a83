package sitegen

import (
	"context"
	"testing"

	"cardcenter/store/pgtest"
)

// gen on PostgreSQL (rows sent with COPY, the load one transaction) writes the very
// ledger gen writes on SQLite from the same seed: same rows, same ids, same first
// answers, same audit log, same reports, and the same recount, which is the generator's
// own count of what it booked.
func TestGenBulkOnPostgresEqualsSQLite(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	p := testParams(1200, 24)
	g, _, lite, _ := genBulk(t, p)
	gp, _, pg, _ := genBulkAt(t, p, dsn)
	if pg.Backend() != "postgres" || lite.Backend() != "sqlite" {
		t.Fatalf("backends %s and %s", pg.Backend(), lite.Backend())
	}
	if g.stats != gp.stats {
		t.Fatalf("same seed, different histories:\n%+v\n%+v", g.stats, gp.stats)
	}
	s := g.stats
	if s.Recharges != 1200 || s.Reversed == 0 || s.Cancels == 0 || s.Unknown == 0 || s.Repairs == 0 || s.Tombstones == 0 {
		t.Fatalf("the history lacks a story: %+v", s)
	}
	serials := map[string]int64{}
	for _, d := range g.devices {
		serials[d.ID] = d.nextSerial
	}
	compareLedgers(t, g, pg, lite, serials)
	rc, err := pg.Recount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rc.Recharges.Count != s.Recharges || rc.Recharges.Amount != s.Booked || rc.Reversed != s.Reversed ||
		rc.Reversals.Count != s.Reversed || rc.Reversals.Amount != s.ReversedFen || rc.Cancels != s.Cancels {
		t.Fatalf("recount on PostgreSQL %+v, generated %+v", rc, s)
	}
}
