package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
)

// Regressions of issue 8: each replays the sequence an outside auditor found leaving the
// operator's cash, the ledger and the card disagreeing.

// Defect 2: a recharge whose answer the POS never got is pending; the POS is off, its
// reversal queued. Past the write-unknown timeout the desk offered to write it, and the
// reversal then arrived to find it repaired: the operator had been told "reversed" and had
// handed the cash back, and the cardholder got the money on the card too.
func TestDeskHoldsAWriteUnknownRechargeWhosePOSMayStillReverseIt(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	sess := s.Authorize("P1", 0)
	req, res := s.Recharge(sess, apptest.UserCard(0), 100*yuan) // the answer is lost; the POS queues a reversal and goes off
	s.Clock.Advance(s.Cfg.WriteUnknownAfter + time.Hour)

	items, err := s.Svc.AwaitingDesk(ctx, app.SystemActor, req.CardNo)
	must(t, err)
	if len(items) != 1 || items[0].Hold == nil || items[0].Hold.Code != app.CodeAwaitingPOS || items[0].Wait == nil ||
		items[0].Wait.DeviceID != "P1" || items[0].Wait.Serial != req.Serial || items[0].Wait.LastContact.Serial != req.Serial {
		t.Fatalf("desk items %+v: want the recharge held AWAITING_POS_UPLOAD, waiting for P1 after serial %d", items, req.Serial)
	}
	_, _, err = s.Svc.BeginRepair(ctx, s.Clerk, res.RechargeID, app.CardSnapshot{})
	wantCode(t, err, app.CodeAwaitingPOS)

	// The POS comes back and sends its queue first (rule 6): the reversal, then anything else.
	_, err = s.Svc.Reverse(ctx, app.ReverseRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: req.Serial,
		CardNo: req.CardNo, Amount: req.Amount})
	must(t, err)
	s.Clock.Advance(s.Cfg.ReversalDelay)
	_, err = s.Svc.ApplyDueReversals(ctx)
	must(t, err)
	if r := s.RechargeOf(res.RechargeID); r.Booking != app.Reversed || r.RepairID != 0 {
		t.Fatalf("recharge %+v: want reversed, never repaired", r)
	}
	if got := reportOf(t, s, today, today).Total.Cash(); got != 0 {
		t.Fatalf("cash %d: the operator handed it back", got)
	}
}

// The two proofs that let the desk take a write-unknown recharge: a later message from its
// POS (which sends its queue first), or an admin's record that the POS's journal ended.
func TestDeskReleasesAWriteUnknownRechargeOnALaterSerialOrAJournalEnd(t *testing.T) {
	t.Run("a later serial from the POS", func(t *testing.T) {
		s := apptest.New(t, apptest.Options{})
		sess := s.Authorize("P1", 0)
		_, res := s.Recharge(sess, apptest.UserCard(0), 100*yuan)
		s.Clock.Advance(s.Cfg.WriteUnknownAfter)
		_, _, err := s.Svc.BeginRepair(ctx, s.Clerk, res.RechargeID, app.CardSnapshot{})
		wantCode(t, err, app.CodeAwaitingPOS)
		s.Recharge(sess, apptest.UserCard(1), 10*yuan) // the next customer
		_, _, err = s.Svc.BeginRepair(ctx, s.Clerk, res.RechargeID, app.CardSnapshot{})
		must(t, err)
	})
	t.Run("the POS recorded as replaced, its queue lost", func(t *testing.T) {
		s := apptest.New(t, apptest.Options{})
		_, res := s.Recharge(s.Authorize("P1", 0), apptest.UserCard(0), 100*yuan)
		s.Clock.Advance(s.Cfg.WriteUnknownAfter)
		_, err := s.Svc.EndDeviceJournal(ctx, s.Clerk, "P1", app.JournalReplaced, "broken")
		wantCode(t, err, app.CodePermission)
		_, err = s.Svc.EndDeviceJournal(ctx, s.Admin, "P1", app.JournalReplaced, " ")
		wantCode(t, err, app.CodeReasonRequired)
		end, err := s.Svc.EndDeviceJournal(ctx, s.Admin, "P1", app.JournalReplaced, "screen broken, journal lost")
		must(t, err)
		if end.LastSerial != s.RechargeOf(res.RechargeID).Serial {
			t.Fatalf("journal end %+v", end)
		}
		if a := s.LastAudit(); a.Action != "device_replaced" || a.Subject != "device:P1" || a.Actor != "admin" {
			t.Fatalf("audit %+v", a)
		}
		_, _, err = s.Svc.BeginRepair(ctx, s.Clerk, res.RechargeID, app.CardSnapshot{})
		must(t, err)
		// If its POS had timed out there, its operator handed the cash back: a supervisor checks.
		if n := s.Count(`SELECT COUNT(*) FROM exception_cases WHERE kind = 'journal_released' AND recharge_id = ?`, res.RechargeID); n != 1 {
			t.Fatalf("%d journal-released cases", n)
		}
	})
	t.Run("a retired POS is also disabled", func(t *testing.T) {
		s := apptest.New(t, apptest.Options{})
		s.Authorize("P1", 0)
		_, err := s.Svc.EndDeviceJournal(ctx, s.Admin, "P1", app.JournalRetired, "out of service")
		must(t, err)
		d, err := s.Svc.DeviceWithKey(ctx, "P1")
		must(t, err)
		if d.Enabled {
			t.Fatal("a retired POS is still enabled")
		}
	})
}

// Defect 3: a reversal after its day was settled became a conflict no screen listed; one
// after a confirm did too. Now the first is applied on the day it is processed (a line of
// its own), the second is a case for a supervisor, and the POS summary shows late ones.
func TestLateReversalIsAppliedOnItsProcessingDayAndOneAfterAConfirmIsACase(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	sess := s.Authorize("P1", 0)
	pend, pres := s.Recharge(sess, apptest.UserCard(0), 100*yuan) // answer lost
	wr, wres := s.Recharge(sess, apptest.UserCard(1), 50*yuan)
	_, err := s.Svc.Confirm(ctx, app.ConfirmRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: wr.Serial,
		CardNo: wr.CardNo, Amount: wr.Amount})
	must(t, err)
	// Past the cut-off and the delay: 03-02 is settled.
	s.Clock.Set(time.Date(2026, 3, 3, 0, 5, 0, 0, apptest.Start.Location()))
	res, err := s.Svc.Settle(ctx, s.Admin)
	must(t, err)
	if len(res.Settled) != 1 || res.Settled[0] != today {
		t.Fatalf("settle %+v", res)
	}
	frozen := reportOf(t, s, today, today)
	// The POS reverses the one it never got an answer to; another POS program reverses the
	// confirmed one by mistake.
	late, err := s.Svc.Reverse(ctx, app.ReverseRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: pend.Serial,
		CardNo: pend.CardNo, Amount: pend.Amount})
	must(t, err)
	conflict, err := s.Svc.Reverse(ctx, app.ReverseRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: wr.Serial,
		CardNo: wr.CardNo, Amount: wr.Amount})
	must(t, err)
	if conflict.Status != app.RevConflict || conflict.Reason != app.CodeAlreadyWritten {
		t.Fatalf("reversal of a confirmed recharge: %+v", conflict)
	}
	s.Clock.Advance(s.Cfg.ReversalDelay)
	_, err = s.Svc.ApplyDueReversals(ctx)
	must(t, err)
	if r := s.RechargeOf(pres.RechargeID); r.Booking != app.Reversed || r.ReversalDay != "2026-03-03" || !r.LateReversal() {
		t.Fatalf("late-reversed recharge %+v", r)
	}
	if got := reportOf(t, s, today, today); !sameRows(got.Rows, frozen.Rows) {
		t.Fatalf("the settled day changed:\n%+v\n%+v", got.Rows, frozen.Rows)
	}
	day2 := reportOf(t, s, "2026-03-03", "2026-03-03")
	if row, ok := rowOf(day2, "2026-03-03", "OP01"); !ok || row.LateReversals != (app.Totals{Count: 1, Amount: 100 * yuan}) ||
		row.Cash() != -100*yuan || row.Recharges.Count != 0 {
		t.Fatalf("03-03 %+v: want the late reversal as a line of its own", day2.Rows)
	}
	sum, err := s.Svc.Summary(ctx, app.SummaryRequest{DeviceID: "P1"})
	must(t, err)
	if sum.Today.LateReversals != (app.Totals{Count: 1, Amount: 100 * yuan}) || sum.Today.Cash != -100*yuan ||
		sum.Session.LateReversals.Count != 1 || sum.Session.Reversals.Count != 0 || sum.Session.Cash != 50*yuan {
		t.Fatalf("summary %+v", sum)
	}
	cases, err := s.Svc.Exceptions(ctx, s.Staff("boss", app.RoleSupervisor))
	must(t, err)
	kinds := map[app.CaseKind]app.ExceptionCase{}
	for _, c := range cases {
		kinds[c.Case.Kind] = c.Case
	}
	if c := kinds[app.CaseLateReversal]; c.ReversalID != late.ReversalID || c.RechargeID != pres.RechargeID {
		t.Fatalf("cases %+v: want the late reversal listed", cases)
	}
	if c := kinds[app.CaseReversalNotApplied]; c.ReversalID != conflict.ReversalID || c.RechargeID != wres.RechargeID {
		t.Fatalf("cases %+v: want the reversal after a confirm listed", cases)
	}
	// Next day's settlement freezes the late line too.
	s.Clock.Set(time.Date(2026, 3, 4, 0, 5, 0, 0, apptest.Start.Location()))
	res, err = s.Svc.Settle(ctx, s.Admin)
	must(t, err)
	if len(res.Settled) != 1 || res.Settled[0] != "2026-03-03" {
		t.Fatalf("settle %+v: the day with only a late reversal must be settled too", res)
	}
	if row, _ := rowOf(reportOf(t, s, "2026-03-03", "2026-03-03"), "2026-03-03", "OP01"); !row.Settled || row.LateReversals.Amount != 100*yuan {
		t.Fatalf("settled 03-03 %+v", row)
	}
}

// Defect 4: confirm a POS credit of 100 yuan (card counter 9); the card's main purse block is
// then damaged and readers fall back to the backup (counter 8, the old balance). The next
// POS recharge wrote on that old balance and the 100 yuan was gone while the ledger said
// written. Now the POS is refused, and the desk says the card is behind, never "not on card".
func TestCardBehindTheLedgerIsRefusedAtThePOSAndShownAtTheDesk(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	sess := s.Authorize("P1", 0)
	card := apptest.UserCard(0)
	req, res := s.RechargeCounted(sess, card, 35*yuan, 100*yuan, 8)
	s.Confirm(req)
	if res.CounterAfter != 9 {
		t.Fatalf("fixture: counter after %d", res.CounterAfter)
	}
	// The damaged card, as the POS reads it: the backup purse.
	next := s.RechargeReq(sess, card, 35*yuan, 50*yuan)
	next.CardCounter = 8
	wantCode(t, rechargeErr(s, next), app.CodeCardBehindLedger)
	// The same counter with another balance is no better: every write moves the counter.
	next = s.RechargeReq(sess, card, 35*yuan, 50*yuan)
	next.CardCounter = 9
	wantCode(t, rechargeErr(s, next), app.CodeCardBehindLedger)
	// A card that went on (spent at the canteen) is fine.
	s.RechargeCounted(sess, card, 120*yuan, 50*yuan, 11)
	if n := s.Count(`SELECT COUNT(*) FROM exception_cases WHERE kind = 'card_behind' AND card_no = ?`, card); n != 1 {
		t.Fatalf("%d card-behind cases, want one for the remembered state", n)
	}

	// At the desk: a cancelled recharge of the card waits, and the card is read behind.
	s2 := apptest.New(t, apptest.Options{})
	sess2 := s2.Authorize("P1", 0)
	r1, _ := s2.RechargeCounted(sess2, card, 35*yuan, 100*yuan, 8)
	s2.Confirm(r1)
	r2, res2 := s2.RechargeCounted(sess2, card, 135*yuan, 20*yuan, 9)
	s2.Cancel(r2)
	uid := s2.CardOf(card).UID
	rd := &regressReader{regressCard{no: card, uid: uid, balance: 35 * yuan, counter: 8, log: []regressEntry{
		{terminal: "P1", serial: r1.Serial, amount: 100 * yuan, counter: 9}, // the log survived; the purse did not
	}}}
	dc, err := s2.Svc.LookAtCard(ctx, s2.Clerk, rd)
	must(t, err)
	if !dc.Behind || len(dc.Items) != 1 || dc.Items[0].Recharge.ID != res2.RechargeID || dc.Items[0].Verdict.OnCard != app.BehindLedger ||
		dc.Items[0].Blocker == nil || dc.Items[0].Blocker.Code != app.CodeCardBehindLedger || dc.Items[0].Action != app.DeskNoAction {
		t.Fatalf("desk card %+v", dc)
	}
	if !strings.Contains(dc.Items[0].Verdict.ZH, "卡数据落后于系统") {
		t.Fatalf("verdict %q", dc.Items[0].Verdict.ZH)
	}
	_, err = s2.Svc.Repair(ctx, s2.Clerk, rd, res2.RechargeID, dc.Card)
	wantCode(t, err, app.CodeCardBehindLedger)
	if rd.card.balance != 35*yuan {
		t.Fatal("the desk wrote a card behind the ledger")
	}
	if n := s2.Count(`SELECT COUNT(*) FROM card_reads WHERE card_no = ? AND counter = 8 AND staff = 'clerk1'`, card); n != 1 {
		t.Fatalf("%d card reads kept, want the desk's look", n)
	}
}

// Defect 5: a card whose log cannot tell (the slot of the recharge damaged) showed counter
// + 1 and the balance after; the desk took that as proof the recharge landed. A second
// recharge of the same amount leaves the card exactly so: it proves nothing.
func TestCounterPlusOneWithoutTheLogIsCannotTell(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	_, res, rd := cannotTellCard(s)
	dc, err := s.Svc.LookAtCard(ctx, s.Clerk, rd)
	must(t, err)
	if len(dc.Items) != 1 || dc.Items[0].Verdict.OnCard != app.CannotTell || dc.Items[0].Blocker == nil ||
		dc.Items[0].Blocker.Code != app.CodeCannotTell {
		t.Fatalf("desk items %+v: want cannot tell", dc.Items)
	}
	_, err = s.Svc.Repair(ctx, s.Clerk, rd, res.RechargeID, dc.Card)
	wantCode(t, err, app.CodeCannotTell)
	if n := s.Count(`SELECT COUNT(*) FROM exception_cases WHERE kind = 'cannot_tell' AND recharge_id = ?`, res.RechargeID); n != 1 {
		t.Fatalf("%d cannot-tell cases", n)
	}
}

// pulledAfterWrite is a card that takes the desk's write and is pulled off the reader right
// after: every read after the credit fails.
type pulledAfterWrite struct {
	regressReader
	written bool
}

func (r *pulledAfterWrite) Read(ctx context.Context) (app.CardOnDesk, error) {
	if r.written {
		return nil, errors.New("card removed")
	}
	return r.regressReader.Read(ctx)
}

func (r *pulledAfterWrite) Credit(ctx context.Context, c app.CardOnDesk, terminal string, serial int64, amount app.Fen, at time.Time) error {
	r.written = true
	return r.regressReader.Credit(ctx, c, terminal, serial, amount, at)
}

// Found by the ledger property test: a supervisor approves writing a recharge the card
// cannot tell about; a clerk writes it and the card is pulled right after (the intent stays
// open); the card is recharged and confirmed at a POS; then it is restored from a copy taken
// before the desk's write. The approval must not lift "behind the ledger": the desk wrote
// that intent once already, and writing it again pays the cardholder twice.
func TestAnApprovalDoesNotLiftACardBehindTheLedgerWithAnOpenIntent(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	sess := s.Authorize("P1", 0)
	card := apptest.UserCard(0)
	req := s.RechargeReq(sess, card, 50*yuan, 20*yuan)
	req.CardCounter = 4
	res, err := s.Svc.Recharge(ctx, req)
	must(t, err)
	_, err = s.Svc.Cancel(ctx, app.CancelRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: req.Serial, CardNo: card, Amount: req.Amount})
	must(t, err)
	uid := s.CardOf(card).UID
	// Counter + 1 and the balance after, but no log to tell: cannot tell; a supervisor approves.
	copyOfCard := regressCard{no: card, uid: uid, balance: 70 * yuan, counter: 5}
	_, err = s.Svc.LookAtCard(ctx, s.Clerk, &regressReader{copyOfCard})
	must(t, err)
	boss := s.Staff("boss", app.RoleSupervisor)
	cases, err := s.Svc.Exceptions(ctx, boss)
	must(t, err)
	if len(cases) != 1 || cases[0].Case.Kind != app.CaseCannotTell {
		t.Fatalf("cases %+v", cases)
	}
	_, err = s.Svc.Decide(ctx, boss, app.DecisionInput{CaseKey: cases[0].Case.Key(), Kind: app.DecideApproveWrite, Reason: "POS journal: the write failed"})
	must(t, err)
	// The clerk writes it; the card is pulled right after.
	rd := &pulledAfterWrite{regressReader: regressReader{copyOfCard}}
	dc, err := s.Svc.LookAtCard(ctx, s.Clerk, rd)
	must(t, err)
	_, err = s.Svc.Repair(ctx, s.Clerk, rd, res.RechargeID, dc.Card)
	wantCode(t, err, app.CodeWriteUnknown)
	written := rd.card // 90.00 at counter 6
	// A POS recharges the card further and confirms: the ledger now knows counter 7.
	next := s.RechargeReq(sess, card, written.balance, 10*yuan)
	next.CardCounter = written.counter
	_, err = s.Svc.Recharge(ctx, next)
	must(t, err)
	_, err = s.Svc.Confirm(ctx, app.ConfirmRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: next.Serial, CardNo: card, Amount: next.Amount})
	must(t, err)
	// The card is restored from the copy taken before the desk's write.
	restored := &regressReader{copyOfCard}
	dc, err = s.Svc.LookAtCard(ctx, s.Clerk, restored)
	must(t, err)
	if !dc.Behind || len(dc.Items) != 1 || dc.Items[0].Blocker == nil || dc.Items[0].Blocker.Code != app.CodeCardBehindLedger {
		t.Fatalf("the restored card at the desk: behind %t, items %+v", dc.Behind, dc.Items)
	}
	_, err = s.Svc.Repair(ctx, s.Clerk, restored, res.RechargeID, dc.Card)
	wantCode(t, err, app.CodeCardBehindLedger)
	if restored.card.balance != 70*yuan {
		t.Fatalf("the desk wrote the recharge again: balance %d", restored.card.balance)
	}
}
