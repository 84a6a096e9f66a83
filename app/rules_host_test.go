package app_test

import (
	"strings"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
)

// Rule 8: a recharge POS is registered with model 0201-增值机; other attributes as any terminal.
func TestRule08_RechargePOSIsModel0201(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	d, secret, err := s.Svc.RegisterDevice(ctx, s.Admin, app.DeviceInput{ID: "P3", Name: "二食堂", Model: "0101", Location: "二食堂"})
	must(t, err)
	if !d.Enabled || len(secret) != 32 {
		t.Fatalf("registered %+v: want enabled with a 32-byte secret", d)
	}
	auth := func() error {
		_, err := s.Svc.Authorize(ctx, app.AuthorizeRequest{DeviceID: "P3", Serial: s.NextSerial("P3"), CardNo: apptest.AuthCard(0), PIN: apptest.PIN})
		return err
	}
	wantCode(t, auth(), app.CodeNotRechargePOS)
	// An operator cannot be designated to a terminal that is not a recharge POS either.
	err = s.Svc.UpdateOperator(ctx, s.Admin, app.OperatorInput{ID: s.Ops[0].ID, OpNo: "OP01", Name: "充值员1", DesignatedDevice: "P3", Enabled: true})
	wantCode(t, err, app.CodeNotRechargePOS)

	must(t, s.Svc.UpdateDevice(ctx, s.Admin, app.DeviceInput{ID: "P3", Name: "二食堂充值机", Model: app.ModelRechargePOS, Location: "二食堂"}))
	must(t, auth())
	devs, err := s.Svc.Devices(ctx, app.SystemActor)
	must(t, err)
	var got []string
	for _, d := range devs {
		got = append(got, d.ID+":"+d.Model)
	}
	if strings.Join(got, ",") != "C1:0101,P1:0201,P2:0201,P3:0201" {
		t.Fatalf("devices %v", got)
	}
	// Registering the same id twice is refused and changes nothing.
	before := s.Ledger()
	_, _, err = s.Svc.RegisterDevice(ctx, s.Admin, app.DeviceInput{ID: "P3", Name: "x", Model: app.ModelRechargePOS})
	wantCode(t, err, app.CodeAlreadyExists)
	if after := s.Ledger(); after != before {
		t.Fatalf("ledger changed:\n%+v\n%+v", before, after)
	}
}

// Rule 9 (beyond): the daily maximum and the designated device are enforced; the merchant
// flag is kept as data.
func TestRule09_OperatorAttributes(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	s.EditOperator(0, func(in *app.OperatorInput) { in.DailyMax, in.Merchant = 100*yuan, true })
	if o := s.OperatorOf(0); o.DailyMax != 100*yuan || !o.Merchant {
		t.Fatalf("stored %+v", o)
	}
	if o := s.OperatorOf(1); o.Merchant {
		t.Fatal("operator 1's merchant flag changed")
	}

	// Daily maximum: on the operator across devices, per settlement day.
	p1, p2 := s.Authorize("P1", 0), s.Authorize("P2", 0)
	s.Recharge(p1, apptest.UserCard(0), 60*yuan)
	req := s.RechargeReq(p2, apptest.UserCard(1), 0, 50*yuan)
	e := wantCode(t, rechargeErr(s, req), app.CodeOverDailyMax)
	if !strings.Contains(e.Detail, "6000 + 5000 > 10000") {
		t.Fatalf("detail %q", e.Detail)
	}
	s.Recharge(p2, apptest.UserCard(1), 40*yuan) // exactly the maximum
	wantCode(t, rechargeErr(s, s.RechargeReq(p1, apptest.UserCard(2), 0, 1*yuan)), app.CodeOverDailyMax)
	// Another operator is not bound by it.
	s.Recharge(s.Authorize("P1", 1), apptest.UserCard(2), 500*yuan)
	// The next settlement day starts again.
	s.Clock.Set(time.Date(2026, 3, 3, 0, 0, 1, 0, apptest.Start.Location()))
	p1 = s.Authorize("P1", 0)
	s.Recharge(p1, apptest.UserCard(0), 100*yuan)
	rep := reportOf(t, s, "2026-03-02", "2026-03-03")
	if r, _ := rowOf(rep, "2026-03-02", "OP01"); r.Recharges.Amount != 100*yuan {
		t.Fatalf("OP01 on 03-02: %+v", r)
	}
	if r, _ := rowOf(rep, "2026-03-03", "OP01"); r.Recharges.Amount != 100*yuan {
		t.Fatalf("OP01 on 03-03: %+v", r)
	}

	// Designated device: refused at authorization elsewhere, and a session opened before
	// the designation cannot keep recharging on the wrong POS.
	p2 = s.Authorize("P2", 1)
	s.EditOperator(1, func(in *app.OperatorInput) { in.DesignatedDevice = "P1" })
	wantCode(t, rechargeErr(s, s.RechargeReq(p2, apptest.UserCard(0), 0, 10*yuan)), app.CodeNotDesignatedDev)
	_, err := s.Svc.Authorize(ctx, app.AuthorizeRequest{DeviceID: "P2", Serial: s.NextSerial("P2"), CardNo: apptest.AuthCard(1), PIN: apptest.PIN})
	wantCode(t, err, app.CodeNotDesignatedDev)
	s.Recharge(s.Authorize("P1", 1), apptest.UserCard(0), 10*yuan)

	// Attributes are checked: the maximum is whole yuan ≥ 0, the device must exist.
	for _, c := range []struct {
		edit func(*app.OperatorInput)
		want app.Code
	}{
		{func(in *app.OperatorInput) { in.DailyMax = -100 }, app.CodeBadInput},
		{func(in *app.OperatorInput) { in.DailyMax = 150 }, app.CodeBadInput},
		{func(in *app.OperatorInput) { in.DesignatedDevice = "P9" }, app.CodeUnknownDevice},
	} {
		o := s.OperatorOf(0)
		in := app.OperatorInput{ID: o.ID, OpNo: o.OpNo, Name: o.Name, DailyMax: o.DailyMax, Enabled: true}
		c.edit(&in)
		wantCode(t, s.Svc.UpdateOperator(ctx, s.Admin, in), c.want)
	}
}

// Rule 10: one authorization card per operator and one operator per card, in the app and
// in the schema; any issued user card may be bound; an abnormal card cannot authorise.
func TestRule10_OneCardPerOperatorOneOperatorPerCard(t *testing.T) {
	s := apptest.New(t, apptest.Options{Operators: 2, Cards: 3})
	op3, err := s.Svc.CreateOperator(ctx, s.Admin, app.OperatorInput{OpNo: "OP03", Name: "充值员3", PIN: "4321", Enabled: true})
	must(t, err)
	before := s.Ledger()
	wantCode(t, s.Svc.BindCard(ctx, s.Admin, s.Ops[0].ID, apptest.UserCard(0)), app.CodeOperatorHasCard)
	wantCode(t, s.Svc.BindCard(ctx, s.Admin, op3.ID, apptest.AuthCard(0)), app.CodeCardBoundElsewhere)
	if after := s.Ledger(); after != before {
		t.Fatalf("refused bindings changed the ledger:\n%+v\n%+v", before, after)
	}
	// A lost user card cannot be bound; a normal one can, and it then authorises.
	must(t, s.Svc.SetCardStatus(ctx, s.Admin, apptest.UserCard(1), app.CardLost))
	wantCode(t, s.Svc.BindCard(ctx, s.Admin, op3.ID, apptest.UserCard(1)), app.CodeCardLost)
	must(t, s.Svc.BindCard(ctx, s.Admin, op3.ID, apptest.UserCard(0)))
	res, err := s.Svc.Authorize(ctx, app.AuthorizeRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), CardNo: apptest.UserCard(0), PIN: "4321"})
	must(t, err)
	if res.OperatorNo != "OP03" {
		t.Fatalf("user card authorised %s", res.OperatorNo)
	}
	// Unbinding frees both sides; the card can then serve another operator.
	must(t, s.Svc.UnbindCard(ctx, s.Admin, s.Ops[0].ID))
	_, err = s.Svc.Authorize(ctx, app.AuthorizeRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), CardNo: apptest.AuthCard(0), PIN: apptest.PIN})
	wantCode(t, err, app.CodeCardNotBound)
	wantCode(t, s.Svc.UnbindCard(ctx, s.Admin, s.Ops[0].ID), app.CodeNotFound)
	must(t, s.Svc.BindCard(ctx, s.Admin, s.Ops[0].ID, apptest.UserCard(2)))

	// The schema refuses what the app refuses, whoever writes: bindings now are
	// OP01–U000003, OP02–A0002, OP03–U000001, and OP04 has none.
	op4, err := s.Svc.CreateOperator(ctx, s.Admin, app.OperatorInput{OpNo: "OP04", Name: "充值员4", PIN: "4321", Enabled: true})
	must(t, err)
	for _, c := range []struct {
		name     string
		operator int64
		card     string
	}{
		{"a second card for an operator", s.Ops[1].ID, apptest.AuthCard(0)},
		{"a card of another operator", op4.ID, apptest.AuthCard(1)},
	} {
		_, err := s.RawDB().Exec(`INSERT INTO auth_cards(operator_id, card_no, bound_at, bound_by) VALUES (?, ?, 0, 'sql')`, c.operator, c.card)
		if !apptest.IsUniqueViolation(err) {
			t.Fatalf("%s: insert bypassing the app gave %v, want a UNIQUE constraint failure", c.name, err)
		}
	}
	if n := s.Count(`SELECT COUNT(*) FROM auth_cards`); n != 3 {
		t.Fatalf("%d bindings", n)
	}
}

// Rule 11: amounts are whole yuan; balance + amount above the ceiling is refused.
func TestRule11_WholeYuanAndCeiling(t *testing.T) {
	s := apptest.New(t, apptest.Options{Config: func(c *app.Config) { c.BalanceCeiling = 500 * yuan }})
	sess := s.Authorize("P1", 0)
	for _, c := range []struct {
		amount app.Fen
		want   app.Code
	}{
		{0, app.CodeAmountNotPos}, {-100, app.CodeAmountNotPos}, {-1, app.CodeAmountNotPos},
		{1, app.CodeAmountNotYuan}, {10, app.CodeAmountNotYuan}, {150, app.CodeAmountNotYuan}, {10001, app.CodeAmountNotYuan},
	} {
		wantCode(t, rechargeErr(s, s.RechargeReq(sess, apptest.UserCard(0), 0, c.amount)), c.want)
	}
	wantCode(t, rechargeErr(s, s.RechargeReq(sess, apptest.UserCard(0), 450*yuan+1, 50*yuan)), app.CodeOverCeiling)
	req := s.RechargeReq(sess, apptest.UserCard(0), 450*yuan, 50*yuan) // exactly the ceiling
	res, err := s.Svc.Recharge(ctx, req)
	must(t, err)
	if res.BalanceAfter != 500*yuan {
		t.Fatalf("balance after %d", res.BalanceAfter)
	}
	wantCode(t, rechargeErr(s, s.RechargeReq(sess, apptest.UserCard(0), 500*yuan, 1*yuan)), app.CodeOverCeiling)
	// A balance the POS could not have read is refused, not trusted.
	wantCode(t, rechargeErr(s, s.RechargeReq(sess, apptest.UserCard(0), -10*yuan, 10*yuan)), app.CodeBadInput)
	if l := s.Ledger(); l.Recharges != 1 || l.BookedFen != 50*yuan {
		t.Fatalf("ledger %+v", l)
	}
	// The schema refuses an amount with jiao or fen too.
	_, err = s.RawDB().Exec(`INSERT INTO recharges(device_id, serial, authorization_id, operator_id, card_no, amount, balance_before,
		counter_before, booked_at, settle_day, booking, card_write)
		SELECT device_id, 99999, authorization_id, operator_id, card_no, 150, 0, 0, booked_at, settle_day, 'booked', 'pending' FROM recharges`)
	if !apptest.IsCheckViolation(err) {
		t.Fatalf("fractional insert bypassing the app: %v", err)
	}
}

// Rule 12: reversals are applied after a delay, work before their original, and an
// original after its reversal is never booked.
func TestRule12_DelayedReversal(t *testing.T) {
	rev := func(s *apptest.Site, req app.RechargeRequest) app.ReverseRequest {
		return app.ReverseRequest{DeviceID: req.DeviceID, Serial: s.NextSerial(req.DeviceID), OrigSerial: req.Serial, CardNo: req.CardNo, Amount: req.Amount}
	}
	apply := func(t *testing.T, s *apptest.Site, want int) {
		t.Helper()
		n, err := s.Svc.ApplyDueReversals(ctx)
		must(t, err)
		if n != want {
			t.Fatalf("applied %d reversals, want %d", n, want)
		}
	}

	t.Run("recorded at once, applied only after the delay", func(t *testing.T) {
		s := apptest.New(t, apptest.Options{Config: func(c *app.Config) { c.ReversalDelay = 2 * time.Minute }})
		sess := s.Authorize("P1", 0)
		req, res := s.Recharge(sess, apptest.UserCard(0), 40*yuan)
		ack, err := s.Svc.Reverse(ctx, rev(s, req))
		must(t, err)
		if ack.Status != app.RevPending || !ack.ApplyAfter.Equal(apptest.Start.Add(2*time.Minute)) {
			t.Fatalf("ack %+v", ack)
		}
		if rv := s.ReversalOf(ack.ReversalID); rv.Status != app.RevPending || !rv.ReceivedAt.Equal(apptest.Start) {
			t.Fatalf("stored %+v", rv)
		}
		s.Clock.Advance(2*time.Minute - time.Millisecond)
		apply(t, s, 0)
		if r := s.RechargeOf(res.RechargeID); r.Booking != app.Booked {
			t.Fatalf("applied before the delay: %+v", r)
		}
		if tot := reportOf(t, s, today, today).Total; tot.Reversals.Count != 0 || tot.Cash() != 40*yuan {
			t.Fatalf("a pending reversal counts in the report: %+v", tot)
		}
		s.Clock.Advance(time.Millisecond)
		apply(t, s, 1)
		r := s.RechargeOf(res.RechargeID)
		if r.Booking != app.Reversed || r.ReversalID != ack.ReversalID {
			t.Fatalf("after the delay: %+v", r)
		}
		rv := s.ReversalOf(ack.ReversalID)
		if rv.Status != app.RevApplied || rv.RechargeID != res.RechargeID || !rv.ProcessedAt.Equal(s.Clock.Now()) {
			t.Fatalf("reversal %+v", rv)
		}
		apply(t, s, 0) // nothing left, nothing twice
		if tot := reportOf(t, s, today, today).Total; tot.Reversals != (app.Totals{Count: 1, Amount: 40 * yuan}) || tot.Cash() != 0 {
			t.Fatalf("report %+v", tot)
		}
		// The POS confirms late: the money is gone, the confirm is refused.
		_, err = s.Svc.Confirm(ctx, app.ConfirmRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: req.Serial, CardNo: req.CardNo, Amount: req.Amount})
		wantCode(t, err, app.CodeAlreadyReversed)
	})

	t.Run("replayed reversal is one reversal", func(t *testing.T) {
		s := apptest.New(t, apptest.Options{})
		req, _ := s.Recharge(s.Authorize("P1", 0), apptest.UserCard(0), 40*yuan)
		rr := rev(s, req)
		a1, err := s.Svc.Reverse(ctx, rr)
		must(t, err)
		s.Clock.Advance(s.Cfg.ReversalDelay)
		apply(t, s, 1)
		a2, err := s.Svc.Reverse(ctx, rr)
		must(t, err)
		if a2.ReversalID != a1.ReversalID || a2.Status != app.RevPending || !a2.ApplyAfter.Equal(a1.ApplyAfter) {
			t.Fatalf("replay %+v, first %+v", a2, a1)
		}
		s.Clock.Advance(s.Cfg.ReversalDelay)
		apply(t, s, 0)
		if l := s.Ledger(); l.Reversals != 1 || l.Reversed != 1 || l.ReversedFen != 40*yuan {
			t.Fatalf("ledger %+v", l)
		}
	})

	t.Run("reversal before its original: tombstone, original never booked", func(t *testing.T) {
		s := apptest.New(t, apptest.Options{})
		sess := s.Authorize("P1", 0)
		req := s.RechargeReq(sess, apptest.UserCard(0), 0, 40*yuan) // sent, lost on the way in
		early, err := s.Svc.Reverse(ctx, rev(s, req))
		must(t, err)
		if early.Status != app.RevPending {
			t.Fatalf("ack %+v", early)
		}
		// The original shows up while the reversal waits: refused already.
		wantCode(t, rechargeErr(s, req), app.CodePreviouslyRev)
		s.Clock.Advance(s.Cfg.ReversalDelay)
		apply(t, s, 1)
		if rv := s.ReversalOf(early.ReversalID); rv.Status != app.RevTombstone || rv.Reason != app.CodeOriginalNotFound {
			t.Fatalf("reversal %+v, want a tombstone", rv)
		}
		// And after the tombstone, however often and after a restart.
		s.Reopen()
		for i := 0; i < 2; i++ {
			wantCode(t, rechargeErr(s, req), app.CodePreviouslyRev)
		}
		// An original whose reversal is only a tombstone by now, arriving for the first time.
		req2 := s.RechargeReq(sess, apptest.UserCard(1), 0, 20*yuan)
		_, err = s.Svc.Reverse(ctx, rev(s, req2))
		must(t, err)
		s.Clock.Advance(s.Cfg.ReversalDelay)
		apply(t, s, 1)
		wantCode(t, rechargeErr(s, req2), app.CodePreviouslyRev)
		if l := s.Ledger(); l.Recharges != 0 {
			t.Fatalf("an original after its reversal was booked: %+v", l)
		}
		if tot := reportOf(t, s, today, today).Total; tot.Recharges.Count != 0 || tot.Cash() != 0 {
			t.Fatalf("report %+v", tot)
		}
	})

	t.Run("reversal of a confirmed recharge is a conflict kept for review", func(t *testing.T) {
		s := apptest.New(t, apptest.Options{})
		sess := s.Authorize("P1", 0)
		req, res := s.Recharge(sess, apptest.UserCard(0), 40*yuan)
		_, err := s.Svc.Confirm(ctx, app.ConfirmRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: req.Serial, CardNo: req.CardNo, Amount: req.Amount})
		must(t, err)
		ack, err := s.Svc.Reverse(ctx, rev(s, req))
		must(t, err)
		if ack.Status != app.RevConflict || ack.Reason != app.CodeAlreadyWritten {
			t.Fatalf("ack %+v", ack)
		}
		// Confirmed while its reversal waited: the worker keeps it as a conflict too.
		req2, res2 := s.Recharge(sess, apptest.UserCard(1), 20*yuan)
		ack2, err := s.Svc.Reverse(ctx, rev(s, req2))
		must(t, err)
		_, err = s.Svc.Confirm(ctx, app.ConfirmRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: req2.Serial, CardNo: req2.CardNo, Amount: req2.Amount})
		must(t, err)
		s.Clock.Advance(s.Cfg.ReversalDelay)
		apply(t, s, 1)
		if rv := s.ReversalOf(ack2.ReversalID); rv.Status != app.RevConflict || rv.Reason != app.CodeAlreadyWritten || rv.RechargeID != res2.RechargeID {
			t.Fatalf("reversal %+v", rv)
		}
		for _, id := range []int64{res.RechargeID, res2.RechargeID} {
			if r := s.RechargeOf(id); r.Booking != app.Booked || r.CardWrite != app.WriteWritten {
				t.Fatalf("recharge %+v", r)
			}
		}
		if n := s.Count(`SELECT COUNT(*) FROM reversals WHERE status = 'conflict'`); n != 2 {
			t.Fatalf("%d conflicts kept", n)
		}
	})

	t.Run("reversal naming another device's recharge is an exception", func(t *testing.T) {
		s := apptest.New(t, apptest.Options{})
		req, res := s.Recharge(s.Authorize("P1", 0), apptest.UserCard(0), 40*yuan)
		ack, err := s.Svc.Reverse(ctx, app.ReverseRequest{DeviceID: "P2", Serial: s.NextSerial("P2"), OrigDeviceID: "P1", OrigSerial: req.Serial,
			CardNo: req.CardNo, Amount: req.Amount})
		must(t, err)
		if ack.Status != app.RevException || ack.Reason != app.CodeForeignDevice {
			t.Fatalf("ack %+v", ack)
		}
		s.Clock.Advance(s.Cfg.ReversalDelay)
		apply(t, s, 0)
		if r := s.RechargeOf(res.RechargeID); r.Booking != app.Booked {
			t.Fatalf("a foreign reversal un-booked %+v", r)
		}
		// A mismatched reversal from the right device is set aside as well.
		bad := rev(s, req)
		bad.Amount = 30 * yuan
		ack, err = s.Svc.Reverse(ctx, bad)
		must(t, err)
		if ack.Status != app.RevException || ack.Reason != app.CodeRecordMismatch {
			t.Fatalf("mismatch ack %+v", ack)
		}
	})

	t.Run("at most one reversal per recharge", func(t *testing.T) {
		s := apptest.New(t, apptest.Options{})
		req, res := s.Recharge(s.Authorize("P1", 0), apptest.UserCard(0), 40*yuan)
		first, err := s.Svc.Reverse(ctx, rev(s, req))
		must(t, err)
		second, err := s.Svc.Reverse(ctx, rev(s, req)) // another serial naming the same original
		must(t, err)
		// The first waits for its delay: nothing is reversed yet (issue 9.3), a duplicate.
		if second.Status != app.RevException || second.Reason != app.CodeDuplicateReversal {
			t.Fatalf("second %+v", second)
		}
		s.Clock.Advance(s.Cfg.ReversalDelay)
		apply(t, s, 1)
		third, err := s.Svc.Reverse(ctx, rev(s, req))
		must(t, err)
		if third.Status != app.RevException || third.Reason != app.CodeAlreadyReversed {
			t.Fatalf("third %+v", third)
		}
		if r := s.RechargeOf(res.RechargeID); r.ReversalID != first.ReversalID {
			t.Fatalf("recharge points at reversal %d, want %d", r.ReversalID, first.ReversalID)
		}
		if l := s.Ledger(); l.Reversed != 1 || l.ReversedFen != 40*yuan {
			t.Fatalf("ledger %+v", l)
		}
		// The schema holds it too: a second applied reversal of the recharge is refused (by
		// the guard that a reversal is applied only to the recharge it un-booked, before the
		// unique index of applied reversals is asked).
		_, err = s.RawDB().Exec(`UPDATE reversals SET status = 'applied', recharge_id = ? WHERE id = ?`, res.RechargeID, second.ReversalID)
		if err == nil || !strings.Contains(err.Error(), "applied only to the recharge it un-booked") {
			t.Fatalf("second applied reversal through SQL: %v", err)
		}
	})

	t.Run("the worker resumes from stored rows after a restart", func(t *testing.T) {
		s := apptest.New(t, apptest.Options{})
		sess := s.Authorize("P1", 0)
		var ids []int64
		for i := 0; i < 3; i++ {
			req, res := s.Recharge(sess, apptest.UserCard(i), app.Fen(10*(i+1))*yuan)
			_, err := s.Svc.Reverse(ctx, rev(s, req))
			must(t, err)
			ids = append(ids, res.RechargeID)
			s.Clock.Advance(10 * time.Second)
		}
		s.Reopen() // a fresh Service: nothing in memory
		s.Clock.Set(apptest.Start.Add(s.Cfg.ReversalDelay + 10*time.Second))
		apply(t, s, 2) // the third is not due yet
		if r := s.RechargeOf(ids[2]); r.Booking != app.Booked {
			t.Fatalf("applied early %+v", r)
		}
		s.Reopen()
		s.Clock.Advance(10 * time.Second)
		apply(t, s, 1)
		for _, id := range ids {
			if r := s.RechargeOf(id); r.Booking != app.Reversed {
				t.Fatalf("recharge %d is %s", id, r.Booking)
			}
		}
		// Applied in (apply_after, arrival) order.
		var order []int64
		rows, err := s.RawDB().Query(`SELECT recharge_id FROM reversals ORDER BY processed_at, id`)
		must(t, err)
		for rows.Next() {
			var id int64
			must(t, rows.Scan(&id))
			order = append(order, id)
		}
		must(t, rows.Close())
		if len(order) != 3 || order[0] != ids[0] || order[1] != ids[1] || order[2] != ids[2] {
			t.Fatalf("processing order %v, want %v", order, ids)
		}
	})
}

// Rule 13: a cancel record is only recorded; it does not reverse or cancel the recharge.
func TestRule13_CancelIsOnlyRecorded(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	s.EditOperator(0, func(in *app.OperatorInput) { in.DailyMax = 100 * yuan })
	sess := s.Authorize("P1", 0)
	req, res := s.Recharge(sess, apptest.UserCard(0), 100*yuan)
	before := s.Ledger()
	c, err := s.Svc.Cancel(ctx, app.CancelRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: req.Serial, CardNo: req.CardNo, Amount: req.Amount})
	must(t, err)
	after := s.Ledger()
	if after.Booked != before.Booked || after.BookedFen != before.BookedFen || after.Reversed != 0 || after.Reversals != 0 || after.Cancels != 1 {
		t.Fatalf("a cancel moved money:\n%+v\n%+v", before, after)
	}
	if cr := s.CancelOf(c.CancelID); cr.RechargeID != res.RechargeID || cr.Status != app.CancelRecorded {
		t.Fatalf("cancel %+v", cr)
	}
	// The cancelled recharge still uses up the daily maximum: the cash is in the drawer.
	wantCode(t, rechargeErr(s, s.RechargeReq(sess, apptest.UserCard(1), 0, 1*yuan)), app.CodeOverDailyMax)
	sum, err := s.Svc.Summary(ctx, app.SummaryRequest{DeviceID: "P1"})
	must(t, err)
	if sum.Session.Cash != 100*yuan || sum.Session.Recharges.Count != 1 {
		t.Fatalf("summary %+v", sum.Session)
	}
	// A cancel of a written recharge, or of nothing, is kept for review and moves nothing.
	s.EditOperator(0, func(in *app.OperatorInput) { in.DailyMax = 0 })
	req2, _ := s.Recharge(sess, apptest.UserCard(1), 20*yuan)
	_, err = s.Svc.Confirm(ctx, app.ConfirmRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: req2.Serial, CardNo: req2.CardNo, Amount: req2.Amount})
	must(t, err)
	c2, err := s.Svc.Cancel(ctx, app.CancelRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: req2.Serial, CardNo: req2.CardNo, Amount: req2.Amount})
	must(t, err)
	c3, err := s.Svc.Cancel(ctx, app.CancelRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: 777, CardNo: req2.CardNo, Amount: req2.Amount})
	must(t, err)
	if c2.Status != app.CancelConflict || c2.Reason != app.CodeAlreadyWritten || c3.Status != app.CancelOrphan || c3.Reason != app.CodeOriginalNotFound {
		t.Fatalf("cancels %+v %+v", c2, c3)
	}
	tot := reportOf(t, s, today, today).Total
	if tot.Cash() != 120*yuan || tot.Cancels != 1 || tot.Reversals.Count != 0 {
		t.Fatalf("report %+v", tot)
	}
}

// Rule 14: the summary counts successful recharges and processed reversals, excludes
// cancels; a reversal still waiting is not yet counted.
func TestRule14_SummaryCountsRechargesAndProcessedReversals(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	first := s.Authorize("P1", 0)
	s.Recharge(first, apptest.UserCard(0), 10*yuan)
	sess := s.Authorize("P1", 0) // a new authorization of the same operator
	reqA, _ := s.Recharge(sess, apptest.UserCard(1), 20*yuan)
	reqB, _ := s.Recharge(sess, apptest.UserCard(2), 30*yuan)
	_, err := s.Svc.Cancel(ctx, app.CancelRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: reqB.Serial, CardNo: reqB.CardNo, Amount: reqB.Amount})
	must(t, err)
	_, err = s.Svc.Reverse(ctx, app.ReverseRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: reqA.Serial, CardNo: reqA.CardNo, Amount: reqA.Amount})
	must(t, err)
	// Refused recharges count nowhere.
	wantCode(t, rechargeErr(s, s.RechargeReq(sess, apptest.UserCard(0), 0, 150)), app.CodeAmountNotYuan)

	sum, err := s.Svc.Summary(ctx, app.SummaryRequest{DeviceID: "P1"})
	must(t, err)
	want := app.SummaryTotals{Recharges: app.Totals{Count: 2, Amount: 50 * yuan}, Cash: 50 * yuan}
	if sum.Session != want {
		t.Fatalf("session %+v, want %+v (the reversal is still pending)", sum.Session, want)
	}
	want = app.SummaryTotals{Recharges: app.Totals{Count: 3, Amount: 60 * yuan}, Cash: 60 * yuan}
	if sum.Today != want {
		t.Fatalf("today %+v, want %+v", sum.Today, want)
	}
	s.Clock.Advance(s.Cfg.ReversalDelay)
	_, err = s.Svc.ApplyDueReversals(ctx)
	must(t, err)
	sum, err = s.Svc.Summary(ctx, app.SummaryRequest{DeviceID: "P1"})
	must(t, err)
	want = app.SummaryTotals{Recharges: app.Totals{Count: 2, Amount: 50 * yuan}, Reversals: app.Totals{Count: 1, Amount: 20 * yuan}, Cash: 30 * yuan}
	if sum.Session != want {
		t.Fatalf("session %+v, want %+v", sum.Session, want)
	}
	want = app.SummaryTotals{Recharges: app.Totals{Count: 3, Amount: 60 * yuan}, Reversals: app.Totals{Count: 1, Amount: 20 * yuan}, Cash: 40 * yuan}
	if sum.Today != want {
		t.Fatalf("today %+v, want %+v", sum.Today, want)
	}
	// The summary equals a recount from raw rows.
	if n := s.Count(`SELECT COALESCE(SUM(amount), 0) FROM recharges WHERE booking = 'booked' AND operator_id = ?`, s.Ops[0].ID); app.Fen(n) != sum.Today.Cash {
		t.Fatalf("raw booked %d, summary cash %d", n, sum.Today.Cash)
	}
	// Tomorrow "today" starts at zero while the session still shows its recharges.
	s.Clock.Set(time.Date(2026, 3, 3, 8, 0, 0, 0, apptest.Start.Location()))
	sum, err = s.Svc.Summary(ctx, app.SummaryRequest{DeviceID: "P1"})
	must(t, err)
	if sum.Day != "2026-03-03" || sum.Today != (app.SummaryTotals{}) || sum.Session.Cash != 30*yuan {
		t.Fatalf("next day: %+v", sum)
	}
}

// Rule 15: the operator cash report per settlement day, settled days frozen.
func TestRule15_OperatorCashReport(t *testing.T) {
	loc := apptest.Start.Location()
	at := func(day, hm string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04:05", day+" "+hm, loc)
		if err != nil {
			panic(err)
		}
		return tm
	}

	t.Run("rows, cancels, reversals on the original's day, totals, settlement", func(t *testing.T) {
		s := apptest.New(t, apptest.Options{Cards: 6})
		p1, p2 := s.Authorize("P1", 0), s.Authorize("P2", 1)
		s.Recharge(p1, apptest.UserCard(0), 100*yuan)
		reqC, _ := s.Recharge(p1, apptest.UserCard(1), 50*yuan)
		_, err := s.Svc.Cancel(ctx, app.CancelRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: reqC.Serial, CardNo: reqC.CardNo, Amount: reqC.Amount})
		must(t, err)
		s.Recharge(p2, apptest.UserCard(2), 200*yuan)
		// Just before midnight a recharge times out; its reversal is applied after midnight.
		s.Clock.Set(at("2026-03-02", "23:59:30"))
		reqR, _ := s.Recharge(p2, apptest.UserCard(3), 30*yuan)
		_, err = s.Svc.Reverse(ctx, app.ReverseRequest{DeviceID: "P2", Serial: s.NextSerial("P2"), OrigSerial: reqR.Serial, CardNo: reqR.CardNo, Amount: reqR.Amount})
		must(t, err)
		// Day 2: one recharge of OP01.
		s.Clock.Set(at("2026-03-03", "00:00:30"))
		s.Recharge(p1, apptest.UserCard(4), 10*yuan)

		// 00:00:30: the cut-off has passed but not the reversal delay: too early.
		res, err := s.Svc.Settle(ctx, s.Admin)
		must(t, err)
		if len(res.Settled) != 0 || res.Waiting != "2026-03-02" || res.Reason == nil || res.Reason.Code != app.CodeTooEarlyToSettle {
			t.Fatalf("settle at 00:00:30: %+v", res)
		}
		s.Clock.Set(at("2026-03-03", "00:01:00")) // the reversal is due (23:59:30 + 90 s)
		_, err = s.Svc.ApplyDueReversals(ctx)
		must(t, err)

		rep := reportOf(t, s, "2026-03-02", "2026-03-03")
		op1, _ := rowOf(rep, "2026-03-02", "OP01")
		op2, _ := rowOf(rep, "2026-03-02", "OP02")
		op1d2, _ := rowOf(rep, "2026-03-03", "OP01")
		wantRow := func(name string, r app.ReportRow, rech, rev app.Totals, cancels int64, cash app.Fen, settled bool) {
			t.Helper()
			if r.Recharges != rech || r.Reversals != rev || r.Cancels != cancels || r.Cash() != cash || r.Settled != settled {
				t.Fatalf("%s: %+v (cash %d), want recharges %+v reversals %+v cancels %d cash %d settled %t",
					name, r, r.Cash(), rech, rev, cancels, cash, settled)
			}
		}
		wantRow("OP01 03-02", op1, app.Totals{Count: 2, Amount: 150 * yuan}, app.Totals{}, 1, 150*yuan, false)
		wantRow("OP02 03-02", op2, app.Totals{Count: 2, Amount: 230 * yuan}, app.Totals{Count: 1, Amount: 30 * yuan}, 0, 200*yuan, false)
		wantRow("OP01 03-03", op1d2, app.Totals{Count: 1, Amount: 10 * yuan}, app.Totals{}, 0, 10*yuan, false)
		if len(rep.Rows) != 3 || rep.Rows[0] != op1 || rep.Rows[1] != op2 || rep.Rows[2] != op1d2 {
			t.Fatalf("rows not by day then operator: %+v", rep.Rows)
		}
		wantRow("total", rep.Total, app.Totals{Count: 5, Amount: 390 * yuan}, app.Totals{Count: 1, Amount: 30 * yuan}, 1, 360*yuan, false)
		if rep.Total.Cash() != s.Ledger().BookedFen {
			t.Fatalf("report cash %d, raw booked %d", rep.Total.Cash(), s.Ledger().BookedFen)
		}
		if op2.OperatorName != "充值员2" {
			t.Fatalf("operator name %q", op2.OperatorName)
		}

		// 00:01:30 is the cut-off plus the delay: 03-02 settles, 03-03 (today) does not.
		s.Clock.Set(at("2026-03-03", "00:01:29"))
		res, err = s.Svc.Settle(ctx, s.Admin)
		must(t, err)
		if len(res.Settled) != 0 {
			t.Fatalf("settled at 00:01:29: %+v", res)
		}
		s.Clock.Set(at("2026-03-03", "00:01:30"))
		wantCode(t, func() error { _, err := s.Svc.Settle(ctx, s.Clerk); return err }(), app.CodePermission)
		res, err = s.Svc.Settle(ctx, s.Staff("fin", app.RoleSupervisor))
		must(t, err)
		if len(res.Settled) != 1 || res.Settled[0] != "2026-03-02" || res.Waiting != "2026-03-03" {
			t.Fatalf("settle at 00:01:30: %+v", res)
		}
		if a := s.LastAudit(); a.Action != "settle_day" || a.Subject != "2026-03-02" || a.Actor != "fin" {
			t.Fatalf("settlement audit %+v", a)
		}
		settledRep := reportOf(t, s, "2026-03-02", "2026-03-03")
		op1.Settled, op2.Settled = true, true
		if s1, _ := rowOf(settledRep, "2026-03-02", "OP01"); s1 != op1 {
			t.Fatalf("settled OP01 %+v, live was %+v", s1, op1)
		}
		if s2, _ := rowOf(settledRep, "2026-03-02", "OP02"); s2 != op2 {
			t.Fatalf("settled OP02 %+v", s2)
		}
		if d2, _ := rowOf(settledRep, "2026-03-03", "OP01"); d2.Settled {
			t.Fatal("today was settled")
		}
		// A range with the settled day between unsettled ones reads each from its source.
		wide := reportOf(t, s, "2026-03-01", "2026-03-04")
		if len(wide.Rows) != 3 || !sameRows(wide.Rows, settledRep.Rows) || wide.Total != settledRep.Total {
			t.Fatalf("03-01..03-04 %+v\n03-02..03-03 %+v", wide, settledRep)
		}
		settledAgain, err := s.Svc.Settle(ctx, s.Admin)
		must(t, err)
		if len(settledAgain.Settled) != 0 {
			t.Fatalf("settled twice: %+v", settledAgain)
		}

		// A settled day's recharge cannot be un-booked on that day, with or without a day.
		for _, q := range []string{
			`UPDATE recharges SET booking = 'reversed' WHERE settle_day = '2026-03-02' AND booking = 'booked' AND card_write = 'pending'`,
			`UPDATE recharges SET booking = 'reversed', reversal_day = settle_day WHERE settle_day = '2026-03-02' AND booking = 'booked' AND card_write = 'pending'`,
		} {
			if s.Count(`SELECT COUNT(*) FROM recharges WHERE settle_day = '2026-03-02' AND booking = 'booked' AND card_write = 'pending'`) == 0 {
				t.Fatal("fixture: no pending recharge on the settled day")
			}
			if _, err := s.RawDB().Exec(q); err == nil {
				t.Fatalf("the database took %q", q)
			}
		}

		// A settled day never changes. A late cancel of its recharge is recorded, but the
		// history reads the frozen rows, not the live ones.
		reqLate, _ := s.RechargeByKey("P1", 2) // the 100-yuan recharge of 03-02
		_, err = s.Svc.Cancel(ctx, app.CancelRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: reqLate.Serial, CardNo: reqLate.CardNo, Amount: reqLate.Amount})
		must(t, err)
		if s.Count(`SELECT COUNT(cancel_id) FROM recharges WHERE settle_day = '2026-03-02'`) != 2 {
			t.Fatal("fixture: the late cancel was not linked")
		}
		// A late reversal of a settled day's pending recharge (its money never reached the
		// card) is applied, and counts on the day it is processed, as a line of its own: the
		// settled day stays frozen, and the exceptions desk shows it.
		pend, _ := s.RechargeByKey("P2", 2) // the 200-yuan recharge of 03-02, still pending
		rv, err := s.Svc.Reverse(ctx, app.ReverseRequest{DeviceID: "P2", Serial: s.NextSerial("P2"), OrigSerial: pend.Serial,
			CardNo: pend.CardNo, Amount: pend.Amount})
		must(t, err)
		s.Clock.Advance(s.Cfg.ReversalDelay)
		_, err = s.Svc.ApplyDueReversals(ctx)
		must(t, err)
		if r := s.ReversalOf(rv.ReversalID); r.Status != app.RevApplied || r.Reason != "" {
			t.Fatalf("late reversal %+v", r)
		}
		if r := s.RechargeOf(pend.ID); r.Booking != app.Reversed || !r.LateReversal() || r.ReversalDay != "2026-03-03" || pend.Amount != 200*yuan {
			t.Fatalf("recharge %+v", r)
		}
		if late, _ := rowOf(reportOf(t, s, "2026-03-03", "2026-03-03"), "2026-03-03", "OP02"); late.LateReversals != (app.Totals{Count: 1, Amount: 200 * yuan}) ||
			late.Cash() != -200*yuan || late.Recharges.Count != 0 {
			t.Fatalf("03-03 OP02 %+v: want the late reversal as a line of its own", late)
		}
		if n := s.Count(`SELECT COUNT(*) FROM exception_cases WHERE kind = 'late_reversal' AND reversal_id = ?`, rv.ReversalID); n != 1 {
			t.Fatalf("%d late-reversal cases", n)
		}
		if s2, _ := rowOf(reportOf(t, s, "2026-03-02", "2026-03-02"), "2026-03-02", "OP02"); s2 != op2 {
			t.Fatalf("settled day changed: %+v, was %+v", s2, op2)
		}
		if s1, _ := rowOf(reportOf(t, s, "2026-03-02", "2026-03-02"), "2026-03-02", "OP01"); s1 != op1 {
			t.Fatalf("settled day changed: %+v, was %+v", s1, op1)
		}
		// No recharge can be booked into it, even by the clock going back.
		s.Clock.Set(at("2026-03-02", "23:00:00"))
		wantCode(t, rechargeErr(s, s.RechargeReq(p1, apptest.UserCard(5), 0, 10*yuan)), app.CodeDaySettled)

		// The database refuses a change of a settled day whoever asks.
		db := s.RawDB()
		for _, q := range []string{
			`UPDATE settled_report SET recharge_amount = recharge_amount + 100 WHERE day = '2026-03-02'`,
			`DELETE FROM settled_report WHERE day = '2026-03-02'`,
			`DELETE FROM settled_days WHERE day = '2026-03-02'`,
			// The late reversal cannot be moved onto the frozen day.
			`UPDATE recharges SET reversal_day = '2026-03-02' WHERE settle_day = '2026-03-02' AND reversal_day IS NOT NULL`,
			`INSERT INTO recharges(device_id, serial, authorization_id, operator_id, card_no, amount, balance_before, counter_before,
				booked_at, settle_day, booking, card_write) SELECT device_id, 99999, authorization_id, operator_id, card_no, 100, 0, 0,
				booked_at, settle_day, 'booked', 'pending' FROM recharges WHERE settle_day = '2026-03-02' LIMIT 1`,
			`UPDATE recharges SET amount = amount + 100 WHERE settle_day = '2026-03-02'`,
			`DELETE FROM recharges WHERE settle_day = '2026-03-02'`,
		} {
			if _, err := db.Exec(q); err == nil {
				t.Fatalf("the database took %q", q)
			}
		}
		if s1, _ := rowOf(reportOf(t, s, "2026-03-02", "2026-03-02"), "2026-03-02", "OP01"); s1 != op1 {
			t.Fatalf("settled day changed: %+v", s1)
		}
	})

	t.Run("a pending reversal holds the day open", func(t *testing.T) {
		s := apptest.New(t, apptest.Options{})
		s.Clock.Set(at("2026-03-02", "23:59:00"))
		req, _ := s.Recharge(s.Authorize("P1", 0), apptest.UserCard(0), 30*yuan)
		s.Clock.Set(at("2026-03-03", "00:01:00"))
		_, err := s.Svc.Reverse(ctx, app.ReverseRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: req.Serial, CardNo: req.CardNo, Amount: req.Amount})
		must(t, err)
		s.Clock.Set(at("2026-03-03", "00:02:00")) // past cut-off + delay; the reversal is due at 00:02:30
		res, err := s.Svc.Settle(ctx, s.Admin)
		must(t, err)
		if len(res.Settled) != 0 || res.Waiting != "2026-03-02" || !strings.Contains(res.Reason.Detail, "1 reversals still pending") {
			t.Fatalf("settle with a pending reversal: %+v %v", res, res.Reason)
		}
		s.Clock.Set(at("2026-03-03", "00:02:30"))
		res, err = s.Svc.Settle(ctx, s.Admin)
		must(t, err)
		if len(res.Settled) != 1 {
			t.Fatalf("settle: %+v", res)
		}
		r, _ := rowOf(reportOf(t, s, "2026-03-02", "2026-03-02"), "2026-03-02", "OP01")
		if !r.Settled || r.Reversals != (app.Totals{Count: 1, Amount: 30 * yuan}) || r.Cash() != 0 {
			t.Fatalf("settled row %+v", r)
		}
	})

	t.Run("a 02:00 cut-off moves 01:30 to the previous day", func(t *testing.T) {
		s := apptest.New(t, apptest.Options{Config: func(c *app.Config) { c.Cutoff = 2 * time.Hour }})
		sess := s.Authorize("P1", 0)
		s.Clock.Set(at("2026-03-03", "01:30:00"))
		_, res := s.Recharge(sess, apptest.UserCard(0), 10*yuan)
		s.Clock.Set(at("2026-03-03", "02:00:00"))
		_, res2 := s.Recharge(sess, apptest.UserCard(0), 20*yuan)
		if res.SettleDay != "2026-03-02" || res2.SettleDay != "2026-03-03" {
			t.Fatalf("settle days %s, %s", res.SettleDay, res2.SettleDay)
		}
		if s.Svc.Today() != "2026-03-03" {
			t.Fatalf("today %s", s.Svc.Today())
		}
		rep := reportOf(t, s, "2026-03-02", "2026-03-03")
		if r, _ := rowOf(rep, "2026-03-02", "OP01"); r.Recharges != (app.Totals{Count: 1, Amount: 10 * yuan}) {
			t.Fatalf("03-02 %+v", r)
		}
		// The day ends at 02:00 on the 3rd: settled only from 02:01:30.
		s.Clock.Set(at("2026-03-03", "02:01:29"))
		r, err := s.Svc.Settle(ctx, s.Admin)
		must(t, err)
		if len(r.Settled) != 0 {
			t.Fatalf("settled before cut-off + delay: %+v", r)
		}
		s.Clock.Set(at("2026-03-03", "02:01:30"))
		r, err = s.Svc.Settle(ctx, s.Admin)
		must(t, err)
		if len(r.Settled) != 1 || r.Settled[0] != "2026-03-02" {
			t.Fatalf("settle %+v", r)
		}
	})
}
