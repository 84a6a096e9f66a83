package repair_test

import (
	"errors"
	"testing"

	"cardcenter/app"
	"cardcenter/views/viewtest"
)

// fullFolder is a receipts folder that takes nothing (a full disk, a folder gone).
type fullFolder struct{ names []string }

func (f *fullFolder) Save(name string, _ []byte) (string, error) {
	f.names = append(f.names, name)
	return "", errors.New("no space left on device")
}

// A receipt that cannot be saved says so, with the folder's reason, and the repair stays
// done and its receipt on screen to try again: a failed print is never a failed repair.
func TestRepairReceiptThatCannotBeSavedIsShown(t *testing.T) {
	d := viewtest.NewRepairDesk(t, "en")
	full := &fullFolder{}
	d.C.Receipts = full
	d.POSRecharge(50*app.Yuan, false, true)
	p := d.Put(d.Page())
	p = viewtest.Keys(p, "enter", "y")
	viewtest.Want(t, p, "Repaired.", "RP1")
	p = viewtest.Keys(p, "p")
	viewtest.Want(t, p, "Could not save the receipt: no space left on device", "Card center repair receipt", "RP1")
	if len(full.names) != 1 || full.names[0] != "RP1.txt" {
		t.Fatalf("the screen asked the folder for %q, want one RP1.txt", full.names)
	}
	if got := d.Balance(); got != 62*app.Yuan {
		t.Fatalf("card balance %d after a repair whose receipt failed, want 6200", got)
	}
}
