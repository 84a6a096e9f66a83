package deskio_test

import (
	"context"
	"errors"
	"testing"

	"cardcenter/app"
	"cardcenter/app/deskapi/deskapitest"
)

// Issue 11.5: a desk on a host whose connection is cut while it records a repair it has
// written to the card — the host did it and the answer was lost, or the call never reached
// the ledger. The desk is told it got no answer; the next read of the card, on the same
// connection-less desk, settles the repair by what the card shows, and nothing is written
// twice: the card holds the credit once and the ledger one finished repair.
func TestCutConnectionWhileRecordingARepairWritesNothingTwice(t *testing.T) {
	for _, cut := range deskapitest.Cuts {
		t.Run(cut.String(), func(t *testing.T) {
			d := newDesk(t)
			ctx := context.Background()
			d.posRecharge(50*app.Yuan, false, true)
			host, cuts := d.cutOnce("CompleteRepair", cut)
			desk, clerk := host.Login("clerk1")
			id := d.repairWithRecordCut(desk, clerk)
			if got := d.read().Purse.Balance; got != int64(62*app.Yuan) {
				t.Fatalf("the card after the write: %d fen", got)
			}
			// The clerk reads the card again and, if the desk still shows the recharge, repairs
			// it again: the card shows the credit, so nothing more is written.
			again, err := app.LookAtCard(ctx, desk, clerk, d.reader)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range again.Items {
				if it.Recharge.ID != id {
					continue
				}
				if _, err := app.RepairCard(ctx, desk, clerk, d.reader, id, again.Card); err != nil && !errors.Is(err, app.CodeAlreadyRepaired) {
					t.Fatalf("second repair: %v", err)
				}
			}
			if got := d.read().Purse.Balance; got != int64(62*app.Yuan) {
				t.Fatalf("the card holds %d fen after the second read, want 6200: credited twice", got)
			}
			rp, err := d.site.Svc.RepairOf(ctx, app.SystemActor, id)
			if err != nil || (rp.State != app.RepairWritten && rp.State != app.RepairFoundOnCard) {
				t.Fatalf("the repair: %+v %v", rp, err)
			}
			if r := d.site.RechargeOf(id); r.CardWrite != app.WriteRepaired && r.CardWrite != app.WriteFoundOnCard {
				t.Fatalf("the recharge: %+v", r)
			}
			if cuts.Load() < 1 {
				t.Fatal("no call was cut: the test proves nothing")
			}
		})
	}
}
