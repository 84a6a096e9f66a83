package app_test

import (
	"reflect"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
)

// Issue 9.9: after the host clock stepped back, a recharge was booked on a day before the
// last settled day (a day with no recharges, so never settled itself); Settle only looks
// after the last settled day, so that day and its cash were never settled. Every day up to
// the last settled one is closed, settled or not.
func TestRechargeNeverLandsOnOrBeforeTheLastSettledDay(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	loc := apptest.Start.Location()
	at := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, loc) }
	p := s.Authorize("P1", 0)
	s.Clock.Set(at(2, 10))
	s.Recharge(p, apptest.UserCard(0), 10*yuan)
	s.Clock.Set(at(3, 1))
	res, err := s.Svc.Settle(ctx, s.Admin)
	must(t, err)
	if len(res.Settled) != 1 || res.Settled[0] != "2026-03-02" {
		t.Fatalf("settle: %+v", res)
	}
	before := snap(t, s)
	for _, back := range []time.Time{at(1, 12), at(2, 23), time.Date(2025, 12, 31, 9, 0, 0, 0, loc)} {
		s.Clock.Set(back) // a bad time step, a reset clock
		e := wantCode(t, rechargeErr(s, s.RechargeReq(p, apptest.UserCard(1), 0, 10*yuan)), app.CodeDaySettled)
		if e.Detail == "" {
			t.Errorf("at %s: the refusal says nothing of the day", back)
		}
	}
	if after := snap(t, s); !reflect.DeepEqual(after, before) {
		t.Fatalf("a recharge landed in a closed day:\n%+v\n%+v", before, after)
	}
	s.Clock.Set(at(3, 9))
	if _, r := s.Recharge(p, apptest.UserCard(1), 10*yuan); r.SettleDay != "2026-03-03" {
		t.Fatalf("the clock back on time: booked on %s", r.SettleDay)
	}
}
