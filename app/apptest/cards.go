package apptest

import (
	"testing"

	"cardcenter/app"
	"cardcenter/cardio"
	"cardcenter/cardio/vcard"
)

// Holder is the personal data of a fixture card: holder "H"+no, valid four years from
// Start, with that opening balance.
func Holder(no string, balance app.Fen) cardio.Personal {
	return cardio.Personal{CardNo: no, Holder: "H" + no, Issued: Start, Expires: Start.AddDate(4, 0, 0), Balance: int64(balance)}
}

// IssueCard personalises a blank virtual chip with that UID under the site key and fails
// the test if it cannot: a card to put on a virtual reader.
func IssueCard(t testing.TB, key cardio.SiteKey, uid []byte, p cardio.Personal) *vcard.Reader {
	t.Helper()
	chip, err := vcard.NewBlankChip(uid)
	if err != nil {
		t.Fatal(err)
	}
	r := vcard.NewReader(chip)
	if _, err := cardio.Issue(vcard.InProc{R: r}, key, p); err != nil {
		t.Fatalf("issue card %s: %v", p.CardNo, err)
	}
	return r
}
