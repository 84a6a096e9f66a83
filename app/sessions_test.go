package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
)

// A login's session: the token works until logout, expiry or idleness, and ends at once
// when the account is disabled, given another role or a new password. The ledger keeps only
// the token's hash.
func TestSessions_EndWhenTheyShould(t *testing.T) {
	login := func(s *apptest.Site) app.Actor {
		t.Helper()
		a, err := s.Svc.Login(ctx, "clerk1", "clerk-pass-1")
		must(t, err)
		if !strings.HasPrefix(a.Session, "ccs_") {
			t.Fatalf("login gave no session: %+v", a)
		}
		return a
	}
	use := func(s *apptest.Site, a app.Actor) error {
		_, err := s.Svc.AwaitingDesk(ctx, a, apptest.UserCard(0))
		return err
	}
	t.Run("works, then logout ends it", func(t *testing.T) {
		s := apptest.New(t, apptest.Options{})
		a := login(s)
		must(t, use(s, a))
		if got, err := s.Svc.SessionActor(ctx, a.Session); err != nil || got.User != "clerk1" || got.Role != app.RoleClerk {
			t.Fatalf("SessionActor %+v %v", got, err)
		}
		must(t, s.Svc.Logout(ctx, a))
		wantCode(t, use(s, a), app.CodeSessionEnded)
		_, err := s.Svc.SessionActor(ctx, a.Session)
		wantCode(t, err, app.CodeSessionEnded)
		must(t, s.Svc.Logout(ctx, a)) // a second logout (a retry) is not an error
		if e := s.LastAudit(); e.Action != "logout" || e.Actor != "clerk1" {
			t.Fatalf("last audit %+v, want clerk1's logout", e)
		}
	})
	t.Run("idle", func(t *testing.T) {
		s := apptest.New(t, apptest.Options{})
		a := login(s)
		for range 5 { // in use: every 20 minutes keeps it open past the idle timeout
			s.Clock.Advance(20 * time.Minute)
			must(t, use(s, a))
		}
		s.Clock.Advance(s.Cfg.SessionIdle + time.Second)
		wantCode(t, use(s, a), app.CodeSessionEnded)
	})
	t.Run("lifetime", func(t *testing.T) {
		s := apptest.New(t, apptest.Options{})
		a := login(s)
		for s.Clock.Now().Before(apptest.Start.Add(s.Cfg.SessionLifetime - 20*time.Minute)) {
			s.Clock.Advance(20 * time.Minute)
			must(t, use(s, a))
		}
		s.Clock.Advance(25 * time.Minute)
		wantCode(t, use(s, a), app.CodeSessionEnded)
	})
	for name, change := range map[string]func(st *app.Staff){
		"disabled":     func(st *app.Staff) { st.Enabled = false },
		"new role":     func(st *app.Staff) { st.Role = app.RoleSupervisor },
		"new password": func(st *app.Staff) { st.PasswordHash = "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$aGFzaA" },
	} {
		t.Run(name, func(t *testing.T) {
			s := apptest.New(t, apptest.Options{})
			a := login(s)
			must(t, s.Store.Update(ctx, func(tx app.Tx) error {
				st, err := tx.Staff("clerk1")
				if err != nil {
					return err
				}
				change(&st)
				return tx.UpdateStaff(st)
			}))
			wantCode(t, use(s, a), app.CodeSessionEnded)
			_, err := s.Svc.SessionActor(ctx, a.Session)
			wantCode(t, err, app.CodeSessionEnded)
		})
	}
	t.Run("a token is not a name", func(t *testing.T) {
		s := apptest.New(t, apptest.Options{})
		a := login(s)
		other := a
		other.User = "admin" // the clerk's token with the admin's name
		other.Role = app.RoleAdmin
		wantCode(t, use(s, other), app.CodeSessionEnded)
		for _, tok := range []string{"", "ccs_", "ccs_" + strings.Repeat("A", 43), a.Session + "x", strings.Repeat("x", 4000)} {
			if _, err := s.Svc.SessionActor(ctx, tok); err == nil {
				t.Fatalf("SessionActor(%.20q) accepted", tok)
			}
		}
	})
}

// The ledger file holds no token, only its hash; the session rows cannot be rewritten.
func TestSessions_TheLedgerKeepsOnlyTheHash(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	a, err := s.Svc.Login(context.Background(), "clerk1", "clerk-pass-1")
	must(t, err)
	db := s.RawDB()
	var hash string
	if err := db.QueryRow(`SELECT token_hash FROM staff_sessions`).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if hash != app.SessionTokenHash(a.Session) || strings.Contains(hash, a.Session[4:]) {
		t.Fatalf("stored %q for token %q", hash, a.Session)
	}
	for _, q := range []string{
		`UPDATE staff_sessions SET username = 'admin'`,
		`UPDATE staff_sessions SET expires_at = expires_at + 86400000`,
		`UPDATE staff_sessions SET last_seen = last_seen - 1`,
		`DELETE FROM staff_sessions`,
		`INSERT INTO staff_sessions(token_hash, username, stamp, started_at, last_seen, expires_at) VALUES ('ccs_plain', 'admin', 'x', 0, 0, 1)`,
		`INSERT OR REPLACE INTO staff_sessions(token_hash, username, stamp, started_at, last_seen, expires_at) SELECT token_hash, 'admin', stamp, started_at, last_seen, expires_at FROM staff_sessions`,
	} {
		if _, err := db.Exec(q); err == nil {
			t.Errorf("the ledger took %s", q)
		}
	}
	if _, err := db.Exec(`UPDATE staff_sessions SET ended_at = 1`); err != nil {
		t.Fatalf("ending a session: %v", err)
	}
	if _, err := db.Exec(`UPDATE staff_sessions SET ended_at = NULL`); err == nil {
		t.Error("an ended session was reopened")
	}
}
