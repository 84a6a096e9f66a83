package app_test

import (
	"reflect"
	"strconv"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
)

// Rule 1: a POS must be authorised with the authorization card and its PIN; every
// recharge until the next authorization is recorded under that operator.
func TestRule01_AuthorizeWithCardAndPIN(t *testing.T) {
	t.Run("refusals", func(t *testing.T) {
		s := apptest.New(t, apptest.Options{})
		auth := func(dev, card, pin string) error {
			_, err := s.Svc.Authorize(ctx, app.AuthorizeRequest{DeviceID: dev, Serial: s.NextSerial(dev), CardNo: card, PIN: pin})
			return err
		}
		cardStatus := func(st app.CardStatus) func() {
			return func() { must(t, s.Svc.SetCardStatus(ctx, s.Admin, apptest.AuthCard(0), st)) }
		}
		cases := []struct {
			name        string
			setup, undo func()
			dev, card   string
			pin         string
			want        app.Code
		}{
			{name: "unknown device", dev: "P9", card: apptest.AuthCard(0), pin: apptest.PIN, want: app.CodeUnknownDevice},
			{name: "disabled device", dev: "P1", card: apptest.AuthCard(0), pin: apptest.PIN, want: app.CodeDeviceDisabled,
				setup: func() { must(t, s.Svc.SetDeviceEnabled(ctx, s.Admin, "P1", false)) },
				undo:  func() { must(t, s.Svc.SetDeviceEnabled(ctx, s.Admin, "P1", true)) }},
			{name: "model not 0201", dev: "C1", card: apptest.AuthCard(0), pin: apptest.PIN, want: app.CodeNotRechargePOS},
			{name: "unknown card", dev: "P1", card: "A9999", pin: apptest.PIN, want: app.CodeUnknownCard},
			{name: "user card not bound", dev: "P1", card: apptest.UserCard(0), pin: apptest.PIN, want: app.CodeCardNotBound},
			{name: "card lost", dev: "P1", card: apptest.AuthCard(0), pin: apptest.PIN, want: app.CodeCardLost,
				setup: cardStatus(app.CardLost), undo: cardStatus(app.CardNormal)},
			{name: "card frozen", dev: "P1", card: apptest.AuthCard(0), pin: apptest.PIN, want: app.CodeCardFrozen,
				setup: cardStatus(app.CardFrozen), undo: cardStatus(app.CardNormal)},
			{name: "card bad", dev: "P1", card: apptest.AuthCard(0), pin: apptest.PIN, want: app.CodeCardBad,
				setup: cardStatus(app.CardBad), undo: cardStatus(app.CardNormal)},
			{name: "card cancelled", dev: "P1", card: apptest.AuthCard(0), pin: apptest.PIN, want: app.CodeCardCancelled,
				setup: cardStatus(app.CardCancelled), undo: cardStatus(app.CardNormal)},
			{name: "wrong PIN", dev: "P1", card: apptest.AuthCard(0), pin: "000000", want: app.CodeWrongPIN},
			{name: "empty PIN", dev: "P1", card: apptest.AuthCard(0), pin: "", want: app.CodeWrongPIN},
			{name: "operator disabled", dev: "P1", card: apptest.AuthCard(0), pin: apptest.PIN, want: app.CodeOperatorDisabled,
				setup: func() { s.EditOperator(0, func(in *app.OperatorInput) { in.Enabled = false }) },
				undo:  func() { s.EditOperator(0, func(in *app.OperatorInput) { in.Enabled = true }) }},
			{name: "not the designated device", dev: "P1", card: apptest.AuthCard(0), pin: apptest.PIN, want: app.CodeNotDesignatedDev,
				setup: func() { s.EditOperator(0, func(in *app.OperatorInput) { in.DesignatedDevice = "P2" }) },
				undo:  func() { s.EditOperator(0, func(in *app.OperatorInput) { in.DesignatedDevice = "" }) }},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if c.setup != nil {
					c.setup()
				}
				wantCode(t, auth(c.dev, c.card, c.pin), c.want)
				if n := s.Count(`SELECT COUNT(*) FROM authorizations`); n != 0 {
					t.Fatalf("a refused authorization opened a session: %d authorizations", n)
				}
				if c.undo != nil {
					c.undo()
				}
			})
		}
		// The designated device itself is fine, and after every undo the card works again.
		s.EditOperator(0, func(in *app.OperatorInput) { in.DesignatedDevice = "P2" })
		must(t, auth("P2", apptest.AuthCard(0), apptest.PIN))
		s.EditOperator(0, func(in *app.OperatorInput) { in.DesignatedDevice = "" })
		must(t, auth("P1", apptest.AuthCard(0), apptest.PIN))
		if got := s.OperatorOf(0).WrongPINs; got != 0 {
			t.Fatalf("a good PIN must clear the wrong-PIN counter, have %d", got)
		}
	})

	t.Run("PIN locked after 5 wrong in a row until an admin resets it", func(t *testing.T) {
		s := apptest.New(t, apptest.Options{})
		auth := func(pin string) error {
			_, err := s.Svc.Authorize(ctx, app.AuthorizeRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), CardNo: apptest.AuthCard(1), PIN: pin})
			return err
		}
		// Four wrong, then a good one: "in a row" starts again.
		for i := 0; i < 4; i++ {
			wantCode(t, auth("999999"), app.CodeWrongPIN)
		}
		if got := s.OperatorOf(1).WrongPINs; got != 4 {
			t.Fatalf("wrong PINs = %d, want 4", got)
		}
		must(t, auth(apptest.PIN))
		for i := 1; i <= 4; i++ {
			e := wantCode(t, auth("999999"), app.CodeWrongPIN)
			if want := []string{"", "4 tries left", "3 tries left", "2 tries left", "1 tries left"}[i]; e.Detail != want {
				t.Fatalf("try %d: detail %q, want %q", i, e.Detail, want)
			}
		}
		wantCode(t, auth("999999"), app.CodePINLocked)
		wantCode(t, auth(apptest.PIN), app.CodePINLocked) // the right PIN no longer helps
		if a := s.LastAudit(); a.Action != "pin_locked" || a.Subject != "operator:OP02" {
			t.Fatalf("locking is not audited: %+v", a)
		}
		wantCode(t, s.Svc.ResetPIN(ctx, s.Clerk, s.Ops[1].ID, "654321"), app.CodePermission)
		wantCode(t, auth(apptest.PIN), app.CodePINLocked)
		must(t, s.Svc.ResetPIN(ctx, s.Admin, s.Ops[1].ID, "654321"))
		wantCode(t, auth(apptest.PIN), app.CodeWrongPIN) // the old PIN is gone
		res, err := s.Svc.Authorize(ctx, app.AuthorizeRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), CardNo: apptest.AuthCard(1), PIN: "654321"})
		must(t, err)
		if res.OperatorNo != "OP02" {
			t.Fatalf("authorized %s, want OP02", res.OperatorNo)
		}
		// The other operator was never affected.
		if got := s.OperatorOf(0).WrongPINs; got != 0 {
			t.Fatalf("operator 0 wrong PINs = %d", got)
		}
	})

	t.Run("every recharge until the next authorization is the operator's", func(t *testing.T) {
		s := apptest.New(t, apptest.Options{Operators: 3})
		// Not yet authorised: no recharge at all.
		wantCode(t, rechargeErr(s, app.RechargeRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), CardNo: apptest.UserCard(0), Amount: 10 * yuan}),
			app.CodeNotAuthorized)

		a := s.Authorize("P1", 0)
		req1, res1 := s.Recharge(a, apptest.UserCard(0), 10*yuan)
		b := s.Authorize("P1", 1)
		if b.BatchNo != a.BatchNo+1 {
			t.Fatalf("batch %d after %d", b.BatchNo, a.BatchNo)
		}
		req2, res2 := s.Recharge(b, apptest.UserCard(0), 20*yuan)
		if res1.OperatorNo != "OP01" || res2.OperatorNo != "OP02" {
			t.Fatalf("recharges booked to %s, %s; want OP01, OP02", res1.OperatorNo, res2.OperatorNo)
		}
		r1, _ := s.RechargeByKey("P1", req1.Serial)
		r2, _ := s.RechargeByKey("P1", req2.Serial)
		if r1.OperatorID != s.Ops[0].ID || r2.OperatorID != s.Ops[1].ID || r1.AuthorizationID == r2.AuthorizationID {
			t.Fatalf("stored operators %d, %d (auth %d, %d)", r1.OperatorID, r2.OperatorID, r1.AuthorizationID, r2.AuthorizationID)
		}
		// The first session ended with the second: its batch is stale.
		wantCode(t, rechargeErr(s, s.RechargeReq(a, apptest.UserCard(0), 0, 10*yuan)), app.CodeStaleSession)
		// The right batch number with another session's code is foreign.
		s.Authorize("P2", 2)
		c := s.Authorize("P2", 2) // P2's batch 2, the same number as P1's current batch
		if c.BatchNo != b.BatchNo {
			t.Fatalf("fixture: P2 batch %d, P1 batch %d", c.BatchNo, b.BatchNo)
		}
		foreign := s.RechargeReq(b, apptest.UserCard(0), 0, 10*yuan)
		foreign.AuthCode = c.AuthCode
		wantCode(t, rechargeErr(s, foreign), app.CodeStaleSession)
		// A refused authorization leaves the current session as it was.
		_, err := s.Svc.Authorize(ctx, app.AuthorizeRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), CardNo: apptest.AuthCard(0), PIN: "000000"})
		wantCode(t, err, app.CodeWrongPIN)
		_, res3 := s.Recharge(b, apptest.UserCard(1), 30*yuan)
		if res3.OperatorNo != "OP02" {
			t.Fatalf("after a refused authorization the recharge went to %s", res3.OperatorNo)
		}
		// Restart the host: the session is in the database, not in memory.
		s.Reopen()
		_, res4 := s.Recharge(b, apptest.UserCard(1), 40*yuan)
		if res4.OperatorNo != "OP02" {
			t.Fatalf("after a restart the recharge went to %s", res4.OperatorNo)
		}
		// Disabling the operator or the POS stops an open session too.
		s.EditOperator(1, func(in *app.OperatorInput) { in.Enabled = false })
		wantCode(t, rechargeErr(s, s.RechargeReq(b, apptest.UserCard(1), 0, 10*yuan)), app.CodeOperatorDisabled)
		s.EditOperator(1, func(in *app.OperatorInput) { in.Enabled = true })
		must(t, s.Svc.SetDeviceEnabled(ctx, s.Admin, "P1", false))
		wantCode(t, rechargeErr(s, s.RechargeReq(b, apptest.UserCard(1), 0, 10*yuan)), app.CodeDeviceDisabled)
		must(t, s.Svc.SetDeviceEnabled(ctx, s.Admin, "P1", true))
		rep := reportOf(t, s, today, today)
		if r, _ := rowOf(rep, today, "OP01"); r.Recharges != (app.Totals{Count: 1, Amount: 10 * yuan}) {
			t.Fatalf("OP01 row %+v", r)
		}
		if r, _ := rowOf(rep, today, "OP02"); r.Recharges != (app.Totals{Count: 3, Amount: 90 * yuan}) {
			t.Fatalf("OP02 row %+v", r)
		}
		if _, ok := rowOf(rep, today, "OP03"); ok {
			t.Fatal("OP03 recharged nothing but has a row")
		}
	})
}

// Rule 2: recharge is online only; an offline recharge record is refused and never booked.
func TestRule02_NoOfflineRecharge(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	sess := s.Authorize("P1", 0)
	req, _ := s.Recharge(sess, apptest.UserCard(0), 50*yuan)
	offSerial := s.NextSerial("P1")
	cancelSerial := s.NextSerial("P1")
	records := []app.OfflineRecord{
		{Kind: app.OfflineRecharge, Serial: offSerial, CardNo: apptest.UserCard(1), Amount: 30 * yuan},
		{Kind: app.OfflineCancel, Serial: cancelSerial, OrigSerial: req.Serial, CardNo: apptest.UserCard(0), Amount: 50 * yuan},
	}
	before := s.Ledger()
	items, err := s.Svc.BatchUpload(ctx, "P1", records)
	must(t, err)
	if len(items) != 2 {
		t.Fatalf("%d items", len(items))
	}
	if it := items[0]; it.Serial != offSerial || !it.Accepted || it.Code != app.CodeOfflineRecharge || it.ZH == "" {
		t.Fatalf("offline recharge item %+v: want accepted (final) with %s", it, app.CodeOfflineRecharge)
	}
	if it := items[1]; !it.Accepted || it.Code != "" || it.Status != string(app.CancelRecorded) {
		t.Fatalf("the cancel next to it was lost: %+v", it)
	}
	if _, ok := s.RechargeByKey("P1", offSerial); ok {
		t.Fatal("the offline recharge was booked")
	}
	after := s.Ledger()
	if after.Recharges != before.Recharges || after.BookedFen != before.BookedFen || after.Cancels != before.Cancels+1 {
		t.Fatalf("ledger %+v → %+v", before, after)
	}
	// Uploaded again, it is refused again; sent online under the same serial it is a conflict.
	again, err := s.Svc.BatchUpload(ctx, "P1", records)
	must(t, err)
	if !reflect.DeepEqual(again, items) {
		t.Fatalf("re-upload %+v, first %+v", again, items)
	}
	online := s.RechargeReq(sess, apptest.UserCard(1), 0, 30*yuan)
	online.Serial = offSerial
	wantCode(t, rechargeErr(s, online), app.CodeDuplicateConflict)
	if got := s.Ledger(); got.Recharges != before.Recharges || got.BookedFen != before.BookedFen {
		t.Fatalf("ledger changed: %+v", got)
	}
	if tot := reportOf(t, s, today, today).Total; tot.Recharges != (app.Totals{Count: 1, Amount: 50 * yuan}) {
		t.Fatalf("report total %+v", tot.Recharges)
	}
}

// Rule 3: after 请重刷卡 the POS re-taps, replays and confirms; the host holds one record.
func TestRule03_ReTapHoldsOneRecharge(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	sess := s.Authorize("P1", 0)
	req := s.RechargeReq(sess, apptest.UserCard(0), 12*yuan, 100*yuan)
	first, err := s.Svc.Recharge(ctx, req)
	must(t, err)
	if first.BalanceAfter != 112*yuan || first.CounterAfter != req.CardCounter+1 {
		t.Fatalf("approved %+v", first)
	}
	// The answer got lost, the POS asks again (same key, same content), twice.
	for i := 0; i < 2; i++ {
		again, err := s.Svc.Recharge(ctx, req)
		must(t, err)
		if !reflect.DeepEqual(again, first) {
			t.Fatalf("replay %d: %+v, first %+v", i, again, first)
		}
	}
	// Re-tap: the write had not landed, the POS wrote again and confirms; the confirm's
	// own answer is lost too and it is sent again.
	conf := app.ConfirmRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: req.Serial, CardNo: req.CardNo, Amount: req.Amount}
	c1, err := s.Svc.Confirm(ctx, conf)
	must(t, err)
	c2, err := s.Svc.Confirm(ctx, conf)
	must(t, err)
	if c1 != c2 || c1.RechargeID != first.RechargeID || c1.CardWrite != app.WriteWritten {
		t.Fatalf("confirms %+v, %+v for recharge %d", c1, c2, first.RechargeID)
	}
	// A second re-tap on the same card confirms again under a new serial: still one record.
	conf.Serial = s.NextSerial("P1")
	c3, err := s.Svc.Confirm(ctx, conf)
	must(t, err)
	if c3.RechargeID != first.RechargeID {
		t.Fatalf("second confirm names recharge %d", c3.RechargeID)
	}
	l := s.Ledger()
	if l.Recharges != 1 || l.Written != 1 || l.BookedFen != 100*yuan {
		t.Fatalf("ledger %+v: want one written recharge of 100 yuan", l)
	}
	// A confirm that does not match, or names nothing, is refused.
	bad := conf
	bad.Serial, bad.Amount = s.NextSerial("P1"), 50*yuan
	_, err = s.Svc.Confirm(ctx, bad)
	wantCode(t, err, app.CodeRecordMismatch)
	bad.Serial, bad.Amount, bad.OrigSerial = s.NextSerial("P1"), req.Amount, 9999
	_, err = s.Svc.Confirm(ctx, bad)
	wantCode(t, err, app.CodeOriginalNotFound)
	if got := s.Ledger(); got.Recharges != 1 || got.Written != 1 {
		t.Fatalf("ledger %+v", got)
	}
	if rows, _ := s.Svc.AwaitingDesk(ctx, app.SystemActor, req.CardNo); len(rows) != 0 {
		t.Fatalf("a confirmed recharge awaits the desk: %+v", rows)
	}
}

// Rule 4: Cancel at 请重刷卡 sends a cancel record; the host still books the recharge, the
// operator keeps the cash, the cardholder goes to the desk.
func TestRule04_CancelStillBooks(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	sess := s.Authorize("P1", 0)
	req, res := s.Recharge(sess, apptest.UserCard(0), 50*yuan)
	cashBefore := reportOf(t, s, today, today).Total.Cash()
	cr := app.CancelRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: req.Serial, CardNo: req.CardNo, Amount: req.Amount}
	c, err := s.Svc.Cancel(ctx, cr)
	must(t, err)
	if c.Status != app.CancelRecorded || c.Reason != "" {
		t.Fatalf("cancel %+v", c)
	}
	r := s.RechargeOf(res.RechargeID)
	if r.Booking != app.Booked || r.CardWrite != app.WriteCancelReported || r.CancelID != c.CancelID {
		t.Fatalf("recharge after cancel %+v", r)
	}
	rep := reportOf(t, s, today, today)
	if rep.Total.Cash() != cashBefore || cashBefore != 50*yuan || rep.Total.Cancels != 1 {
		t.Fatalf("cash %d → %d, cancels %d", cashBefore, rep.Total.Cash(), rep.Total.Cancels)
	}
	// The cardholder is expected at the desk at once, no timeout needed.
	items, err := s.Svc.AwaitingDesk(ctx, app.SystemActor, req.CardNo)
	must(t, err)
	if len(items) != 1 || items[0].Recharge.ID != res.RechargeID || items[0].Reason != app.DeskCancelReported {
		t.Fatalf("desk sees %+v", items)
	}
	// The cancel replayed is the same record; a second cancel of the recharge is only a duplicate.
	again, err := s.Svc.Cancel(ctx, cr)
	must(t, err)
	if again != c {
		t.Fatalf("replayed cancel %+v, first %+v", again, c)
	}
	cr.Serial = s.NextSerial("P1")
	dup, err := s.Svc.Cancel(ctx, cr)
	must(t, err)
	if dup.Status != app.CancelDuplicate || dup.Reason != app.CodeAlreadyCancelled {
		t.Fatalf("second cancel %+v", dup)
	}
	if n := reportOf(t, s, today, today).Total.Cancels; n != 1 {
		t.Fatalf("report shows %d cancels", n)
	}
}

// Rule 5: a POS with no answer reverses, retries until acknowledged, and after a power
// cycle reverses again; the host acknowledges at once and every retry is the same record.
func TestRule05_ReversalRetriesAreOneRecord(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	sess := s.Authorize("P1", 0)
	req, res := s.Recharge(sess, apptest.UserCard(0), 30*yuan) // booked, the answer never reached the POS
	rv := app.ReverseRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: req.Serial, CardNo: req.CardNo, Amount: req.Amount}
	first, err := s.Svc.Reverse(ctx, rv)
	must(t, err)
	if first.Status != app.RevPending || !first.ApplyAfter.Equal(apptest.Start.Add(s.Cfg.ReversalDelay)) {
		t.Fatalf("acknowledged %+v: want pending until %v", first, apptest.Start.Add(s.Cfg.ReversalDelay))
	}
	for i := 0; i < 5; i++ {
		s.Clock.Advance(5 * time.Second)
		again, err := s.Svc.Reverse(ctx, rv)
		must(t, err)
		if !reflect.DeepEqual(again, first) {
			t.Fatalf("retry %d: %+v, first %+v", i, again, first)
		}
	}
	s.Reopen() // the host restarts; the POS power-cycles and reverses first again
	again, err := s.Svc.Reverse(ctx, rv)
	must(t, err)
	if !reflect.DeepEqual(again, first) {
		t.Fatalf("after restart: %+v, first %+v", again, first)
	}
	if l := s.Ledger(); l.Reversals != 1 || l.ReversalsPending != 1 || l.Booked != 1 {
		t.Fatalf("ledger %+v: want one pending reversal, the recharge still booked", l)
	}
	s.Clock.Advance(s.Cfg.ReversalDelay)
	n, err := s.Svc.ApplyDueReversals(ctx)
	must(t, err)
	if n != 1 || s.RechargeOf(res.RechargeID).Booking != app.Reversed {
		t.Fatalf("applied %d; recharge %+v", n, s.RechargeOf(res.RechargeID))
	}
	// A retry that crosses the acknowledgement still gets the first answer.
	again, err = s.Svc.Reverse(ctx, rv)
	must(t, err)
	if !reflect.DeepEqual(again, first) {
		t.Fatalf("late retry %+v", again)
	}
	if l := s.Ledger(); l.Reversals != 1 || l.Reversed != 1 || l.ReversedFen != 30*yuan {
		t.Fatalf("ledger %+v", l)
	}
}

// Rule 6: offline records are uploaded in order, idempotently, and one bad record never
// loses the others.
func TestRule06_BatchUploadOrderedIdempotentPartial(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	sess := s.Authorize("P1", 0)
	reqA, resA := s.Recharge(sess, apptest.UserCard(0), 10*yuan)
	reqB, resB := s.Recharge(sess, apptest.UserCard(1), 20*yuan)
	reqC, resC := s.Recharge(sess, apptest.UserCard(2), 30*yuan)
	ser := func() int64 { return s.NextSerial("P1") }
	records := []app.OfflineRecord{
		{Kind: app.OfflineCancel, Serial: ser(), OrigSerial: reqA.Serial, CardNo: reqA.CardNo, Amount: reqA.Amount},
		{Kind: app.OfflineReversal, Serial: ser(), OrigSerial: reqB.Serial, CardNo: reqB.CardNo, Amount: reqB.Amount},
		{Kind: "refund", Serial: ser(), OrigSerial: reqC.Serial, CardNo: reqC.CardNo, Amount: reqC.Amount},            // unknown kind
		{Kind: app.OfflineReversal, Serial: 0, OrigSerial: reqC.Serial, CardNo: reqC.CardNo, Amount: reqC.Amount},     // no serial
		{Kind: app.OfflineCancel, Serial: ser(), OrigSerial: 9999, CardNo: reqC.CardNo, Amount: reqC.Amount},          // no such original
		{Kind: app.OfflineReversal, Serial: ser(), OrigSerial: reqC.Serial, CardNo: reqC.CardNo, Amount: reqC.Amount}, // after the bad ones
		// In order: this reversal names B again after the first one; it is the second and set aside.
		{Kind: app.OfflineReversal, Serial: ser(), OrigSerial: reqB.Serial, CardNo: reqB.CardNo, Amount: reqB.Amount},
	}
	items, err := s.Svc.BatchUpload(ctx, "P1", records)
	must(t, err)
	type want struct {
		accepted bool
		status   string
		code     app.Code
	}
	wants := []want{
		{true, string(app.CancelRecorded), ""},
		{true, string(app.RevPending), ""},
		{true, "", app.CodeBadInput},
		{true, "", app.CodeBadInput},
		{true, string(app.CancelOrphan), ""},
		{true, string(app.RevPending), ""},
		{true, string(app.RevException), ""},
	}
	if len(items) != len(records) {
		t.Fatalf("%d items for %d records", len(items), len(records))
	}
	for i, it := range items {
		w := wants[i]
		if it.Serial != records[i].Serial || it.Accepted != w.accepted || it.Status != w.status || it.Code != w.code {
			t.Fatalf("item %d: %+v, want serial %d %+v", i, it, records[i].Serial, w)
		}
	}
	l := s.Ledger()
	if l.Cancels != 2 || l.Reversals != 3 || l.ReversalsPending != 2 || l.CancelReported != 1 {
		t.Fatalf("after upload: %+v", l)
	}
	// Records were taken in upload order: their ids follow the list.
	var revIDs []int64
	must(t, func() error {
		rows, err := s.RawDB().Query(`SELECT serial FROM reversals ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var sr int64
			if err := rows.Scan(&sr); err != nil {
				return err
			}
			revIDs = append(revIDs, sr)
		}
		return rows.Err()
	}())
	if want := []int64{records[1].Serial, records[5].Serial, records[6].Serial}; !reflect.DeepEqual(revIDs, want) {
		t.Fatalf("reversals stored in order %v, want %v", revIDs, want)
	}
	// The POS reboots and uploads the same queue: same answers, nothing new.
	s.Reopen()
	again, err := s.Svc.BatchUpload(ctx, "P1", records)
	must(t, err)
	if !reflect.DeepEqual(again, items) {
		t.Fatalf("re-upload:\n%+v\nfirst:\n%+v", again, items)
	}
	if got := s.Ledger(); got != l {
		t.Fatalf("re-upload changed the ledger:\n%+v\n%+v", l, got)
	}
	// An unknown device keeps nothing and the POS must keep its records.
	unk, err := s.Svc.BatchUpload(ctx, "P9", records[:1])
	must(t, err)
	if len(unk) != 1 || unk[0].Accepted || unk[0].Code != app.CodeUnknownDevice {
		t.Fatalf("unknown device: %+v", unk)
	}
	s.Clock.Advance(s.Cfg.ReversalDelay)
	n, err := s.Svc.ApplyDueReversals(ctx)
	must(t, err)
	if n != 2 {
		t.Fatalf("applied %d reversals, want 2", n)
	}
	if a, b, c := s.RechargeOf(resA.RechargeID), s.RechargeOf(resB.RechargeID), s.RechargeOf(resC.RechargeID); a.Booking != app.Booked ||
		a.CardWrite != app.WriteCancelReported || b.Booking != app.Reversed || c.Booking != app.Reversed {
		t.Fatalf("A %+v\nB %+v\nC %+v", a, b, c)
	}
	if tot := reportOf(t, s, today, today).Total; tot.Cash() != 10*yuan || tot.Reversals.Count != 2 || tot.Cancels != 1 {
		t.Fatalf("report total %+v", tot)
	}
}

// Rule 7: "1. 查询充值汇总" asks the host, online, for the current operator's totals on this POS.
func TestRule07_SummaryOnlineForCurrentOperatorOnThisPOS(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	_, err := s.Svc.Summary(ctx, app.SummaryRequest{DeviceID: "P1"})
	wantCode(t, err, app.CodeNotAuthorized)
	_, err = s.Svc.Summary(ctx, app.SummaryRequest{DeviceID: "P9"})
	wantCode(t, err, app.CodeUnknownDevice)
	_, err = s.Svc.Summary(ctx, app.SummaryRequest{DeviceID: "C1"})
	wantCode(t, err, app.CodeNotRechargePOS)

	a := s.Authorize("P1", 0)
	s.Recharge(a, apptest.UserCard(0), 10*yuan)
	s.Recharge(s.Authorize("P2", 0), apptest.UserCard(0), 200*yuan) // same operator, other POS
	s.Recharge(s.Authorize("P1", 1), apptest.UserCard(0), 400*yuan) // other operator, this POS
	a = s.Authorize("P1", 0)                                        // op 0 is back on P1
	s.Recharge(a, apptest.UserCard(1), 20*yuan)

	sum, err := s.Svc.Summary(ctx, app.SummaryRequest{DeviceID: "P1"})
	must(t, err)
	if sum.OperatorNo != "OP01" || sum.BatchNo != a.BatchNo || sum.Day != today {
		t.Fatalf("summary for %s batch %d day %s", sum.OperatorNo, sum.BatchNo, sum.Day)
	}
	if sum.Session.Recharges != (app.Totals{Count: 1, Amount: 20 * yuan}) {
		t.Fatalf("session %+v: only the current authorization", sum.Session)
	}
	if sum.Today.Recharges != (app.Totals{Count: 2, Amount: 30 * yuan}) {
		t.Fatalf("today %+v: this operator on this POS only", sum.Today)
	}
	// It reads the host, not a POS cache: a disabled POS gets no summary.
	must(t, s.Svc.SetDeviceEnabled(ctx, s.Admin, "P1", false))
	_, err = s.Svc.Summary(ctx, app.SummaryRequest{DeviceID: "P1"})
	wantCode(t, err, app.CodeDeviceDisabled)
}

// Recharge (rules 2, 9, 11 and the idempotency key of docs/pos-protocol.md): the card must be usable,
// a replay returns the first answer, a reused serial is a conflict, a decline stays one.
func TestRecharge_CardStatusReplayConflictAndDeclines(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	sess := s.Authorize("P1", 0)
	for _, c := range []struct {
		st   app.CardStatus
		want app.Code
	}{{app.CardLost, app.CodeCardLost}, {app.CardFrozen, app.CodeCardFrozen}, {app.CardBad, app.CodeCardBad}, {app.CardCancelled, app.CodeCardCancelled}} {
		must(t, s.Svc.SetCardStatus(ctx, s.Admin, apptest.UserCard(3), c.st))
		wantCode(t, rechargeErr(s, s.RechargeReq(sess, apptest.UserCard(3), 0, 10*yuan)), c.want)
	}
	wantCode(t, rechargeErr(s, s.RechargeReq(sess, "U999999", 0, 10*yuan)), app.CodeUnknownCard)
	if l := s.Ledger(); l.Recharges != 0 {
		t.Fatalf("a refused recharge was booked: %+v", l)
	}

	// Replay: the identical first answer, also after a host restart.
	req := s.RechargeReq(sess, apptest.UserCard(0), 5*yuan, 20*yuan)
	first, err := s.Svc.Recharge(ctx, req)
	must(t, err)
	blob, err := s.Svc.StoredAnswerBytes(ctx, "P1", req.Serial)
	must(t, err)
	s.Clock.Advance(time.Hour)
	s.Reopen()
	again, err := s.Svc.Recharge(ctx, req)
	must(t, err)
	if !reflect.DeepEqual(again, first) || !again.BookedAt.Equal(apptest.Start) {
		t.Fatalf("replay %+v, first %+v", again, first)
	}
	blob2, err := s.Svc.StoredAnswerBytes(ctx, "P1", req.Serial)
	must(t, err)
	if string(blob2) != string(blob) {
		t.Fatalf("stored answer changed: %s → %s", blob, blob2)
	}

	// Same key, other content: refused, flagged in the audit log, the first booking intact.
	audits := s.Ledger().Audit
	other := req
	other.Amount = 30 * yuan
	wantCode(t, rechargeErr(s, other), app.CodeDuplicateConflict)
	if a := s.LastAudit(); a.Action != "duplicate_conflict" || a.Subject != "P1/"+strconv.FormatInt(req.Serial, 10) || a.Actor != "terminal:P1" {
		t.Fatalf("conflict audit %+v", a)
	}
	if l := s.Ledger(); l.Audit != audits+1 || l.Recharges != 1 || l.BookedFen != 20*yuan {
		t.Fatalf("after conflict %+v", l)
	}
	// Another message kind under a recharge's key is a conflict too.
	_, err = s.Svc.Confirm(ctx, app.ConfirmRequest{DeviceID: "P1", Serial: req.Serial, OrigSerial: req.Serial, CardNo: req.CardNo, Amount: req.Amount})
	wantCode(t, err, app.CodeDuplicateConflict)

	// A decline stays declined on replay even once its cause is gone.
	must(t, s.Svc.SetCardStatus(ctx, s.Admin, apptest.UserCard(1), app.CardFrozen))
	declined := s.RechargeReq(sess, apptest.UserCard(1), 0, 10*yuan)
	err1 := rechargeErr(s, declined)
	wantCode(t, err1, app.CodeCardFrozen)
	must(t, s.Svc.SetCardStatus(ctx, s.Admin, apptest.UserCard(1), app.CardNormal))
	err2 := rechargeErr(s, declined)
	if !reflect.DeepEqual(err2, err1) {
		t.Fatalf("replayed decline %v, first %v", err2, err1)
	}
	if _, ok := s.RechargeByKey("P1", declined.Serial); ok {
		t.Fatal("a declined serial got booked on replay")
	}
	// A new serial is a new request and now goes through.
	retry := declined
	retry.Serial = s.NextSerial("P1")
	must(t, rechargeErr(s, retry))
	if l := s.Ledger(); l.Recharges != 2 || l.BookedFen != 30*yuan {
		t.Fatalf("ledger %+v", l)
	}
}
