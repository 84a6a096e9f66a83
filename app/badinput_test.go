package app_test

import (
	"reflect"
	"strings"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
)

// busySite is a site with some history: two settled-day candidates, a reversal, a cancel,
// a repair intent, so that "changes nothing" is checked against a ledger that has things in it.
func busySite(t *testing.T) *apptest.Site {
	t.Helper()
	s := apptest.New(t, apptest.Options{})
	sess := s.Authorize("P1", 0)
	s.Recharge(sess, apptest.UserCard(0), 100*yuan)
	reqR, _ := s.Recharge(sess, apptest.UserCard(1), 30*yuan)
	_, err := s.Svc.Reverse(ctx, app.ReverseRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: reqR.Serial, CardNo: reqR.CardNo, Amount: reqR.Amount})
	must(t, err)
	reqC, resC := s.Recharge(s.Authorize("P2", 1), apptest.UserCard(2), 50*yuan)
	_, err = s.Svc.Cancel(ctx, app.CancelRequest{DeviceID: "P2", Serial: s.NextSerial("P2"), OrigSerial: reqC.Serial, CardNo: reqC.CardNo, Amount: reqC.Amount})
	must(t, err)
	s.Clock.Advance(s.Cfg.ReversalDelay)
	_, err = s.Svc.ApplyDueReversals(ctx)
	must(t, err)
	_, _, err = s.Svc.BeginRepair(ctx, s.Clerk, resC.RechargeID, app.CardSnapshot{Balance: 1, Counter: 1})
	must(t, err)
	return s
}

// snapshot is everything a refusal must leave alone: the raw recount and the report.
type snapshot struct {
	ledger apptest.Ledger
	report app.Report
}

func snap(t *testing.T, s *apptest.Site) snapshot {
	t.Helper()
	return snapshot{ledger: s.Ledger(), report: reportOf(t, s, "2026-03-01", "2026-03-03")}
}

type badCase struct {
	name string
	call func() error
	want app.Code
}

// auditedRefusals are refusals that leave one audit row and nothing else: a failed login
// is audited (issue 9.12).
var auditedRefusals = map[string]bool{"login unknown staff": true, "login, empty": true}

// checkRefusals runs each case and checks its code and that nothing changed.
func checkRefusals(t *testing.T, s *apptest.Site, cases []badCase) {
	t.Helper()
	for _, c := range cases {
		before := snap(t, s)
		if auditedRefusals[c.name] {
			before.ledger.Audit++
		}
		wantCode(t, c.call(), c.want)
		if after := snap(t, s); !reflect.DeepEqual(after, before) {
			t.Fatalf("%s changed the ledger:\n%+v\n%+v", c.name, before, after)
		}
	}
}

func TestBadInput_UnknownIDs(t *testing.T) {
	s := busySite(t)
	sess := s.Authorize("P1", 0)
	rr := func(dev, card string) func() error {
		return func() error {
			req := s.RechargeReq(sess, card, 0, 10*yuan)
			req.DeviceID = dev
			return rechargeErr(s, req)
		}
	}
	auth := func(dev, card string) func() error {
		return func() error {
			_, err := s.Svc.Authorize(ctx, app.AuthorizeRequest{DeviceID: dev, Serial: s.NextSerial(dev), CardNo: card, PIN: apptest.PIN})
			return err
		}
	}
	checkRefusals(t, s, []badCase{
		{"authorize, unknown device", auth("P404", apptest.AuthCard(0)), app.CodeUnknownDevice},
		{"authorize, unknown card", auth("P1", "A404"), app.CodeUnknownCard},
		{"recharge, unknown device", rr("P404", apptest.UserCard(0)), app.CodeUnknownDevice},
		{"recharge, unknown card", rr("P1", "U404"), app.CodeUnknownCard},
		{"confirm, unknown device", func() error {
			_, err := s.Svc.Confirm(ctx, app.ConfirmRequest{DeviceID: "P404", Serial: 1, OrigSerial: 1, CardNo: apptest.UserCard(0), Amount: yuan})
			return err
		}, app.CodeUnknownDevice},
		{"confirm, unknown recharge", func() error {
			_, err := s.Svc.Confirm(ctx, app.ConfirmRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: 404, CardNo: apptest.UserCard(0), Amount: yuan})
			return err
		}, app.CodeOriginalNotFound},
		{"cancel, unknown device", func() error {
			_, err := s.Svc.Cancel(ctx, app.CancelRequest{DeviceID: "P404", Serial: 1, OrigSerial: 1, CardNo: apptest.UserCard(0), Amount: yuan})
			return err
		}, app.CodeUnknownDevice},
		{"reverse, unknown device", func() error {
			_, err := s.Svc.Reverse(ctx, app.ReverseRequest{DeviceID: "P404", Serial: 1, OrigSerial: 1, CardNo: apptest.UserCard(0), Amount: yuan})
			return err
		}, app.CodeUnknownDevice},
		{"summary, unknown device", func() error { _, err := s.Svc.Summary(ctx, app.SummaryRequest{DeviceID: "P404"}); return err }, app.CodeUnknownDevice},
		{"device lookup", func() error { _, err := s.Svc.DeviceWithKey(ctx, "P404"); return err }, app.CodeUnknownDevice},
		{"enable unknown device", func() error { return s.Svc.SetDeviceEnabled(ctx, s.Admin, "P404", true) }, app.CodeUnknownDevice},
		{"update unknown device", func() error {
			return s.Svc.UpdateDevice(ctx, s.Admin, app.DeviceInput{ID: "P404", Name: "x", Model: app.ModelRechargePOS})
		}, app.CodeUnknownDevice},
		{"status of unknown card", func() error { return s.Svc.SetCardStatus(ctx, s.Admin, "U404", app.CardLost) }, app.CodeUnknownCard},
		{"bind unknown card", func() error { return s.Svc.BindCard(ctx, s.Admin, s.Ops[0].ID, "U404") }, app.CodeUnknownCard},
		{"bind to unknown operator", func() error { return s.Svc.BindCard(ctx, s.Admin, 404, apptest.UserCard(3)) }, app.CodeNotFound},
		{"unbind unknown operator", func() error { return s.Svc.UnbindCard(ctx, s.Admin, 404) }, app.CodeNotFound},
		{"update unknown operator", func() error {
			return s.Svc.UpdateOperator(ctx, s.Admin, app.OperatorInput{ID: 404, OpNo: "OP404", Name: "x", Enabled: true})
		}, app.CodeNotFound},
		{"reset PIN of unknown operator", func() error { return s.Svc.ResetPIN(ctx, s.Admin, 404, "1234") }, app.CodeNotFound},
		{"enable unknown staff", func() error { return s.Svc.SetStaffEnabled(ctx, s.Admin, "nobody", true) }, app.CodeNotFound},
		{"login unknown staff", func() error { _, err := s.Svc.Login(ctx, "nobody", "whatever-pass"); return err }, app.CodeBadCredentials},
		{"desk, unknown card", func() error { _, err := s.Svc.AwaitingDesk(ctx, app.SystemActor, "U404"); return err }, app.CodeUnknownCard},
		{"repair unknown recharge", func() error {
			_, _, err := s.Svc.BeginRepair(ctx, s.Clerk, 404, app.CardSnapshot{})
			return err
		}, app.CodeNotFound},
		{"complete unknown repair", func() error {
			_, err := s.Svc.CompleteRepair(ctx, s.Clerk, 404, app.RepairWritten, app.CardSnapshot{})
			return err
		}, app.CodeNotFound},
		{"repair of unknown recharge", func() error { _, err := s.Svc.RepairOf(ctx, app.SystemActor, 404); return err }, app.CodeNotFound},
		{"stored answer of unknown key", func() error { _, err := s.Svc.StoredAnswerBytes(ctx, "P1", 404404); return err }, app.CodeNotFound},
	})
}

func TestBadInput_Amounts(t *testing.T) {
	s := busySite(t)
	sess := s.Authorize("P1", 0)
	var cases []badCase
	for _, c := range []struct {
		amount app.Fen
		want   app.Code
	}{
		{-100 * yuan, app.CodeAmountNotPos}, {-1, app.CodeAmountNotPos}, {0, app.CodeAmountNotPos},
		{1, app.CodeAmountNotYuan}, {50, app.CodeAmountNotYuan}, {99, app.CodeAmountNotYuan}, {101, app.CodeAmountNotYuan},
		{150, app.CodeAmountNotYuan}, {10*yuan + 5, app.CodeAmountNotYuan},
	} {
		cases = append(cases, badCase{name: "recharge", want: c.want,
			call: func() error { return rechargeErr(s, s.RechargeReq(sess, apptest.UserCard(3), 0, c.amount)) }})
	}
	opIn := func(max app.Fen) app.OperatorInput {
		return app.OperatorInput{ID: s.Ops[1].ID, OpNo: "OP02", Name: "充值员2", DailyMax: max, Enabled: true}
	}
	cases = append(cases,
		badCase{"daily maximum negative", func() error { return s.Svc.UpdateOperator(ctx, s.Admin, opIn(-100*yuan)) }, app.CodeBadInput},
		badCase{"daily maximum with jiao", func() error { return s.Svc.UpdateOperator(ctx, s.Admin, opIn(100*yuan+10)) }, app.CodeBadInput},
		badCase{"new operator with fen", func() error {
			_, err := s.Svc.CreateOperator(ctx, s.Admin, app.OperatorInput{OpNo: "OP08", Name: "x", PIN: "1234", DailyMax: 1, Enabled: true})
			return err
		}, app.CodeBadInput},
		badCase{"negative card balance", func() error { return rechargeErr(s, s.RechargeReq(sess, apptest.UserCard(3), -1, 10*yuan)) }, app.CodeBadInput},
		badCase{"negative serial", func() error {
			req := s.RechargeReq(sess, apptest.UserCard(3), 0, 10*yuan)
			req.Serial = -5
			return rechargeErr(s, req)
		}, app.CodeBadInput},
	)
	checkRefusals(t, s, cases)

	// A malformed reversal is not refused (the POS would retry it forever): it is
	// acknowledged as an exception, and moves no money.
	before := snap(t, s)
	for _, amount := range []app.Fen{150, 0, -100} {
		ack, err := s.Svc.Reverse(ctx, app.ReverseRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: 2, CardNo: apptest.UserCard(0), Amount: amount})
		must(t, err)
		if ack.Status != app.RevException || ack.Reason != app.CodeBadInput {
			t.Fatalf("reversal of %d fen: %+v", amount, ack)
		}
	}
	after := snap(t, s)
	if !reflect.DeepEqual(after.report, before.report) || after.ledger.BookedFen != before.ledger.BookedFen ||
		after.ledger.Reversals != before.ledger.Reversals+3 || after.ledger.ReversalsPending != before.ledger.ReversalsPending {
		t.Fatalf("malformed reversals:\n%+v\n%+v", before, after)
	}
}

func TestBadInput_Dates(t *testing.T) {
	s := busySite(t)
	var cases []badCase
	report := func(from, to string) func() error {
		return func() error { _, err := s.Svc.Report(ctx, app.SystemActor, from, to); return err }
	}
	for _, d := range []string{"2026-02-30", "2026-3-1", "2026-03-1", "yesterday", "", " 2026-03-02", "2026-03-02 ", "2026/03/02",
		"20260302", "2026-03-02T00:00:00", "2026-13-01", "2026-00-10", "2025-02-29", "０２６-03-02", "2026-03-02\x00"} {
		cases = append(cases,
			badCase{"from " + d, report(d, "2026-03-02"), app.CodeBadDate},
			badCase{"to " + d, report("2026-03-02", d), app.CodeBadDate},
			badCase{"is settled " + d, func() error { _, err := s.Svc.IsSettled(ctx, app.SystemActor, d); return err }, app.CodeBadDate},
		)
	}
	cases = append(cases,
		badCase{"from after to", report("2026-03-03", "2026-03-02"), app.CodeBadDate},
		badCase{"401 days", report("2025-02-25", "2026-04-01"), app.CodeBadDate},
		badCase{"ten years", report("2016-03-02", "2026-03-02"), app.CodeBadDate},
	)
	checkRefusals(t, s, cases)
	// The limits themselves are fine: one day, 400 days, a leap day.
	for _, r := range [][2]string{{"2026-03-02", "2026-03-02"}, {"2025-02-25", "2026-03-31"}, {"2024-02-29", "2024-02-29"}} {
		if _, err := s.Svc.Report(ctx, app.SystemActor, r[0], r[1]); err != nil {
			t.Fatalf("%v: %v", r, err)
		}
	}
}

func TestBadInput_EmptyStrings(t *testing.T) {
	s := busySite(t)
	sess := s.Authorize("P1", 0)
	checkRefusals(t, s, []badCase{
		{"authorize, no device", func() error {
			_, err := s.Svc.Authorize(ctx, app.AuthorizeRequest{Serial: 1, CardNo: apptest.AuthCard(0), PIN: apptest.PIN})
			return err
		}, app.CodeUnknownDevice},
		{"authorize, no card", func() error {
			_, err := s.Svc.Authorize(ctx, app.AuthorizeRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), PIN: apptest.PIN})
			return err
		}, app.CodeUnknownCard},
		{"recharge, no device", func() error {
			req := s.RechargeReq(sess, apptest.UserCard(0), 0, 10*yuan)
			req.DeviceID = ""
			return rechargeErr(s, req)
		}, app.CodeUnknownDevice},
		{"recharge, no card", func() error { return rechargeErr(s, s.RechargeReq(sess, "", 0, 10*yuan)) }, app.CodeUnknownCard},
		{"recharge, no session", func() error {
			return rechargeErr(s, app.RechargeRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), CardNo: apptest.UserCard(0), Amount: 10 * yuan})
		}, app.CodeStaleSession},
		{"summary, no device", func() error { _, err := s.Svc.Summary(ctx, app.SummaryRequest{}); return err }, app.CodeUnknownDevice},
		{"desk, no card", func() error { _, err := s.Svc.AwaitingDesk(ctx, app.SystemActor, ""); return err }, app.CodeUnknownCard},
		{"register device, no id", func() error {
			_, _, err := s.Svc.RegisterDevice(ctx, s.Admin, app.DeviceInput{Name: "x", Model: app.ModelRechargePOS})
			return err
		}, app.CodeBadInput},
		{"register device, blank name", func() error {
			_, _, err := s.Svc.RegisterDevice(ctx, s.Admin, app.DeviceInput{ID: "P5", Name: "  ", Model: app.ModelRechargePOS})
			return err
		}, app.CodeBadInput},
		{"register device, no model", func() error {
			_, _, err := s.Svc.RegisterDevice(ctx, s.Admin, app.DeviceInput{ID: "P5", Name: "x"})
			return err
		}, app.CodeBadInput},
		{"register device, id too long", func() error {
			_, _, err := s.Svc.RegisterDevice(ctx, s.Admin, app.DeviceInput{ID: strings.Repeat("P", 65), Name: "x", Model: app.ModelRechargePOS})
			return err
		}, app.CodeBadInput},
		{"update device, no name", func() error {
			return s.Svc.UpdateDevice(ctx, s.Admin, app.DeviceInput{ID: "P1", Model: app.ModelRechargePOS})
		}, app.CodeBadInput},
		{"issue card, no number", func() error {
			_, err := s.Svc.IssueCard(ctx, s.Admin, app.IssueCardInput{HolderNo: "S9", HolderName: "x"})
			return err
		}, app.CodeBadInput},
		{"issue card, no holder", func() error {
			_, err := s.Svc.IssueCard(ctx, s.Admin, app.IssueCardInput{HolderName: "x", CardNo: "U9"})
			return err
		}, app.CodeBadInput},
		{"card status empty", func() error { return s.Svc.SetCardStatus(ctx, s.Admin, apptest.UserCard(0), "") }, app.CodeBadInput},
		{"card status unknown", func() error { return s.Svc.SetCardStatus(ctx, s.Admin, apptest.UserCard(0), "stolen") }, app.CodeBadInput},
		{"create operator, no number", func() error {
			_, err := s.Svc.CreateOperator(ctx, s.Admin, app.OperatorInput{Name: "x", PIN: "1234"})
			return err
		}, app.CodeBadInput},
		{"create operator, no name", func() error {
			_, err := s.Svc.CreateOperator(ctx, s.Admin, app.OperatorInput{OpNo: "OP09", PIN: "1234"})
			return err
		}, app.CodeBadInput},
		{"create operator, no PIN", func() error {
			_, err := s.Svc.CreateOperator(ctx, s.Admin, app.OperatorInput{OpNo: "OP09", Name: "x"})
			return err
		}, app.CodeBadInput},
		{"create operator, PIN not digits", func() error {
			_, err := s.Svc.CreateOperator(ctx, s.Admin, app.OperatorInput{OpNo: "OP09", Name: "x", PIN: "12ab"})
			return err
		}, app.CodeBadInput},
		{"update operator, no number", func() error {
			return s.Svc.UpdateOperator(ctx, s.Admin, app.OperatorInput{ID: s.Ops[0].ID, Name: "x", Enabled: true})
		}, app.CodeBadInput},
		{"reset PIN empty", func() error { return s.Svc.ResetPIN(ctx, s.Admin, s.Ops[0].ID, "") }, app.CodeBadInput},
		{"bind empty card", func() error { return s.Svc.BindCard(ctx, s.Admin, s.Ops[0].ID, "") }, app.CodeUnknownCard},
		{"create staff, no name", func() error { return s.Svc.CreateStaff(ctx, s.Admin, "", "x", app.RoleClerk, "long-enough") }, app.CodeBadInput},
		{"create staff, no role", func() error { return s.Svc.CreateStaff(ctx, s.Admin, "c9", "x", "", "long-enough") }, app.CodeBadInput},
		{"create staff, short password", func() error { return s.Svc.CreateStaff(ctx, s.Admin, "c9", "x", app.RoleClerk, "short") }, app.CodeBadInput},
		{"login, empty", func() error { _, err := s.Svc.Login(ctx, "", ""); return err }, app.CodeBadCredentials},
		{"repair outcome empty", func() error {
			_, err := s.Svc.CompleteRepair(ctx, s.Clerk, 1, "", app.CardSnapshot{})
			return err
		}, app.CodeBadInput},
		{"stored answer, no device", func() error { _, err := s.Svc.StoredAnswerBytes(ctx, "", 1); return err }, app.CodeNotFound},
	})
}
