package app_test

import (
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
)

// cannotTellCard books a cancelled recharge of 50 yuan on a card at 20 yuan, counter 4, and
// gives the card as it comes back: counter + 1 and the balance after, but no log at all, so
// that it cannot prove the recharge (a second recharge of the same amount leaves it so too).
func cannotTellCard(s *apptest.Site) (app.RechargeRequest, app.RechargeResult, *regressReader) {
	s.T.Helper()
	sess := s.Authorize("P1", 0)
	card := apptest.UserCard(0)
	req, res := s.RechargeCounted(sess, card, 20*yuan, 50*yuan, 4)
	s.Cancel(req)
	return req, res, &regressReader{regressCard{no: card, uid: s.CardOf(card).UID, balance: 70 * yuan, counter: 5}}
}

// cannotTellCase lays cannotTellCard's card at the desk, which opens a cannot_tell case.
func cannotTellCase(t *testing.T, s *apptest.Site) (app.RechargeRequest, app.RechargeResult, *regressReader, app.CaseView) {
	t.Helper()
	req, res, rd := cannotTellCard(s)
	_, err := s.Svc.LookAtCard(ctx, s.Clerk, rd)
	must(t, err)
	cases, err := s.Svc.Exceptions(ctx, s.Staff("boss1", app.RoleSupervisor))
	must(t, err)
	if len(cases) != 1 || cases[0].Case.Kind != app.CaseCannotTell || cases[0].Case.RechargeID != res.RechargeID {
		t.Fatalf("cases %+v", cases)
	}
	c := cases[0]
	f := c.Facts
	if f.Recharge.ID != res.RechargeID || f.OperatorNo != "OP01" || f.Device.ID != "P1" || len(f.Messages) != 2 ||
		f.Messages[0].Kind != "recharge" || f.Messages[1].Kind != "cancel" || len(f.CardReads) != 1 || f.CardReads[0].Counter != 5 {
		t.Fatalf("facts %+v", f)
	}
	return req, res, rd, c
}

// A supervisor approves the write the card could not prove; the approver cannot perform it
// (four eyes); another clerk does, through the same crash-safe credit and repair record.
func TestExceptions_ApprovedWriteNeedsASecondPerson(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	boss := s.Staff("boss1", app.RoleSupervisor)
	_, res, rd, c := cannotTellCase(t, s)
	_, err := s.Svc.Decide(ctx, s.Clerk, app.DecisionInput{CaseKey: c.Case.Key(), Kind: app.DecideApproveWrite, Reason: "x"})
	wantCode(t, err, app.CodePermission)
	_, err = s.Svc.Decide(ctx, boss, app.DecisionInput{CaseKey: c.Case.Key(), Kind: app.DecideApproveWrite, Reason: "  "})
	wantCode(t, err, app.CodeReasonRequired)
	admin := s.Admin
	d, err := s.Svc.Decide(ctx, admin, app.DecisionInput{CaseKey: c.Case.Key(), Kind: app.DecideApproveWrite,
		Reason: "POS journal shows the write failed"})
	must(t, err)
	if d.RechargeID != res.RechargeID || d.DecidedBy != "admin" {
		t.Fatalf("decision %+v", d)
	}
	if a := s.LastAudit(); a.Action != "case_approve_write" || a.Subject != c.Case.Key() {
		t.Fatalf("audit %+v", a)
	}
	_, err = s.Svc.Decide(ctx, boss, app.DecisionInput{CaseKey: c.Case.Key(), Kind: app.DecideClose, Reason: "again"})
	wantCode(t, err, app.CodeCaseDecided)
	cases, err := s.Svc.Exceptions(ctx, boss)
	must(t, err)
	if len(cases) != 1 || cases[0].Status != app.CaseApproved || cases[0].Approval.ID != d.ID {
		t.Fatalf("an approved write stays listed until performed: %+v", cases)
	}

	// The approver, also a desk user, may not write it.
	dc, err := s.Svc.LookAtCard(ctx, admin, rd)
	must(t, err)
	if it := dc.Items[0]; it.Blocker == nil || it.Blocker.Code != app.CodeSamePerson {
		t.Fatalf("the approver's desk shows %+v", it)
	}
	_, err = s.Svc.Repair(ctx, admin, rd, res.RechargeID, dc.Card)
	wantCode(t, err, app.CodeSamePerson)

	// A clerk writes it.
	other := &regressReader{regressCard{no: rd.card.no, uid: rd.card.uid, balance: rd.card.balance, counter: rd.card.counter}}
	dc, err = s.Svc.LookAtCard(ctx, s.Clerk, other)
	must(t, err)
	if it := dc.Items[0]; it.Blocker != nil || it.Action != app.DeskWrite || it.Verdict.OnCard != app.CannotTell {
		t.Fatalf("the clerk's desk shows %+v", it)
	}
	rc, err := s.Svc.Repair(ctx, s.Clerk, other, res.RechargeID, dc.Card)
	must(t, err)
	if rc.Outcome != app.RepairWritten || other.card.balance != 120*yuan {
		t.Fatalf("receipt %+v card %+v", rc, other.card)
	}
	if r := s.RechargeOf(res.RechargeID); r.CardWrite != app.WriteRepaired {
		t.Fatalf("recharge %+v", r)
	}
	cases, err = s.Svc.Exceptions(ctx, boss)
	must(t, err)
	if len(cases) != 0 {
		t.Fatalf("still open after the write: %+v", cases)
	}
}

// Closing a case with no card change keeps the recharge off the desk's write key; a cash
// adjustment goes on the operator's report on the day it is decided, and settlement
// freezes it.
func TestExceptions_CloseAndCashAdjustment(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	boss := s.Staff("boss1", app.RoleSupervisor)
	_, res, rd, c := cannotTellCase(t, s)
	before := reportOf(t, s, today, today).Total.Cash()
	d, err := s.Svc.Decide(ctx, boss, app.DecisionInput{CaseKey: c.Case.Key(), Kind: app.DecideAdjustment, Amount: -50 * yuan,
		Reason: "the operator gave the cash back at the counter"})
	must(t, err)
	if d.Day != today || d.OperatorID != s.Ops[0].ID || d.RechargeID != res.RechargeID {
		t.Fatalf("adjustment %+v", d)
	}
	rep := reportOf(t, s, today, today)
	row, _ := rowOf(rep, today, "OP01")
	if row.Adjustments != (app.Totals{Count: 1, Amount: -50 * yuan}) || rep.Total.Cash() != before-50*yuan {
		t.Fatalf("report %+v, cash before %d", rep, before)
	}
	dc, err := s.Svc.LookAtCard(ctx, s.Clerk, rd)
	must(t, err)
	if it := dc.Items[0]; it.Hold == nil || it.Hold.Code != app.CodeDecidedNoWrite || it.Action != app.DeskNoAction {
		t.Fatalf("a decided recharge at the desk: %+v", it)
	}
	// A second adjustment of the same recharge, through another of its cases, is refused.
	s.Clock.Advance(s.Cfg.CaseAfter + time.Hour)
	cases, err := s.Svc.Exceptions(ctx, boss)
	must(t, err)
	if len(cases) != 0 {
		t.Fatalf("a decided recharge reopened as %+v", cases)
	}
	// Settlement freezes the adjustment line.
	s.Clock.Set(time.Date(2026, 3, 3, 0, 5, 0, 0, apptest.Start.Location()))
	_, err = s.Svc.Settle(ctx, s.Admin)
	must(t, err)
	if row, _ := rowOf(reportOf(t, s, today, today), today, "OP01"); !row.Settled || row.Adjustments.Amount != -50*yuan {
		t.Fatalf("settled %+v", row)
	}
	db := s.RawDB()
	for _, q := range []string{
		`UPDATE case_decisions SET amount = 0`,
		`DELETE FROM case_decisions`,
		`UPDATE exception_cases SET detail = ''`,
		`DELETE FROM exception_cases`,
		`INSERT INTO case_decisions(case_key, kind, operator_id, amount, day, reason, decided_by, decided_at)
		 VALUES ('x/y', 'adjustment', 1, 100, '2026-03-02', 'into a settled day', 'boss1', 0)`,
		`UPDATE card_reads SET counter = 99`,
	} {
		if _, err := db.Exec(q); err == nil {
			t.Fatalf("the database took %q", q)
		}
	}
}

// Clerks see no exceptions and decide nothing.
func TestExceptions_ClerksCannotListOrDecide(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	boss := s.Staff("boss1", app.RoleSupervisor)
	_, err := s.Svc.Exceptions(ctx, s.Clerk)
	wantCode(t, err, app.CodePermission)
	_, err = s.Svc.Decide(ctx, s.Clerk, app.DecisionInput{CaseKey: "cannot_tell/recharge:1", Kind: app.DecideClose, Reason: "x"})
	wantCode(t, err, app.CodePermission)
	_, err = s.Svc.Decide(ctx, boss, app.DecisionInput{CaseKey: "cannot_tell/recharge:1", Kind: app.DecideClose, Reason: "x"})
	wantCode(t, err, app.CodeNotFound)
	_, err = s.Svc.Decide(ctx, boss, app.DecisionInput{CaseKey: "nonsense", Kind: app.DecideClose, Reason: "x"})
	wantCode(t, err, app.CodeNotFound)
}

// Time opens two kinds of cases by itself: a recharge pending at its POS past CaseAfter, and
// a repair left unfinished; both close when their condition ends.
func TestExceptions_DerivedCasesOpenWithTimeAndCloseWithTheirCondition(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	boss := s.Staff("boss1", app.RoleSupervisor)
	sess := s.Authorize("P1", 0)
	req, res := s.Recharge(sess, apptest.UserCard(0), 30*yuan)
	keys := func() []string {
		cases, err := s.Svc.Exceptions(ctx, boss)
		must(t, err)
		var out []string
		for _, c := range cases {
			out = append(out, c.Case.Key())
		}
		return out
	}
	s.Clock.Advance(s.Cfg.CaseAfter)
	if k := keys(); len(k) != 0 {
		t.Fatalf("not longer than CaseAfter yet: %v", k)
	}
	s.Clock.Advance(time.Second)
	if k := keys(); len(k) != 1 || k[0] != "write_unknown_overdue/recharge:1" {
		t.Fatalf("cases %v", k)
	}
	s.Recharge(sess, apptest.UserCard(1), 10*yuan) // the POS is back: the desk may take it now
	rp, _, err := s.Svc.BeginRepair(ctx, s.Clerk, res.RechargeID, app.CardSnapshot{Counter: req.CardCounter})
	must(t, err)
	if k := keys(); len(k) != 1 {
		t.Fatalf("cases %v", k)
	}
	s.Clock.Advance(s.Cfg.WriteUnknownAfter)
	if k := keys(); len(k) != 2 || k[1] != "repair_intent_open/repair:1" {
		t.Fatalf("cases %v", k)
	}
	_, err = s.Svc.CompleteRepair(ctx, s.Clerk, rp.ID, app.RepairWritten, app.CardSnapshot{Balance: 30 * yuan, Counter: req.CardCounter + 1})
	must(t, err)
	if k := keys(); len(k) != 0 {
		t.Fatalf("still open: %v", k)
	}
}
