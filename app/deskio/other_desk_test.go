package deskio_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"cardcenter/app"
	"cardcenter/app/deskapi/deskapitest"
	"cardcenter/app/deskio"
	"cardcenter/app/posapi"
	"cardcenter/cardio"
	"cardcenter/cardio/vcard"
)

// otherReader is a second desk's reader with the same card on it (the card carried over).
func (d *desk) otherReader() *deskio.Reader {
	return &deskio.Reader{Station: cardio.Station{Keys: cardio.LocalKeys{Site: d.key}, Connect: func(context.Context) (cardio.Transport, func(), error) {
		return vcard.InProc{R: d.card}, func() {}, nil
	}}}
}

// cutOnce is a host on d's ledger that cuts the first call of method as cut says; the
// counter tells how many were cut.
func (d *desk) cutOnce(method string, cut deskapitest.Cut) (*deskapitest.Host, *atomic.Int32) {
	var cuts atomic.Int32
	host := deskapitest.StartCutting(d.t, d.site.Svc, func(m string) deskapitest.Cut {
		if m == method && cuts.Add(1) == 1 {
			return cut
		}
		return deskapitest.Pass
	})
	return host, &cuts
}

// repairWithRecordCut has desk look at the card and repair its one recharge, the record of
// the write being cut: the desk is told the money is on the card, the record not confirmed.
// It returns the recharge's id.
func (d *desk) repairWithRecordCut(desk app.Desk, clerk app.Actor) int64 {
	d.t.Helper()
	ctx := context.Background()
	dc, err := app.LookAtCard(ctx, desk, clerk, d.reader)
	if err != nil || len(dc.Items) != 1 || dc.Items[0].Verdict.OnCard != app.NotOnCard {
		d.t.Fatalf("first look %+v %v", dc, err)
	}
	id := dc.Items[0].Recharge.ID
	if _, err := app.RepairCard(ctx, desk, clerk, d.reader, id, dc.Card); !errors.Is(err, app.CodeWrittenUnrecorded) || !errors.Is(err, posapi.CodeNoAnswer) {
		d.t.Fatalf("repair with its record cut: %v, want WRITTEN_NOT_RECORDED over NO_ANSWER", err)
	}
	return id
}

// Issue 11.5, on any desk: desk A (clerk1) writes the card and the record of its write is
// cut (the host did it and the answer was lost, or the call never reached the ledger).
// The clerk carries the card to desk B, another clerk's on the same host: B's first read
// settles the repair from the card — finished, written, the credit once on the card — and
// offers nothing more to write.
func TestCutRepairIsSettledByTheNextReadOnAnotherDesk(t *testing.T) {
	for _, cut := range deskapitest.Cuts {
		t.Run(cut.String(), func(t *testing.T) {
			d := newDesk(t)
			ctx := context.Background()
			d.posRecharge(50*app.Yuan, false, true)
			d.site.Staff("clerk2", app.RoleClerk)
			host, cuts := d.cutOnce("CompleteRepair", cut)
			deskA, clerkA := host.Login("clerk1")
			deskB, clerkB := host.Login("clerk2")

			id := d.repairWithRecordCut(deskA, clerkA)
			if cuts.Load() != 1 {
				t.Fatalf("%d calls cut, want 1: the test proves nothing", cuts.Load())
			}
			if rp, err := d.site.Svc.RepairOf(ctx, app.SystemActor, id); err != nil || (cut == deskapitest.LoseCall) != (rp.State == app.RepairIntent) {
				t.Fatalf("the repair after the cut: %+v %v (an intent iff the call was lost)", rp, err)
			}

			b, err := app.LookAtCard(ctx, deskB, clerkB, d.otherReader())
			if err != nil {
				t.Fatalf("desk B's read: %v", err)
			}
			for _, it := range b.Items {
				t.Errorf("desk B is offered recharge %d (%v), want nothing to write", it.Recharge.ID, it.Action)
			}
			if cut == deskapitest.LoseCall {
				if len(b.Resolved) != 1 || b.Resolved[0].RechargeID != id || b.Resolved[0].State != app.RepairWritten {
					t.Errorf("desk B's read resolved %+v, want the intent of recharge %d, written", b.Resolved, id)
				}
			}
			if got := d.read().Purse.Balance; got != int64(62*app.Yuan) {
				t.Fatalf("the card holds %d fen, want 6200 (the credit once)", got)
			}
			rp, err := d.site.Svc.RepairOf(ctx, app.SystemActor, id)
			if err != nil || rp.State != app.RepairWritten {
				t.Fatalf("the repair: %+v %v, want written", rp, err)
			}
			if r := d.site.RechargeOf(id); r.CardWrite != app.WriteRepaired {
				t.Fatalf("the recharge: %v, want repaired", r.CardWrite)
			}
			if l := d.site.Ledger(); l.Repairs != 1 || l.RepairsDone != 1 {
				t.Fatalf("%d repairs, %d done: want one, finished", l.Repairs, l.RepairsDone)
			}
		})
	}
}

// Issue 11.5, the cut before the write: desk A's StartRepair is recorded (the intent) and
// its answer lost, so A writes nothing. At desk B, another clerk's, the intent is a write
// that may still be under way at A: B may not write while it is fresh (REPAIR_IN_PROGRESS),
// and may once it is older than app.RepairFresh, which B then does exactly once.
func TestLostIntentIsResumedOnAnotherDeskOnlyOnceStale(t *testing.T) {
	d := newDesk(t)
	ctx := context.Background()
	d.posRecharge(50*app.Yuan, false, true)
	d.site.Staff("clerk2", app.RoleClerk)
	host, cuts := d.cutOnce("StartRepair", deskapitest.LoseAnswer)
	deskA, clerkA := host.Login("clerk1")
	deskB, clerkB := host.Login("clerk2")
	onB := d.otherReader()

	dc, err := app.LookAtCard(ctx, deskA, clerkA, d.reader)
	if err != nil || len(dc.Items) != 1 {
		t.Fatalf("desk A's look %+v %v", dc, err)
	}
	id := dc.Items[0].Recharge.ID
	if _, err := app.RepairCard(ctx, deskA, clerkA, d.reader, id, dc.Card); !errors.Is(err, posapi.CodeNoAnswer) {
		t.Fatalf("desk A's repair with StartRepair's answer lost: %v, want NO_ANSWER", err)
	}
	if cuts.Load() != 1 {
		t.Fatal("StartRepair was not cut: the test proves nothing")
	}
	if got := d.read().Purse.Balance; got != int64(12*app.Yuan) {
		t.Fatalf("the card holds %d fen after A's lost StartRepair, want 1200 (nothing written)", got)
	}
	if rp, err := d.site.Svc.RepairOf(ctx, app.SystemActor, id); err != nil || rp.State != app.RepairIntent || rp.Staff != "clerk1" {
		t.Fatalf("the repair after the cut: %+v %v, want clerk1's intent", rp, err)
	}

	// Fresh: B sees the recharge, and its write is refused; the card is untouched.
	b, err := app.LookAtCard(ctx, deskB, clerkB, onB)
	if err != nil || len(b.Items) != 1 || b.Items[0].Recharge.ID != id || len(b.Resolved) != 0 {
		t.Fatalf("desk B's look while the intent is fresh: %+v %v", b, err)
	}
	d.site.Clock.Advance(app.RepairFresh - 1)
	if _, err := app.RepairCard(ctx, deskB, clerkB, onB, id, b.Card); !errors.Is(err, app.CodeRepairInProgress) {
		t.Fatalf("desk B's repair while A's intent is fresh: %v, want REPAIR_IN_PROGRESS", err)
	}
	if got := d.read().Purse.Balance; got != int64(12*app.Yuan) {
		t.Fatalf("the card holds %d fen after B's refused repair, want 1200", got)
	}

	// Stale: B resumes the same intent and writes it, once.
	d.site.Clock.Advance(1)
	b, err = app.LookAtCard(ctx, deskB, clerkB, onB)
	if err != nil || len(b.Items) != 1 || b.Items[0].Verdict.OnCard != app.NotOnCard {
		t.Fatalf("desk B's look once the intent is stale: %+v %v", b, err)
	}
	rc, err := app.RepairCard(ctx, deskB, clerkB, onB, id, b.Card)
	if err != nil || rc.Outcome != app.RepairWritten || rc.Amount != 50*app.Yuan {
		t.Fatalf("desk B's repair once the intent is stale: %+v %v", rc, err)
	}
	again, err := app.LookAtCard(ctx, deskB, clerkB, onB)
	if err != nil || len(again.Items) != 0 {
		t.Fatalf("desk B's read after its repair: %+v %v, want nothing offered", again, err)
	}
	if _, err := app.RepairCard(ctx, deskB, clerkB, onB, id, again.Card); !errors.Is(err, app.CodeAlreadyRepaired) {
		t.Fatalf("a second repair: %v, want ALREADY_REPAIRED", err)
	}
	if got := d.read().Purse.Balance; got != int64(62*app.Yuan) {
		t.Fatalf("the card holds %d fen, want 6200 (the credit once)", got)
	}
	if l := d.site.Ledger(); l.Repairs != 1 || l.RepairsDone != 1 {
		t.Fatalf("%d repairs, %d done: want A's one intent, finished", l.Repairs, l.RepairsDone)
	}
	if rp, _ := d.site.Svc.RepairOf(ctx, app.SystemActor, id); rp.State != app.RepairWritten {
		t.Fatalf("the repair: %+v, want written", rp)
	}
}
