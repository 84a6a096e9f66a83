package app_test

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
)

// The attacks of issue 9.1, replayed: a card balance near the top of int64 wrapped the
// ceiling check (balance + amount went negative) and booked a balance_after of
// −9223372036854775709; an amount near the top did the same and booked 9.2e18 fen, after
// which every sum of the day (report, summary, daily maximum, settlement) failed for good;
// a counter of 2^32 was booked though the card's counter is 4 bytes. Each is refused, names
// the field in both languages, and leaves the ledger as it was.
func TestBounds_RechargeNumbersAreBoundedByWhatTheyStandFor(t *testing.T) {
	s := busySite(t)
	sess := s.Authorize("P1", 0)
	card := apptest.UserCard(3)
	req := func(balance app.Fen, counter int64, amount app.Fen) func() error {
		return func() error {
			r := s.RechargeReq(sess, card, balance, amount)
			r.CardCounter = counter
			return rechargeErr(s, r)
		}
	}
	cases := []struct {
		name             string
		call             func() error
		want             app.Code
		fieldZH, fieldEN string
	}{
		{"balance at the top of int64, 1 yuan", req(math.MaxInt64, 1, app.Yuan), app.CodeBadInput, "卡余额", "card balance"},
		{"balance one fen above the purse", req(app.MaxPurse+1, 1, 10*yuan), app.CodeBadInput, "卡余额", "card balance"},
		{"balance negative", req(-1, 1, 10*yuan), app.CodeBadInput, "卡余额", "card balance"},
		{"amount at the top of int64", req(100, 1, math.MaxInt64/100*100), app.CodeOverCeiling, "", ""},
		{"balance in the purse but over the ceiling", req(app.MaxPurse, 1, yuan), app.CodeOverCeiling, "", ""},
		{"counter 2^32", req(0, 1<<32, 10*yuan), app.CodeBadInput, "卡交易计数", "card transaction counter"},
		{"counter at its top: no room for one more write", req(0, app.MaxCounter, 10*yuan), app.CodeBadInput, "卡交易计数", "card transaction counter"},
		{"counter negative", req(0, -1, 10*yuan), app.CodeBadInput, "卡交易计数", "card transaction counter"},
		{"counter at the top of int64", req(0, math.MaxInt64, 10*yuan), app.CodeBadInput, "卡交易计数", "card transaction counter"},
	}
	for _, c := range cases {
		before := snap(t, s)
		e := wantCode(t, c.call(), c.want)
		if !strings.Contains(e.ZH, c.fieldZH) || !strings.Contains(e.EN, c.fieldEN) {
			t.Errorf("%s: the refusal does not name %s / %s: %q / %q", c.name, c.fieldZH, c.fieldEN, e.ZH, e.EN)
		}
		if after := snap(t, s); !reflect.DeepEqual(after, before) {
			t.Fatalf("%s changed the ledger", c.name)
		}
	}
	// The edges themselves are taken: the last counter a write can raise, a balance that
	// reaches the ceiling exactly.
	r := s.RechargeReq(sess, card, s.Cfg.BalanceCeiling-10*yuan, 10*yuan)
	r.CardCounter = app.MaxCounter - 1
	res, err := s.Svc.Recharge(ctx, r)
	must(t, err)
	if res.BalanceAfter != s.Cfg.BalanceCeiling || res.CounterAfter != app.MaxCounter {
		t.Fatalf("edge recharge %+v", res)
	}
	// And the day still adds up: report, summary and settlement work.
	if _, err := s.Svc.Summary(ctx, app.SummaryRequest{DeviceID: "P1"}); err != nil {
		t.Fatalf("summary after the attacks: %v", err)
	}
	rep := reportOf(t, s, s.Svc.Today(), s.Svc.Today())
	if l := s.Ledger(); rep.Total.Recharges.Amount != l.BookedFen+l.ReversedFen {
		t.Fatalf("report %+v against the raw rows %+v", rep.Total, l)
	}
}

// The daily maximum check compares as amount ≤ maximum − booked, and the maximum an admin
// may set is bounded (it stands for a desk's cash of one day).
func TestBounds_DailyMaximumIsBoundedAndItsCheckCannotWrap(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	opIn := func(max app.Fen) app.OperatorInput {
		o := s.OperatorOf(1)
		return app.OperatorInput{ID: o.ID, OpNo: o.OpNo, Name: o.Name, DailyMax: max, Enabled: true}
	}
	for _, max := range []app.Fen{math.MaxInt64 / 100 * 100, app.MaxDailyMax + yuan, -yuan} {
		before := snap(t, s)
		e := wantCode(t, s.Svc.UpdateOperator(ctx, s.Admin, opIn(max)), app.CodeBadInput)
		if !strings.Contains(e.ZH, "每日最大充值金额") || !strings.Contains(e.EN, "daily maximum") {
			t.Errorf("daily maximum %d: the refusal does not name the field: %q / %q", max, e.ZH, e.EN)
		}
		if after := snap(t, s); !reflect.DeepEqual(after, before) {
			t.Fatalf("daily maximum %d changed the ledger", max)
		}
	}
	must(t, s.Svc.UpdateOperator(ctx, s.Admin, opIn(app.MaxDailyMax)))
	s.EditOperator(1, func(in *app.OperatorInput) { in.DailyMax = 60 * yuan })
	sess := s.Authorize("P2", 1)
	s.Recharge(sess, apptest.UserCard(2), 50*yuan)
	wantCode(t, rechargeErr(s, s.RechargeReq(sess, apptest.UserCard(2), 0, 20*yuan)), app.CodeOverDailyMax)
	s.Recharge(sess, apptest.UserCard(2), 10*yuan) // exactly the maximum
}

// Confirm, cancel and reversal name a recharge's amount: whole yuan, at most the purse.
// An out-of-range one never matches a recharge: the confirm is refused naming the amount;
// the cancel and the reversal are still acknowledged (the POS's queue must move on) and
// set aside as BAD_INPUT, naming no recharge and moving no money.
func TestBounds_RecordAmountsAreBounded(t *testing.T) {
	s := busySite(t)
	sess := s.Authorize("P1", 0)
	req, _ := s.Recharge(sess, apptest.UserCard(3), 10*yuan)
	for _, amount := range []app.Fen{math.MaxInt64 / 100 * 100, app.MaxPurse + 1, app.MaxPurse/100*100 + 100} {
		before := snap(t, s)
		_, err := s.Svc.Confirm(ctx, app.ConfirmRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: req.Serial,
			CardNo: req.CardNo, Amount: amount})
		if e := wantCode(t, err, app.CodeBadInput); !strings.Contains(e.ZH, "金额") || !strings.Contains(e.EN, "amount") {
			t.Errorf("confirm of %d fen: the refusal does not name the amount: %q / %q", amount, e.ZH, e.EN)
		}
		// Naming an original that does not exist, so that nothing but the bound can set
		// them aside at once.
		c, err := s.Svc.Cancel(ctx, app.CancelRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: 777777,
			CardNo: req.CardNo, Amount: amount})
		must(t, err)
		if c.Status != app.CancelConflict || c.Reason != app.CodeBadInput || s.CancelOf(c.CancelID).RechargeID != 0 {
			t.Errorf("cancel of %d fen: %+v", amount, c)
		}
		rv, err := s.Svc.Reverse(ctx, app.ReverseRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: 777778,
			CardNo: req.CardNo, Amount: amount})
		must(t, err)
		if rv.Status != app.RevException || rv.Reason != app.CodeBadInput {
			t.Errorf("reversal of %d fen: %+v", amount, rv)
		}
		after := snap(t, s)
		if !reflect.DeepEqual(after.report, before.report) || after.ledger.BookedFen != before.ledger.BookedFen ||
			after.ledger.ReversalsPending != before.ledger.ReversalsPending {
			t.Fatalf("records of %d fen moved money:\n%+v\n%+v", amount, before, after)
		}
	}
	// A recharge booked never needs a record above the purse: the bound loses nothing.
	if _, err := s.Svc.Confirm(ctx, app.ConfirmRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: req.Serial,
		CardNo: req.CardNo, Amount: req.Amount}); err != nil {
		t.Fatal(err)
	}
}

// The desk's snapshot of the card is bounded like the POS's.
func TestBounds_DeskCardSnapshotIsBounded(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	req, res := s.Recharge(s.Authorize("P1", 0), apptest.UserCard(0), 10*yuan)
	_, err := s.Svc.Cancel(ctx, app.CancelRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: req.Serial,
		CardNo: req.CardNo, Amount: req.Amount})
	must(t, err)
	for _, c := range []app.CardSnapshot{{Balance: math.MaxInt64, Counter: 1}, {Balance: 1, Counter: 1 << 32}, {Balance: -1}} {
		_, _, err := s.Svc.BeginRepair(ctx, s.Clerk, res.RechargeID, c)
		wantCode(t, err, app.CodeBadInput)
	}
	if l := s.Ledger(); l.Repairs != 0 {
		t.Fatalf("a refused snapshot began a repair: %+v", l)
	}
	rp, _, err := s.Svc.BeginRepair(ctx, s.Clerk, res.RechargeID, app.CardSnapshot{Balance: 0, Counter: 1})
	must(t, err)
	_, err = s.Svc.CompleteRepair(ctx, s.Clerk, rp.ID, app.RepairWritten, app.CardSnapshot{Balance: app.MaxPurse + 1, Counter: 2})
	wantCode(t, err, app.CodeBadInput)
	if l := s.Ledger(); l.RepairsDone != 0 {
		t.Fatalf("a refused snapshot finished a repair: %+v", l)
	}
}
