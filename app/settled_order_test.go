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
	s, p, _ := rechargedAt(t, march(2, 10, 0, 0), 10*yuan)
	s.Clock.Set(march(3, 1, 0, 0))
	res, err := s.Svc.Settle(ctx, s.Admin)
	must(t, err)
	if len(res.Settled) != 1 || res.Settled[0] != "2026-03-02" {
		t.Fatalf("settle: %+v", res)
	}
	before := snap(t, s)
	for _, back := range []time.Time{march(1, 12, 0, 0), march(2, 23, 0, 0), time.Date(2025, 12, 31, 9, 0, 0, 0, apptest.Start.Location())} {
		s.Clock.Set(back) // a bad time step, a reset clock
		e := wantCode(t, rechargeErr(s, s.RechargeReq(p, apptest.UserCard(1), 0, 10*yuan)), app.CodeDaySettled)
		if e.Detail == "" {
			t.Errorf("at %s: the refusal says nothing of the day", back)
		}
	}
	if after := snap(t, s); !reflect.DeepEqual(after, before) {
		t.Fatalf("a recharge landed in a closed day:\n%+v\n%+v", before, after)
	}
	s.Clock.Set(march(3, 9, 0, 0))
	if _, r := s.Recharge(p, apptest.UserCard(1), 10*yuan); r.SettleDay != "2026-03-03" {
		t.Fatalf("the clock back on time: booked on %s", r.SettleDay)
	}
}
