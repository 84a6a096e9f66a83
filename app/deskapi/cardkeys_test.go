package deskapi_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"cardcenter/app"
	"cardcenter/app/deskio"
	"cardcenter/cardio"
	"cardcenter/cardio/vcard"
)

// hostKeyedReader is a desk's reader whose only keys are the host's answers, in actor's
// session: the desk side holds no site key.
func (w *world) hostKeyedReader(r *vcard.Reader, d cardio.KeySource) *countingReader {
	var held sync.Mutex
	return &countingReader{DeskReader: &deskio.Reader{Station: cardio.Station{Keys: &cardio.OneCard{Source: d},
		Connect: func(context.Context) (cardio.Transport, func(), error) {
			held.Lock()
			return vcard.InProc{R: r}, held.Unlock, nil
		}}}}
}

// Issue 11.4 through the desk API on loopback TLS: a desk with no site key reads a card and
// repairs it with the keys the host gives in the clerk's session; once the session has
// ended (logged out, or the account disabled) the host gives none: KEYS_REFUSED, which the
// desk also knows as SESSION_ENDED (its login screen), and the refusal is audited.
func TestCardKeysFromTheHostInTheClerksSession(t *testing.T) {
	w := newWorld(t)
	w.site.Svc.ServeCardKeys(w.key) // the host's site key; the desk below has none
	ctx := context.Background()
	req := w.cancelled(40 * app.Yuan)
	before := w.read(w.card).Purse

	d, a := w.host.Login("clerk1")
	r := w.hostKeyedReader(w.card, deskio.HostKeys(d, func() app.Actor { return a }))
	dc, err := app.LookAtCard(ctx, d, a, r)
	if err != nil || len(dc.Items) != 1 || dc.Items[0].Recharge.ID == 0 {
		t.Fatalf("look at the card with the host's keys: %+v %v", dc, err)
	}
	if _, err := app.RepairCard(ctx, d, a, r, dc.Items[0].Recharge.ID, dc.Card); err != nil {
		t.Fatalf("repair with the host's keys: %v", err)
	}
	if after := w.read(w.card).Purse; after.Balance != before.Balance+int64(req.Amount) || r.credits.Load() != 1 {
		t.Fatalf("card %+v → %+v, %d credits", before, after, r.credits.Load())
	}
	granted, err := w.site.Svc.AuditFiltered(ctx, app.SystemActor, "staff:clerk1", "card_keys", 50)
	if err != nil || len(granted) < 2 {
		t.Fatalf("granted key requests audited: %d (%v), want a read and a write at least", len(granted), err)
	}

	ended := func(name string, a app.Actor) {
		t.Helper()
		r := w.hostKeyedReader(w.card, deskio.HostKeys(d, func() app.Actor { return a }))
		before := w.site.Ledger().Audit
		_, err := app.LookAtCard(ctx, d, a, r)
		if !errors.Is(err, app.CodeKeysRefused) || !errors.Is(err, app.CodeSessionEnded) {
			t.Fatalf("%s: %v, want KEYS_REFUSED because SESSION_ENDED", name, err)
		}
		if e := w.site.LastAudit(); w.site.Ledger().Audit != before+1 || e.Action != "card_keys_refused" || e.Actor != "staff:clerk1" {
			t.Fatalf("%s: the refusal is not audited under the clerk: %+v", name, e)
		}
	}
	if err := d.Logout(ctx, a); err != nil {
		t.Fatal(err)
	}
	ended("logged out", a)

	d, b := w.host.Login("clerk1")
	if err := w.site.Svc.SetStaffEnabled(ctx, w.site.Admin, "clerk1", false); err != nil {
		t.Fatal(err)
	}
	ended("account disabled", b)
}
