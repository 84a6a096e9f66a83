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
	s := apptest.New(t, apptest.Options{})
	sess := s.Authorize("P1", 0)
	req, res := s.Recharge(sess, apptest.UserCard(0), 100*app.Yuan) // its answer is lost at the POS
	s.Clock.Advance(s.Cfg.WriteUnknownAfter + time.Second)
	// Since issue 8 the desk takes a write-unknown recharge only once its POS can no longer
	// reverse it; here an admin records the POS's journal as lost, and the reversal turns up
	// anyway.
	if _, err := s.Svc.EndDeviceJournal(ctx, s.Admin, "P1", app.JournalReplaced, "journal lost"); err != nil {
		t.Fatal(err)
	}

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

	items, err := s.Svc.AwaitingDesk(ctx, app.SystemActor, apptest.UserCard(0))
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

// regressCard is a card on the desk's reader, with cardio's log of references.
type regressCard struct {
	no, uid string
	balance app.Fen
	counter int64
	log     []regressEntry // committed, oldest first
}

type regressEntry struct {
	terminal string
	serial   int64
	amount   app.Fen
	counter  int64
	desk     bool
}

func (c regressCard) UID() string      { return c.uid }
func (c regressCard) CardNo() string   { return c.no }
func (c regressCard) Holder() string   { return "" }
func (c regressCard) Blocked() bool    { return false }
func (c regressCard) Balance() app.Fen { return c.balance }
func (c regressCard) Counter() int64   { return c.counter }

func (c regressCard) Holds(terminal string, serial int64, amount app.Fen) (bool, bool) {
	for _, e := range c.log {
		if e.terminal == terminal && e.serial == serial && e.amount == amount {
			return true, e.desk
		}
	}
	return false, false
}

func (c regressCard) ProvesAbsent(terminal string, serial int64, amount app.Fen, counterBefore int64) bool {
	if found, _ := c.Holds(terminal, serial, amount); found {
		return false
	}
	return logCovers(c.log, func(e regressEntry) int64 { return e.counter }, counterBefore, c.counter)
}

// regressReader is a desk reader with one card on it; Credit lands the repair.
type regressReader struct{ card regressCard }

func (r *regressReader) Read(context.Context) (app.CardOnDesk, error) { return r.card, nil }

func (r *regressReader) Credit(_ context.Context, _ app.CardOnDesk, terminal string, serial int64, amount app.Fen, _ time.Time) error {
	r.card.balance += amount
	r.card.counter++
	r.card.log = append(r.card.log, regressEntry{terminal: terminal, serial: serial, amount: amount, counter: r.card.counter, desk: true})
	return nil
}

// A POS's write failed at 请重刷卡 and the operator pressed Cancel; the cardholder then
// recharged the same amount at another POS, which landed. The card's counter is now the
// first recharge's counter + 1 and its balance the first recharge's "after", yet the
// card's log shows the credit is the second recharge's. The desk said "already on card"
// for the first and would never credit it: the cardholder paid twice for one credit.
func TestPropertyRegress_VerdictTrustsTheLogOverACoincidence(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	card := apptest.UserCard(0)
	p1, p2 := s.Authorize("P1", 0), s.Authorize("P2", 1)
	req1 := s.RechargeReq(p1, card, 221*app.Yuan, 50*app.Yuan)
	req1.CardCounter = 9
	r1, err := s.Svc.Recharge(ctx, req1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Svc.Cancel(ctx, app.CancelRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: req1.Serial,
		CardNo: card, Amount: req1.Amount}); err != nil {
		t.Fatal(err)
	}
	req2 := s.RechargeReq(p2, card, 221*app.Yuan, 50*app.Yuan)
	req2.CardCounter = 9
	if _, err := s.Svc.Recharge(ctx, req2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Svc.Confirm(ctx, app.ConfirmRequest{DeviceID: "P2", Serial: s.NextSerial("P2"), OrigSerial: req2.Serial,
		CardNo: card, Amount: req2.Amount}); err != nil {
		t.Fatal(err)
	}
	var uid string
	if err := s.Store.View(ctx, func(tx app.ReadTx) error {
		c, err := tx.Card(card)
		uid = c.UID
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// Counter 9 was an earlier recharge; the POS read counter 9 both times.
	rd := &regressReader{regressCard{no: card, uid: uid, balance: 271 * app.Yuan, counter: 10, log: []regressEntry{
		{terminal: "C1", serial: 1, amount: 29 * app.Yuan, counter: 8},
		{terminal: "P1", serial: 99, amount: 200 * app.Yuan, counter: 9},
		{terminal: "P2", serial: req2.Serial, amount: 50 * app.Yuan, counter: 10},
	}}}

	dc, err := s.Svc.LookAtCard(ctx, s.Clerk, rd)
	if err != nil {
		t.Fatal(err)
	}
	if len(dc.Items) != 1 || dc.Items[0].Recharge.ID != r1.RechargeID || dc.Items[0].Verdict.OnCard != app.NotOnCard {
		t.Fatalf("desk items %+v; want recharge %d not on card", dc.Items, r1.RechargeID)
	}
	rc, err := s.Svc.Repair(ctx, s.Clerk, rd, r1.RechargeID, dc.Card)
	if err != nil || rc.Outcome != app.RepairWritten || rd.card.balance != 321*app.Yuan {
		t.Fatalf("repair: %+v %v; card balance %d", rc, err, rd.card.balance)
	}
}
