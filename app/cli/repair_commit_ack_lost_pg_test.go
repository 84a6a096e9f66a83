package cli

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/deskapi"
	"cardcenter/app/deskio"
	"cardcenter/app/posapi"
	"cardcenter/app/sitecert"
	"cardcenter/cardio"
	"cardcenter/cardio/vcard"
)

// armingReader is the desk's reader that arms the proxy once the card is written: the
// acknowledgement lost is then that of the repair's completion, not of its intent.
type armingReader struct {
	app.DeskReader
	arm func()
}

func (r armingReader) Credit(ctx context.Context, before app.CardOnDesk, terminal string, serial int64, amount app.Fen, at time.Time) error {
	err := r.DeskReader.Credit(ctx, before, terminal, serial, amount, at)
	r.arm()
	return err
}

// Issue 12 with issue 11, fault: a desk on a host on PostgreSQL writes a repair to the card,
// and the ledger commits the repair's completion but its acknowledgement never reaches the
// host. The desk is told the money is on the card and the record unconfirmed
// (WRITTEN_NOT_RECORDED over HOST_UNAVAILABLE), never "not done"; the next read of the card, through
// the same host, finds the repair finished and offers nothing to write: the card holds the
// credit once and the ledger one finished repair.
func TestRepairCompletionAcknowledgementLostOnPostgres(t *testing.T) {
	s, dev, raw := hostLedgerOnPostgres(t, 1)
	ctx := context.Background()
	proxy, dsn := ackLosingProxyTo(t, s.Path)
	hostURL, stop, lines := startServeOut(t, dsn, "--tls-self-signed", filepath.Join(t.TempDir(), "tls"))
	defer stop()
	fp, _ := certificateLine(t, lines)

	// The card and a recharge of it whose write did not land, its cancel reported: the desk's.
	card := apptest.IssueCard(t, apptest.SiteKey, []byte{0xB2, 0x00, 0x00, 0x01}, // the UID the fixture gave UserCard(0)
		cardio.Personal{CardNo: apptest.UserCard(0), Holder: "S1", Issued: time.Now().AddDate(0, -1, 0), Expires: time.Now().AddDate(4, 0, 0), Balance: int64(12 * app.Yuan)})
	pos := &posapi.Client{BaseURL: hostURL, HTTP: sitecert.PinnedClient(&fp, 10*time.Second), DeviceID: "P1", Secret: dev.Secret}
	auth, err := pos.Authorize(ctx, app.AuthorizeRequest{DeviceID: "P1", Serial: 1, CardNo: apptest.AuthCard(0), PIN: apptest.PIN})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pos.Recharge(ctx, app.RechargeRequest{DeviceID: "P1", Serial: 2, BatchNo: auth.BatchNo, AuthCode: auth.AuthCode,
		CardNo: apptest.UserCard(0), CardBalance: 12 * app.Yuan, CardCounter: 0, Amount: 50 * app.Yuan}); err != nil {
		t.Fatal(err)
	}
	if _, err := pos.Cancel(ctx, app.CancelRequest{DeviceID: "P1", Serial: 3, OrigSerial: 2, CardNo: apptest.UserCard(0), Amount: 50 * app.Yuan}); err != nil {
		t.Fatal(err)
	}

	desk, err := deskapi.Connect(ctx, hostURL, deskapi.Options{Pin: &fp, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	clerk, err := desk.Login(ctx, "clerk1", "clerk-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	onDesk := &deskio.Reader{Station: cardio.Station{Keys: cardio.LocalKeys{Site: apptest.SiteKey}, Connect: func(context.Context) (cardio.Transport, func(), error) {
		return vcard.InProc{R: card}, func() {}, nil
	}}}
	reader := armingReader{DeskReader: onDesk, arm: func() { proxy.arm("update repairs") }}
	dc, err := app.LookAtCard(ctx, desk, clerk, reader)
	if err != nil || len(dc.Items) != 1 || dc.Items[0].Verdict.OnCard != app.NotOnCard {
		t.Fatalf("first look %+v %v", dc, err)
	}
	id := dc.Items[0].Recharge.ID
	_, err = app.RepairCard(ctx, desk, clerk, reader, id, dc.Card)
	if proxy.cuts.Load() != 1 {
		t.Fatalf("the proxy cut %d commits, want 1 (the completion's): the window was not hit (answer %v)", proxy.cuts.Load(), err)
	}
	if !errors.Is(err, app.CodeWrittenUnrecorded) || !(errors.Is(err, posapi.CodeNoAnswer) || errors.Is(err, posapi.CodeHostUnavailable)) {
		t.Fatalf("the repair with its completion's acknowledgement lost: %v, want WRITTEN_NOT_RECORDED over no answer or HOST_UNAVAILABLE", err)
	}
	t.Logf("the desk was told: %v", err)
	balance := func() int64 {
		t.Helper()
		c, err := cardio.Read(vcard.InProc{R: card}, apptest.SiteKey)
		if err != nil {
			t.Fatal(err)
		}
		return c.Purse.Balance
	}
	state := func() (st string, n int) {
		t.Helper()
		if err := raw.QueryRow(`SELECT MIN(state), COUNT(*) FROM repairs WHERE recharge_id = $1`, id).Scan(&st, &n); err != nil {
			t.Fatal(err)
		}
		return st, n
	}
	if b := balance(); b != int64(62*app.Yuan) {
		t.Fatalf("the card holds %d fen after the write, want 6200", b)
	}
	if st, n := state(); n != 1 || st != string(app.RepairWritten) {
		t.Fatalf("%d repairs, state %s, after the lost acknowledgement: want the committed completion", n, st)
	}

	// The clerk reads the card again: nothing awaits it, and the repair is the one written.
	again, err := app.LookAtCard(ctx, desk, clerk, onDesk)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range again.Items {
		if it.Recharge.ID == id {
			t.Fatalf("the next read still offers recharge %d: %+v", id, it)
		}
	}
	if _, err := app.RepairCard(ctx, desk, clerk, onDesk, id, again.Card); !errors.Is(err, app.CodeAlreadyRepaired) {
		t.Fatalf("a second repair: %v, want ALREADY_REPAIRED", err)
	}
	if b := balance(); b != int64(62*app.Yuan) {
		t.Fatalf("the card holds %d fen after the next read, want 6200: credited twice", b)
	}
	if st, n := state(); n != 1 || st != string(app.RepairWritten) {
		t.Fatalf("%d repairs, state %s, at the end: want one written", n, st)
	}
}
