package cli

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
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

// --db loads a copy of an existing site: the tool's devices, cards and staff are added
// beside the site's own, and its recount counts only what it booked, not the recharges the
// site already had that day.
func TestLoadOnAnExistingSiteCountsOnlyItsOwn(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	sess := s.Authorize("P1", 0)
	for i := 0; i < 3; i++ {
		s.Recharge(sess, apptest.UserCard(i), 10*app.Yuan)
	}
	s.Store.Close()
	e := &env{stdout: io.Discard, stderr: io.Discard, clock: s.Clock, cfg: app.DefaultConfig()}
	plan := loadPlan{requests: 200, devices: 4, rate: 0, limit: time.Minute, db: s.Path, seal: apptest.SealKey, desks: 2, deskEvery: 20 * time.Millisecond}
	res, err := loadRun(context.Background(), e, plan)
	if err != nil {
		t.Fatal(err)
	}
	if res.sent != 200 || res.refused != 0 || res.noAnswer != 0 || res.bookedRecounts != 200 || res.desk.failed != 0 {
		t.Fatalf("%s", res)
	}
	if _, err := loadRun(context.Background(), e, plan); err == nil || !strings.Contains(err.Error(), "fresh copy") {
		t.Fatalf("a second load on the same copy: %v, want a refusal that asks for a fresh copy", err)
	}
}

// --host names running hosts on the ledger --db names, each plain http:// on this machine
// (the tool pins no certificate); anything else is refused before any work.
func TestLoadRefusesHostsItCannotReach(t *testing.T) {
	e := &env{stdout: io.Discard, stderr: io.Discard, clock: app.SystemClock{}, cfg: app.DefaultConfig()}
	for _, args := range [][]string{
		{"--host", "http://127.0.0.1:1"},
		{"--db", "x.db", "--host", "http://10.0.0.1:8620"},
		{"--db", "x.db", "--host", "https://127.0.0.1:8620"},
		{"--db", "x.db", "--host", "127.0.0.1:8620"},
	} {
		err := runLoad(context.Background(), e, args)
		if !errors.Is(err, app.CodeBadInput) && !errors.Is(err, app.CodePlainHTTPRefused) {
			t.Errorf("load %v: %v, want a refusal", args, err)
		}
	}
}
