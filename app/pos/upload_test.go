package pos_test

import (
	"context"
	"errors"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
)

// Issue 9.3: "3. 脱机批上送记录" of a reversal the host sets aside on arrival (its
// recharge was confirmed on the card meanwhile) tells the operator why, as the same
// reversal sent on its own would: the batch item carries the reason.
func TestUploadedReversalSetAsideSaysWhy(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.ready()
	orig := w.term.State().NextSerial
	w.host.dropNext = map[string]int{"recharge": 1}
	w.host.afterAnswer = func(kind string) {
		if kind == "recharge" {
			w.host.down = true // the answer is lost and so is the network: the reversal waits
		}
	}
	w.term.Wait = func(context.Context, int) error { return errors.New("still offline") }
	w.term.Recharge(ctx, 50)
	if q := w.term.State().Queue; len(q) != 1 || q[0].Kind != app.OfflineReversal {
		t.Fatalf("queue %+v", q)
	}
	// Meanwhile the recharge's card write is confirmed (the card got the money).
	if _, err := w.site.Svc.Confirm(ctx, app.ConfirmRequest{DeviceID: "P1", Serial: 900, OrigSerial: orig,
		CardNo: apptest.UserCard(0), Amount: 50 * app.Yuan}); err != nil {
		t.Fatal(err)
	}
	w.host.down, w.host.afterAnswer = false, nil
	items, err := w.term.Upload(ctx)
	if err != nil || len(items) != 1 || items[0].Outcome != app.BatchRecorded || items[0].Reason != app.CodeAlreadyWritten {
		t.Fatalf("upload: %+v %v", items, err)
	}
	if q := w.term.State().Queue; len(q) != 0 {
		t.Fatalf("recorded reversal still queued: %+v", q)
	}
	ns := w.term.Notices()
	if len(ns) != 1 || !ns[0].Alarm || ns[0].Outcome != string(app.RevConflict) || ns[0].Code != app.CodeAlreadyWritten {
		t.Fatalf("notices %+v", ns)
	}
}
