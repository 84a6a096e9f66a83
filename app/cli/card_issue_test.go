package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/cardio"
	"cardcenter/cardio/pcsctest"
	"cardcenter/cardio/vcard"
)

// Issue a blank card through pcscd and the vpcd reader: the layout lands on the card and
// the card, with its UID, in the ledger. A second issue of the same card is refused by the
// card; an issue of a number the ledger has is refused before the card is touched.
func TestCardIssueWritesTheCardAndRecordsIt(t *testing.T) {
	c := pcsctest.Stack(t)
	site := apptest.New(t, apptest.Options{})
	site.Store.Close()
	key := apptest.SiteKey // the key the fixture's ledger is sealed with
	t.Setenv(cardio.SiteKeyEnv, key.Hex())
	chip, err := vcard.NewBlankChip([]byte{0xA1, 0xB2, 0xC3, 0xD4})
	if err != nil {
		t.Fatal(err)
	}
	r := vcard.NewReader(chip)
	pcsctest.Insert(t, c, r, pcsctest.Port0, pcsctest.Reader0)

	issue := func(cardNo string) (int, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"card", "issue", "--db", site.Path, "--reader", pcsctest.Reader0,
			"--card-no", cardNo, "--holder-no", "S2026001", "--name", "李雷", "--wait", "5s"}, &out, &errb)
		return code, out.String() + errb.String()
	}
	if code, out := issue("31000001"); code != 0 || !strings.Contains(out, "A1B2C3D4") {
		t.Fatalf("issue: exit %d: %s", code, out)
	}
	site.Reopen()
	card, err := site.Svc.CardByNo(context.Background(), app.SystemActor, "31000001")
	if err != nil || card.UID != "A1B2C3D4" {
		t.Fatalf("ledger card %+v %v", card, err)
	}
	onCard, err := cardio.Read(vcard.InProc{R: r}, key)
	if err != nil || onCard.CardNo != "31000001" || onCard.Holder != "S2026001" || onCard.Purse.Balance != 0 {
		t.Fatalf("card %+v %v", onCard, err)
	}
	site.Store.Close()

	if code, out := issue("31000002"); code == 0 || !strings.Contains(out, string(cardio.CodeNotBlank)) {
		t.Fatalf("second issue of the same card: exit %d: %s", code, out)
	}
	if code, out := issue(apptest.UserCard(0)); code != 2 || !strings.Contains(out, "ALREADY_EXISTS") {
		t.Fatalf("issue of a known number: exit %d: %s", code, out)
	}
	site.Reopen()
	if _, err := site.Svc.CardByNo(context.Background(), app.SystemActor, "31000002"); err == nil {
		t.Fatal("a refused issue was recorded")
	}
}

// An issue whose last APDU landed but whose answer was lost leaves a fully issued card that
// the ledger does not know. Issuing it again through pcscd recognises the card as its own
// half-finished issue, finishes it and records it (it used to say "not blank").
func TestCardIssueFinishesACardTornAtItsLastAPDU(t *testing.T) {
	c := pcsctest.Stack(t)
	site := apptest.New(t, apptest.Options{})
	site.Store.Close()
	key := apptest.SiteKey
	t.Setenv(cardio.SiteKeyEnv, key.Hex())
	today := time.Now().UTC().Truncate(24 * time.Hour)
	p := cardio.Personal{CardNo: "31000009", Holder: "S2026009", Issued: today, Expires: today.AddDate(4, 0, 0)}
	uid := []byte{0xA1, 0xB2, 0xC3, 0xD9}
	// How many APDUs a whole issue takes, on a scratch card.
	scratch, _ := vcard.NewBlankChip(uid)
	ct := &cardio.CountingTransport{Transport: vcard.InProc{R: vcard.NewReader(scratch)}}
	if _, err := cardio.Issue(ct, key, p); err != nil {
		t.Fatal(err)
	}
	chip, _ := vcard.NewBlankChip(uid)
	r := vcard.NewReader(chip)
	r.SetFaults(vcard.Faults{TearAfter: ct.N})
	if _, err := cardio.Issue(vcard.InProc{R: r}, key, p); err == nil {
		t.Fatal("the torn issue reported success")
	}
	r.Insert()
	if got, err := cardio.Read(vcard.InProc{R: r}, key); err != nil || got.CardNo != p.CardNo {
		t.Fatalf("the torn card is not fully issued: %+v %v", got, err)
	}
	pcsctest.Insert(t, c, r, pcsctest.Port0, pcsctest.Reader0)
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"card", "issue", "--db", site.Path, "--reader", pcsctest.Reader0,
		"--card-no", p.CardNo, "--holder-no", p.Holder, "--name", "韩梅梅", "--wait", "5s"}, &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "A1B2C3D9") {
		t.Fatalf("issue again: exit %d: %s%s", code, out.String(), errb.String())
	}
	site.Reopen()
	if card, err := site.Svc.CardByNo(context.Background(), app.SystemActor, p.CardNo); err != nil || card.UID != "A1B2C3D9" {
		t.Fatalf("ledger card %+v %v", card, err)
	}
}
