package pos_test

import (
	"context"
	"errors"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/pos"
)

// ready authorizes the operator and puts user card 0 on the reader: the POS as a test's
// first recharge finds it.
func (w *world) ready() {
	w.t.Helper()
	w.authorize()
	w.put(apptest.UserCard(0))
}

// recharged authorizes the operator, puts user card 0 on the reader and recharges it by
// yuan, failing the test if the POS does not end with the card written.
func (w *world) recharged(yuan int64) pos.Outcome {
	w.t.Helper()
	w.ready()
	out, err := w.term.Recharge(context.Background(), yuan)
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

// tornRecharge authorizes the operator and recharges user card 0 by yuan with the card
// leaving the field in the credit: the POS must ask for a re-tap (请重刷卡).
func (w *world) tornRecharge(yuan int64) {
	w.t.Helper()
	w.ready()
	w.tearCredit(apptest.UserCard(0), 1)
	if _, err := w.term.Recharge(context.Background(), yuan); !errors.Is(err, pos.CodeRetap) {
		w.t.Fatalf("want RETAP_CARD, got %v", err)
	}
}

// cancelQueuedOffline makes a torn recharge of 10 yuan and presses Cancel at the re-tap with
// the host unreachable and the POS giving up waiting: the cancel record stays queued, and
// the POS says so. The host stays down.
func (w *world) cancelQueuedOffline() {
	w.t.Helper()
	w.ready()
	w.tearCredit(apptest.UserCard(0), 1)
	w.term.Recharge(context.Background(), 10)
	w.host.down = true
	w.term.Wait = func(context.Context, int) error { return errors.New("still offline") }
	if err := w.term.CancelRetap(context.Background()); !errors.Is(err, pos.CodeQueuePending) {
		w.t.Fatalf("want OFFLINE_RECORDS_PENDING, got %v", err)
	}
}

// noneAwaitsDesk moves the host's clock on by after and fails the test if a recharge of user
// card 0 then awaits the desk; what names the recharge that must not, for the message.
func (w *world) noneAwaitsDesk(after time.Duration, what string) {
	w.t.Helper()
	w.site.Clock.Advance(after)
	items, err := w.site.Svc.AwaitingDesk(context.Background(), app.SystemActor, apptest.UserCard(0))
	if err != nil {
		w.t.Fatal(err)
	}
	if len(items) != 0 {
		w.t.Fatalf("%s awaits the desk: %+v", what, items)
	}
}
