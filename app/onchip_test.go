package app_test

import (
	"errors"
	"testing"

	"cardcenter/app"
)

// The one card-identity check: the chip must be the one on record, in either case of hex;
// a card not yet personalised has no record to hold it to.
func TestCardOnChip(t *testing.T) {
	c := app.Card{CardNo: "20000001", UID: "04a1b2c3"}
	for uid, ok := range map[string]bool{"04a1b2c3": true, "04A1B2C3": true, "04a1b2c4": false, "": false} {
		if err := c.OnChip(uid); (err == nil) != ok || (err != nil && !errors.Is(err, app.CodeCardMismatch)) {
			t.Errorf("OnChip(%q) = %v, want ok=%v or CARD_MISMATCH", uid, err, ok)
		}
	}
	if err := (app.Card{CardNo: "20000002"}).OnChip("04a1b2c3"); err != nil {
		t.Errorf("a card with no UID on record refused a chip: %v", err)
	}
}
