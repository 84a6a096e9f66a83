package app_test

import (
	"strconv"
	"strings"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
)

// Issue 9.3: every reason says what really happened. A second reversal of a recharge whose
// first reversal was recorded but not applied (still waiting, set aside because the card
// got the money, or a tombstone) reversed nothing: it is DUPLICATE_REVERSAL, and says as
// what the first is recorded. Only a recharge that was reversed makes ALREADY_REVERSED.
func TestASecondReversalSaysWhatTheFirstBecame(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	sess := s.Authorize("P1", 0)
	rev := func(orig int64, card string, amount app.Fen) (int64, app.ReverseResult) {
		t.Helper()
		sn := s.NextSerial("P1")
		ack, err := s.Svc.Reverse(ctx, app.ReverseRequest{DeviceID: "P1", Serial: sn, OrigSerial: orig, CardNo: card, Amount: amount})
		must(t, err)
		return sn, ack
	}
	second := func(name string, ack app.ReverseResult, want app.Code, first int64, status app.ReversalStatus) {
		t.Helper()
		if ack.Status != app.RevException || ack.Reason != want {
			t.Errorf("%s: %+v, want exception %s", name, ack, want)
		}
		if want == app.CodeDuplicateReversal && (!strings.Contains(ack.Detail, "serial "+strconv.FormatInt(first, 10)) ||
			!strings.Contains(ack.Detail, "as "+string(status))) {
			t.Errorf("%s: detail %q does not say the first reversal %d is %s", name, ack.Detail, first, status)
		}
	}

	// After a confirm: the first is a conflict (the card got the money), nothing reversed.
	reqA, _ := s.Recharge(sess, apptest.UserCard(0), 40*yuan)
	_, err := s.Svc.Confirm(ctx, app.ConfirmRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: reqA.Serial, CardNo: reqA.CardNo, Amount: reqA.Amount})
	must(t, err)
	firstA, ackA := rev(reqA.Serial, reqA.CardNo, reqA.Amount)
	if ackA.Status != app.RevConflict || ackA.Reason != app.CodeAlreadyWritten {
		t.Fatalf("first reversal after a confirm: %+v", ackA)
	}
	_, ack := rev(reqA.Serial, reqA.CardNo, reqA.Amount)
	second("after a confirm", ack, app.CodeDuplicateReversal, firstA, app.RevConflict)

	// While the first waits for its delay.
	reqB, _ := s.Recharge(sess, apptest.UserCard(1), 20*yuan)
	firstB, _ := rev(reqB.Serial, reqB.CardNo, reqB.Amount)
	_, ack = rev(reqB.Serial, reqB.CardNo, reqB.Amount)
	second("while the first waits", ack, app.CodeDuplicateReversal, firstB, app.RevPending)

	// The original never came: the first is a tombstone.
	firstC, _ := rev(4242, apptest.UserCard(2), 10*yuan)
	s.Clock.Advance(s.Cfg.ReversalDelay)
	_, err = s.Svc.ApplyDueReversals(ctx)
	must(t, err)
	_, ack = rev(4242, apptest.UserCard(2), 10*yuan)
	second("after a tombstone", ack, app.CodeDuplicateReversal, firstC, app.RevTombstone)

	// B's first reversal was applied now: the recharge is reversed, and that is the reason.
	_, ack = rev(reqB.Serial, reqB.CardNo, reqB.Amount)
	second("after the first was applied", ack, app.CodeAlreadyReversed, firstB, app.RevApplied)

	// The POS asks what became of its reversals: the reason is there too.
	out, err := s.Svc.ReversalOutcomes(ctx, app.ReversalOutcomesRequest{DeviceID: "P1", Serials: []int64{firstA + 1}})
	must(t, err)
	if it := out.Items[0]; it.Status != app.RevException || it.Reason != app.CodeDuplicateReversal || !it.Final {
		t.Errorf("outcome of the duplicate: %+v", it)
	}
	if m := app.E(app.CodeDuplicateReversal, ""); m.ZH == "未知错误" || !strings.Contains(m.EN, "already recorded") {
		t.Errorf("DUPLICATE_REVERSAL says %q / %q", m.ZH, m.EN)
	}
}

// A cancel of a recharge the desk settled (found on the card, or repaired) says so, not
// "already confirmed as written": no POS confirmed it.
func TestCancelOfARechargeSettledAtTheDeskSaysSo(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	sess := s.Authorize("P1", 0)
	req, res := s.Recharge(sess, apptest.UserCard(0), 20*yuan)
	s.Clock.Advance(s.Cfg.WriteUnknownAfter)
	s.Recharge(sess, apptest.UserCard(1), 10*yuan) // a later message of the POS releases it to the desk
	rp, _, err := s.Svc.BeginRepair(ctx, s.Clerk, res.RechargeID, app.CardSnapshot{Balance: 20 * yuan, Counter: 1})
	must(t, err)
	_, err = s.Svc.CompleteRepair(ctx, s.Clerk, rp.ID, app.RepairFoundOnCard, app.CardSnapshot{Balance: 20 * yuan, Counter: 1})
	must(t, err)
	c, err := s.Svc.Cancel(ctx, app.CancelRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: req.Serial, CardNo: req.CardNo, Amount: req.Amount})
	must(t, err)
	if c.Status != app.CancelConflict || c.Reason != app.CodeAlreadyRepaired {
		t.Fatalf("cancel of a recharge found on the card at the desk: %+v", c)
	}
}
