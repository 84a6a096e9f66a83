package app_test

import (
	"context"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
)

// Regressions found by TestProperty_MoneyInvariant, each kept as the small scenario its
// seed boiled down to.

// The desk recorded a repair intent for a recharge whose answer the POS never got, then
// crashed; the POS's reversal arrived afterwards. The unfinished repair holds the
// recharge (the reversal can only become a conflict), so the desk must be told to resume,
// not to wait for the reversal: AwaitingDesk said ReversalPending while BeginRepair
// resumed the intent.
func TestPropertyRegress_IntentBeforeReversalResumes(t *testing.T) {
	ctx := context.Background()
	s := apptest.New(t, apptest.Options{})
	sess := s.Authorize("P1", 0)
	req, res := s.Recharge(sess, apptest.UserCard(0), 100*app.Yuan) // its answer is lost at the POS
	s.Clock.Advance(s.Cfg.WriteUnknownAfter + time.Second)

	rp, resumed, err := s.Svc.BeginRepair(ctx, s.Clerk, res.RechargeID, app.CardSnapshot{Balance: 0, Counter: 1})
	if err != nil || resumed {
		t.Fatalf("begin repair: %+v resumed=%v %v", rp, resumed, err)
	}
	// The desk crashes here. The POS's reversal arrives.
	rv, err := s.Svc.Reverse(ctx, app.ReverseRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: req.Serial,
		CardNo: req.CardNo, Amount: req.Amount})
	if err != nil || rv.Status != app.RevPending {
		t.Fatalf("reverse: %+v %v", rv, err)
	}

	items, err := s.Svc.AwaitingDesk(ctx, apptest.UserCard(0))
	if err != nil || len(items) != 1 {
		t.Fatalf("awaiting desk: %+v %v", items, err)
	}
	if it := items[0]; it.ReversalPending || it.Repair.ID != rp.ID {
		t.Fatalf("desk item: ReversalPending=%v repair %d; want the intent %d to resume", it.ReversalPending, it.Repair.ID, rp.ID)
	}
	again, resumed, err := s.Svc.BeginRepair(ctx, s.Clerk, res.RechargeID, app.CardSnapshot{Balance: 0, Counter: 1})
	if err != nil || !resumed || again.ID != rp.ID {
		t.Fatalf("resume: %+v resumed=%v %v", again, resumed, err)
	}
	if _, err := s.Svc.CompleteRepair(ctx, s.Clerk, rp.ID, app.RepairWritten, app.CardSnapshot{Balance: 100 * app.Yuan, Counter: 2}); err != nil {
		t.Fatal(err)
	}

	s.Clock.Advance(s.Cfg.ReversalDelay)
	if n, err := s.Svc.ApplyDueReversals(ctx); err != nil || n != 1 {
		t.Fatalf("worker: %d %v", n, err)
	}
	var r app.Recharge
	var v app.Reversal
	if err := s.Store.View(ctx, func(tx app.ReadTx) error {
		var err error
		if r, err = tx.Recharge(res.RechargeID); err != nil {
			return err
		}
		v, err = tx.Reversal(rv.ReversalID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if r.Booking != app.Booked || r.CardWrite != app.WriteRepaired || v.Status != app.RevConflict || v.Reason != app.CodeFurtherActivity {
		t.Fatalf("recharge %s/%s, reversal %s/%s; want booked/repaired and a conflict", r.Booking, r.CardWrite, v.Status, v.Reason)
	}
}
