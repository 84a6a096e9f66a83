package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cardcenter/app"
)

// Issue 11.2, end to end: while a clerk's desk shows a card, an admin resets the clerk's
// password on the ledger. The desk's next call to the host is refused SESSION_ENDED; the desk
// says so over the screen with the user filled in; the clerk logs in with the new password
// and finds the card's screen as it was, and the repair is then done once, under the new
// session (the ledger's, never a name the desk sends).
func TestSessionEndedOnTheHostLetsTheClerkLogInAgainInTmux(t *testing.T) {
	s := newHostedTmuxSite(t)
	card := filepath.Join(s.demo, "card-20260001.json")
	s.card(card, "127.0.0.1:35963")
	d := s.desk("cardcenter-e2e-session-ended", "Virtual PCD 00 00")

	d.waitAny("Log in")
	d.keys("clerk", "Tab", "demo-clerk-1", "Enter")
	d.waitAny("not on card")
	s.onLedger("reset the clerk's password", func(svc *app.Service) error {
		return svc.ResetStaffPassword(context.Background(), app.SystemActor, "clerk", "demo-clerk-2")
	})
	ended := d.repair("session has ended", "rror", "Repaired.")
	if !strings.Contains(ended, "session has ended") || !strings.Contains(ended, "clerk") {
		t.Fatalf("the repair under an ended session:\n%s", ended)
	}
	if b := s.balance(card); b != 3520 {
		t.Fatalf("the card holds %d fen after a refused repair, want 3520", b)
	}
	d.keys("demo-clerk-2", "Enter") // the user is filled in, the cursor on the password
	// The desk carries on where it was and reads the card again under the new session.
	back := d.waitAny("not on card", "rong")
	if strings.Contains(back, "Log in") || !strings.Contains(back, "clerk · clerk") || strings.Contains(back, "log in again") {
		t.Fatalf("after logging in again:\n%s", back)
	}
	d.waitAny("not on card")
	d.repair("Repaired.")
	if b := s.balance(card); b != 3520+10000 {
		t.Fatalf("the card holds %d fen, want 13520: the 100 元 once", b)
	}

	raw := s.ledgerReadOnly()
	var repairs, sessions int
	var staff, bySession, newest string
	if err := raw.QueryRow(`SELECT COUNT(*), MIN(staff), MIN(desk_session) FROM repairs`).Scan(&repairs, &staff, &bySession); err != nil {
		t.Fatal(err)
	}
	if err := raw.QueryRow(`SELECT COUNT(*), (SELECT token_hash FROM staff_sessions WHERE username = 'clerk' ORDER BY started_at DESC LIMIT 1)
		FROM staff_sessions WHERE username = 'clerk'`).Scan(&sessions, &newest); err != nil {
		t.Fatal(err)
	}
	if repairs != 1 || staff != "clerk" || sessions != 2 || bySession != newest {
		t.Fatalf("%d repairs by %q under session %s; the clerk has %d sessions, the newest %s: want one repair under the new session",
			repairs, staff, bySession, sessions, newest)
	}
	d.quit(10*time.Second, "the desk")
}
