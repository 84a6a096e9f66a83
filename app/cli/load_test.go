package cli

import (
	"context"
	"io"
	"testing"
	"time"

	"cardcenter/app"
)

func TestLoadBooksEveryApprovedRecharge(t *testing.T) {
	e := &env{stdout: io.Discard, stderr: io.Discard, clock: app.SystemClock{}, cfg: app.DefaultConfig()}
	for _, rate := range []float64{0, 500} {
		res, err := loadRun(context.Background(), e, loadPlan{requests: 300, devices: 4, rate: rate, limit: time.Minute, dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		if res.sent != 300 || res.refused != 0 || res.noAnswer != 0 || res.bookedRecounts != 300 {
			t.Fatalf("rate %v: %s", rate, res)
		}
		if res.p50 <= 0 || res.p99 < res.p50 || res.max < res.p99 {
			t.Fatalf("rate %v: quantiles out of order: %s", rate, res)
		}
	}
}

// The host serves desks beside the POS: clerks logged in over the desk API look up cards
// while the recharges come, every lookup answered, and the recharges still all booked.
func TestLoadServesDesksBesideThePOS(t *testing.T) {
	e := &env{stdout: io.Discard, stderr: io.Discard, clock: app.SystemClock{}, cfg: app.DefaultConfig()}
	res, err := loadRun(context.Background(), e, loadPlan{requests: 400, devices: 4, rate: 400, limit: time.Minute,
		dir: t.TempDir(), desks: 3, deskEvery: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.bookedRecounts != 400 || res.desk.failed != 0 || res.desk.lookups < 3 || res.desk.p50 <= 0 || res.desk.p99 < res.desk.p50 {
		t.Fatalf("%s", res)
	}
}
