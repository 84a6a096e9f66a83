package app_test

import (
	"testing"

	"cardcenter/app"
)

// Settle says when the first unsettled day may be settled, and how many reversals hold it.
func TestSettleSaysWhenAndWhyNotYet(t *testing.T) {
	s, _, req := rechargedAt(t, march(2, 23, 59, 30), 30*yuan)
	until := march(3, 0, 1, 30) // midnight plus the 90 s reversal delay

	res, err := s.Svc.Settle(ctx, s.Admin)
	must(t, err)
	if res.Waiting != "2026-03-02" || !res.WaitingUntil.Equal(until) || res.PendingReversals != 0 || res.Reason.Code != app.CodeTooEarlyToSettle {
		t.Fatalf("before the cut-off: %+v", res)
	}
	// The POS's reversal arrives late (00:01:00): it is applied at 00:02:30, and holds the day.
	s.Clock.Set(march(3, 0, 1, 0))
	_, err = s.Svc.Reverse(ctx, app.ReverseRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: req.Serial, CardNo: req.CardNo, Amount: req.Amount})
	must(t, err)
	s.Clock.Set(until)
	res, err = s.Svc.Settle(ctx, s.Admin)
	must(t, err)
	if len(res.Settled) != 0 || res.Waiting != "2026-03-02" || !res.WaitingUntil.Equal(until) || res.PendingReversals != 1 {
		t.Fatalf("with a pending reversal: %+v", res)
	}
	s.Clock.Set(march(3, 0, 2, 30))
	res, err = s.Svc.Settle(ctx, s.Admin)
	must(t, err)
	if len(res.Settled) != 1 || res.Waiting != "" || res.Reason != nil || res.PendingReversals != 0 {
		t.Fatalf("after the reversal: %+v", res)
	}
}
