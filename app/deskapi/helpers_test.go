package deskapi_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/deskapi/deskapitest"
	"cardcenter/app/deskio"
	"cardcenter/cardio"
	"cardcenter/cardio/vcard"
)

// world is a ledger, a host serving its desk API on a loopback TLS socket, and the
// fixture's cardholder 0 as a virtual card (UID B2000001, 12.00 yuan).
type world struct {
	t    testing.TB
	site *apptest.Site
	host *deskapitest.Host
	key  cardio.SiteKey
	card *vcard.Reader
	sess apptest.Session
}

func newWorld(t testing.TB) *world {
	t.Helper()
	s := apptest.New(t, apptest.Options{})
	w := &world{t: t, site: s, host: deskapitest.Start(t, s.Svc), key: cardio.NewSiteKey()}
	w.card = w.issue([]byte{0xB2, 0, 0, 1}, apptest.UserCard(0), 12*app.Yuan)
	w.sess = s.Authorize("P1", 0)
	return w
}

func (w *world) issue(uid []byte, cardNo string, balance app.Fen) *vcard.Reader {
	w.t.Helper()
	return apptest.IssueCard(w.t, w.key, uid, apptest.Holder(cardNo, balance))
}

func (w *world) read(r *vcard.Reader) *cardio.Card {
	w.t.Helper()
	c, err := cardio.Read(vcard.InProc{R: r}, w.key)
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

// cancelled books a recharge of amount on the card as read, never written to it, and the
// operator's Cancel at 请重刷卡: it awaits the desk.
func (w *world) cancelled(amount app.Fen) app.RechargeRequest {
	w.t.Helper()
	ctx := context.Background()
	c := w.read(w.card)
	req := w.site.RechargeReq(w.sess, apptest.UserCard(0), app.Fen(c.Purse.Balance), amount)
	req.CardCounter = int64(c.Purse.Counter)
	if _, err := w.site.Svc.Recharge(ctx, req); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.site.Svc.Cancel(ctx, app.CancelRequest{DeviceID: "P1", Serial: w.site.NextSerial("P1"),
		OrigSerial: req.Serial, CardNo: req.CardNo, Amount: amount}); err != nil {
		w.t.Fatal(err)
	}
	return req
}

// reader is a desk's reader with r on it, counting the credits it writes. Readers of the
// same card take it in turn for each read or write (held is the card's), as one card
// answers one reader at a time.
func (w *world) reader(r *vcard.Reader, held *sync.Mutex) *countingReader {
	return &countingReader{DeskReader: &deskio.Reader{Station: cardio.Station{Keys: cardio.LocalKeys{Site: w.key},
		Connect: func(context.Context) (cardio.Transport, func(), error) {
			held.Lock()
			return vcard.InProc{R: r}, held.Unlock, nil
		}}}}
}

type countingReader struct {
	app.DeskReader
	credits atomic.Int64 // credits the card took
}

func (c *countingReader) Credit(ctx context.Context, before app.CardOnDesk, terminal string, serial int64, amount app.Fen, at time.Time) error {
	err := c.DeskReader.Credit(ctx, before, terminal, serial, amount, at)
	if err == nil {
		c.credits.Add(1)
	}
	return err
}
