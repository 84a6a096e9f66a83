package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 11, two desks: one host, two desks on two readers, each holding a copy of 张三's card
// whose 100 元 recharge never landed. Both try the same repair at once — two clerks, or one
// clerk logged in at both desks; the ledger lets one write and refuses the other, so the
// money is credited once in all.
func TestTwoDesksRepairTheSameRechargeOnce(t *testing.T) {
	t.Run("two clerks", func(t *testing.T) { twoDesksOneRepair(t, "clerk2", "demo-clerk-2") })
	t.Run("one clerk at both desks", func(t *testing.T) { twoDesksOneRepair(t, "clerk", "demo-clerk-1") })
}

func twoDesksOneRepair(t *testing.T, userB, passB string) {
	s := newTmuxSite(t)
	if userB != "clerk" {
		s.addClerk(userB, passB)
	}
	card0 := filepath.Join(s.demo, "card-20260001.json")
	card1 := filepath.Join(s.dir, "card-20260001-copy.json")
	b, err := os.ReadFile(card0)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(card1, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s.startHost("127.0.0.1:0")
	// One card process per reader: the demo's file on reader 0, the copy on reader 1.
	s.card(card0, "127.0.0.1:35963")
	s.card(card1, "127.0.0.1:35964")

	a := s.desk("cardcenter-e2e-desk-a", "Virtual PCD 00 00")
	bd := s.desk("cardcenter-e2e-desk-b", "Virtual PCD 00 01")
	a.waitAny("Log in")
	bd.waitAny("Log in")
	a.keys("clerk", "Tab", "demo-clerk-1", "Enter")
	bd.keys(userB, "Tab", passB, "Enter")
	a.waitAny("not on card")
	bd.waitAny("not on card")
	a.keys("Enter")
	bd.keys("Enter")
	a.waitAny("Confirm the repair")
	bd.waitAny("Confirm the repair")
	a.keys("y")
	bd.keys("y")
	sa := a.waitAny("written to the card", "lready repaired", "in progress", "refused", "rror")
	sb := bd.waitAny("written to the card", "lready repaired", "in progress", "refused", "rror")
	t.Logf("desk a:\n%s\ndesk b:\n%s", sa, sb)
	wa, wb := strings.Contains(sa, "written to the card"), strings.Contains(sb, "written to the card")
	if wa == wb {
		t.Fatalf("want exactly one desk to write; a wrote %v, b wrote %v", wa, wb)
	}
	refused := sb
	if wb {
		refused = sa
	}
	// The other desk is told the repair is under way at the first desk (it began before the
	// first finished) or already done (it began after).
	if !strings.Contains(refused, "recharge already repaired") && !strings.Contains(refused, "repair of this recharge is in progress") {
		t.Fatalf("the other desk was not told the recharge is being or was repaired:\n%s", refused)
	}
	// Its card read again, the other desk shows the recharge repaired, and nothing to write.
	loser := bd
	if wb {
		loser = a
	}
	loser.keys("r")
	again := loser.waitAny("Already repaired (1")
	if !strings.Contains(again, "Nothing awaits the desk for this card") {
		t.Fatalf("the other desk, its card read again, still offers something:\n%s", again)
	}
	raw := s.ledgerReadOnly()
	var n, other int
	var staff string
	wantStaff := "clerk"
	if wb {
		wantStaff = userB
	}
	if err := raw.QueryRow(`SELECT COUNT(*), MAX(staff) FROM repairs WHERE state = 'written'`).Scan(&n, &staff); err != nil || n != 1 || staff != wantStaff {
		t.Fatalf("written repairs: %d by %q (%v); want 1 by %s, the clerk of the desk that wrote", n, staff, err, wantStaff)
	}
	if err := raw.QueryRow(`SELECT COUNT(*) FROM repairs WHERE state <> 'written'`).Scan(&other); err != nil || other != 0 {
		t.Fatalf("%d repairs left in another state (%v)", other, err)
	}
	// Exactly one copy of the card got the 100 元: the one on the desk that wrote. With one
	// clerk at both desks, until the repair named the desk session that began it, the second desk resumed the first desk's fresh intent, found no
	// Ref on its own copy and wrote it too (app/desk.go beginRepair, TestDesk_SameClerkOnTwoDesksWaitsForTheOther).
	b0, b1 := s.balance(card0), s.balance(card1)
	writer, idle := b0, b1
	if wb {
		writer, idle = b1, b0
	}
	if writer != 3520+10000 || idle != 3520 {
		t.Fatalf("balances: reader 0 copy %d fen, reader 1 copy %d fen; want the writing desk's at 13520 and the other at 3520", b0, b1)
	}
}
