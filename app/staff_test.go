package app_test

import (
	"context"
	"strings"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
)

// auditOf is the audit entries with action about subject, oldest first.
func auditOf(t *testing.T, s *apptest.Site, action, subject string) []app.AuditEntry {
	t.Helper()
	es, err := s.Svc.Audit(context.Background(), app.SystemActor, 100000)
	must(t, err)
	var out []app.AuditEntry
	for i := len(es) - 1; i >= 0; i-- {
		if es[i].Action == action && es[i].Subject == subject {
			out = append(out, es[i])
		}
	}
	return out
}

func staffInfo(t *testing.T, s *apptest.Site, user string) app.StaffInfo {
	t.Helper()
	list, err := s.Svc.StaffList(context.Background(), s.Admin)
	must(t, err)
	for _, st := range list {
		if st.Username == user {
			return st
		}
	}
	t.Fatalf("no staff %s in %+v", user, list)
	return app.StaffInfo{}
}

// Every login is audited, good or not, under the name typed; never with the password.
func TestStaff_LoginsAndFailedLoginsAreAudited(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	_, err := s.Svc.Login(ctx, "clerk1", "not-the-pass-9")
	wantCode(t, err, app.CodeBadCredentials)
	_, err = s.Svc.Login(ctx, "nobody", "nobodys-pass-9")
	wantCode(t, err, app.CodeBadCredentials)
	must(t, s.Svc.SetStaffEnabled(ctx, s.Admin, s.Staff("gone", app.RoleClerk).User, false))
	_, err = s.Svc.Login(ctx, "gone", "gone-pass-1")
	wantCode(t, err, app.CodeBadCredentials) // a disabled account says no more than a wrong password
	s.Clock.Advance(60e9)
	who, err := s.Svc.Login(ctx, "clerk1", "clerk-pass-1")
	must(t, err)
	if who.User != s.Clerk.User || who.Role != s.Clerk.Role || who.Session == "" {
		t.Fatalf("login %+v", who)
	}

	for _, c := range []struct{ action, subject, actor, detail string }{
		{"login_failed", "staff:clerk1", "clerk1", "wrong password 1 of 5"},
		{"login_failed", "staff:nobody", "nobody", "no such account"},
		{"login_failed", "staff:gone", "gone", "disabled"},
		{"login", "staff:clerk1", "clerk1", "role=clerk"},
	} {
		es := auditOf(t, s, c.action, c.subject)
		if len(es) != 1 || es[0].Actor != c.actor || es[0].Detail != c.detail {
			t.Errorf("%s %s: %+v, want one by %s saying %q", c.action, c.subject, es, c.actor, c.detail)
		}
	}
	if e := auditOf(t, s, "login", "staff:clerk1"); len(e) == 1 && !e[0].At.Equal(s.Clock.Now()) {
		t.Errorf("login at %v, want %v", e[0].At, s.Clock.Now())
	}
	es, err := s.Svc.Audit(ctx, app.SystemActor, 1000)
	must(t, err)
	for _, e := range es {
		for _, pw := range []string{"not-the-pass-9", "nobodys-pass-9", "gone-pass-1", "clerk-pass-1"} {
			if strings.Contains(e.Actor+e.Subject+e.Detail, pw) {
				t.Errorf("the audit log holds a password: %+v", e)
			}
		}
	}
}

// MaxWrongPasswords wrong passwords in a row lock the account: the right password is then
// refused too, with STAFF_LOCKED, until an admin unlocks it. A good login clears the count.
func TestStaff_WrongPasswordsLockUntilAnAdminUnlocks(t *testing.T) {
	s := apptest.New(t, apptest.Options{Config: func(c *app.Config) { c.MaxWrongPasswords = 3 }})
	if got := s.Svc.Settings().MaxWrongPasswords; got != 3 {
		t.Fatalf("settings say %d", got)
	}
	wrong := func(n int) {
		t.Helper()
		for i := 0; i < n; i++ {
			_, err := s.Svc.Login(ctx, "clerk1", "wrong-pass-1")
			wantCode(t, err, app.CodeBadCredentials)
		}
	}
	// Not in a row: a good login in between clears the count.
	wrong(2)
	if st := staffInfo(t, s, "clerk1"); st.WrongTries != 2 || st.Locked {
		t.Fatalf("after 2 wrong: %+v", st)
	}
	_, err := s.Svc.Login(ctx, "clerk1", "clerk-pass-1")
	must(t, err)
	if st := staffInfo(t, s, "clerk1"); st.WrongTries != 0 {
		t.Fatalf("a good login left %+v", st)
	}
	wrong(2)
	_, err = s.Svc.Login(ctx, "clerk1", "wrong-pass-1")
	wantCode(t, err, app.CodeStaffLocked) // the third in a row locks
	st := staffInfo(t, s, "clerk1")
	if !st.Locked || !st.LockedAt.Equal(s.Clock.Now()) || st.WrongTries != 3 {
		t.Fatalf("not locked: %+v", st)
	}
	if len(auditOf(t, s, "staff_locked", "staff:clerk1")) != 1 {
		t.Fatal("the lock is not audited")
	}
	_, err = s.Svc.Login(ctx, "clerk1", "clerk-pass-1")
	wantCode(t, err, app.CodeStaffLocked)
	if e := auditOf(t, s, "login_failed", "staff:clerk1"); e[len(e)-1].Detail != "locked" {
		t.Fatalf("last failed login %+v", e[len(e)-1])
	}
	// Only an admin unlocks.
	wantCode(t, s.Svc.UnlockStaff(ctx, s.Clerk, "clerk1"), app.CodePermission)
	must(t, s.Svc.UnlockStaff(ctx, s.Admin, "clerk1"))
	if st := staffInfo(t, s, "clerk1"); st.Locked || st.WrongTries != 0 {
		t.Fatalf("unlocked: %+v", st)
	}
	if e := auditOf(t, s, "staff_unlock", "staff:clerk1"); len(e) != 1 || e[0].Actor != "admin" || e[0].Detail != "wrong_tries 3→0 locked=true→false" {
		t.Fatalf("unlock audit %+v", e)
	}
	_, err = s.Svc.Login(ctx, "clerk1", "clerk-pass-1")
	must(t, err)
	// An unknown name locks nothing and is told nothing more.
	for i := 0; i < 5; i++ {
		_, err = s.Svc.Login(ctx, "nobody", "wrong-pass-1")
		wantCode(t, err, app.CodeBadCredentials)
	}
}

// An admin's reset sets a new password and unlocks: the new one logs in, the old one no more.
func TestStaff_ResetPasswordUnlocksAndOnlyTheNewOneLogsIn(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	for i := 0; i < s.Cfg.MaxWrongPasswords; i++ {
		s.Svc.Login(ctx, "clerk1", "wrong-pass-1")
	}
	if !staffInfo(t, s, "clerk1").Locked {
		t.Fatal("fixture: not locked")
	}
	wantCode(t, s.Svc.ResetStaffPassword(ctx, s.Admin, "clerk1", "short"), app.CodeBadInput)
	wantCode(t, s.Svc.ResetStaffPassword(ctx, s.Admin, "nobody", "long-enough-1"), app.CodeNotFound)
	wantCode(t, s.Svc.ResetStaffPassword(ctx, s.Clerk, "clerk1", "long-enough-1"), app.CodePermission)
	must(t, s.Svc.ResetStaffPassword(ctx, s.Admin, "clerk1", "new-clerk-pass"))
	if st := staffInfo(t, s, "clerk1"); st.Locked || st.WrongTries != 0 {
		t.Fatalf("after reset %+v", st)
	}
	_, err := s.Svc.Login(ctx, "clerk1", "clerk-pass-1")
	wantCode(t, err, app.CodeBadCredentials)
	who, err := s.Svc.Login(ctx, "clerk1", "new-clerk-pass")
	must(t, err)
	if who.User != s.Clerk.User || who.Role != s.Clerk.Role || who.Session == "" {
		t.Fatalf("login %+v", who)
	}
	e := auditOf(t, s, "staff_reset_password", "staff:clerk1")
	if len(e) != 1 || e[0].Actor != "admin" || strings.Contains(e[0].Detail, "new-clerk-pass") || !strings.Contains(e[0].Detail, "locked=true→false") {
		t.Fatalf("reset audit %+v", e)
	}
}

// Anyone changes their own password with the current one; a wrong current one is refused,
// changes nothing and counts towards the lock.
func TestStaff_ChangeOwnPassword(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	boss := s.Staff("boss", app.RoleSupervisor)
	wantCode(t, s.Svc.ChangeOwnPassword(ctx, boss, "wrong-pass-1", "boss-pass-2"), app.CodeWrongPassword)
	if st := staffInfo(t, s, "boss"); st.WrongTries != 1 {
		t.Fatalf("a wrong current password was not counted: %+v", st)
	}
	wantCode(t, s.Svc.ChangeOwnPassword(ctx, boss, "boss-pass-1", "short"), app.CodeBadInput)
	wantCode(t, s.Svc.ChangeOwnPassword(ctx, boss, "boss-pass-1", "boss-pass-1"), app.CodeBadInput)
	if _, err := s.Svc.Login(ctx, "boss", "boss-pass-1"); err != nil {
		t.Fatalf("refused changes changed the password: %v", err)
	}
	must(t, s.Svc.ChangeOwnPassword(ctx, boss, "boss-pass-1", "boss-pass-2"))
	_, err := s.Svc.Login(ctx, "boss", "boss-pass-1")
	wantCode(t, err, app.CodeBadCredentials)
	if _, err := s.Svc.Login(ctx, "boss", "boss-pass-2"); err != nil {
		t.Fatalf("the new password: %v", err)
	}
	if e := auditOf(t, s, "password_change", "staff:boss"); len(e) != 1 || e[0].Actor != "boss" || e[0].Detail != "" {
		t.Fatalf("audit %+v", e)
	}
	if e := auditOf(t, s, "password_change_failed", "staff:boss"); len(e) != 1 || e[0].Detail != "wrong password 1 of 5" {
		t.Fatalf("audit %+v", e)
	}
	// Guessing at the current password from a desk left logged in locks the account.
	for i := 0; i < s.Cfg.MaxWrongPasswords-1; i++ {
		wantCode(t, s.Svc.ChangeOwnPassword(ctx, boss, "wrong-pass-1", "boss-pass-3"), app.CodeWrongPassword)
	}
	wantCode(t, s.Svc.ChangeOwnPassword(ctx, boss, "wrong-pass-1", "boss-pass-3"), app.CodeStaffLocked)
	wantCode(t, s.Svc.ChangeOwnPassword(ctx, boss, "boss-pass-2", "boss-pass-3"), app.CodeStaffLocked)
	_, err = s.Svc.Login(ctx, "boss", "boss-pass-2")
	wantCode(t, err, app.CodeStaffLocked)
}

// A disabled account, or one given another role, is refused at its next action, whatever
// its desk still shows: SESSION_ENDED; logging in again gives the new role.
func TestStaff_DisableOrRoleChangeEndsTheSession(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	clerk2 := s.Staff("clerk2", app.RoleClerk)
	admin2 := s.Staff("admin2", app.RoleAdmin)
	if _, err := s.Svc.AwaitingDesk(ctx, clerk2, apptest.UserCard(0)); err != nil {
		t.Fatal(err)
	}
	must(t, s.Svc.SetStaffEnabled(ctx, s.Admin, "clerk2", false))
	_, err := s.Svc.AwaitingDesk(ctx, clerk2, apptest.UserCard(0))
	wantCode(t, err, app.CodeSessionEnded)
	wantCode(t, s.Svc.ChangeOwnPassword(ctx, clerk2, "clerk2-pass-1", "clerk2-pass-2"), app.CodeSessionEnded)
	_, err = s.Svc.Login(ctx, "clerk2", "clerk2-pass-1")
	wantCode(t, err, app.CodeBadCredentials)
	must(t, s.Svc.SetStaffEnabled(ctx, s.Admin, "clerk2", true))
	if _, err := s.Svc.Login(ctx, "clerk2", "clerk2-pass-1"); err != nil {
		t.Fatalf("enabled again: %v", err)
	}

	if _, err := s.Svc.StaffList(ctx, admin2); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.Svc.SetStaffRole(ctx, s.Admin, "admin2", "root"), app.CodeBadInput)
	must(t, s.Svc.SetStaffRole(ctx, s.Admin, "admin2", app.RoleSupervisor))
	_, err = s.Svc.StaffList(ctx, admin2)
	wantCode(t, err, app.CodeSessionEnded)
	_, err = s.Svc.Report(ctx, admin2, "2026-03-01", "2026-03-01")
	wantCode(t, err, app.CodeSessionEnded)
	who, err := s.Svc.Login(ctx, "admin2", "admin2-pass-1")
	must(t, err)
	if who.Role != app.RoleSupervisor {
		t.Fatalf("logged in as %+v", who)
	}
	if _, err := s.Svc.Report(ctx, who, "2026-03-01", "2026-03-01"); err != nil {
		t.Fatalf("the new role: %v", err)
	}
	if e := auditOf(t, s, "staff_role", "staff:admin2"); len(e) != 1 || e[0].Detail != "role admin→supervisor" {
		t.Fatalf("audit %+v", e)
	}
}

// The site keeps an enabled, unlocked admin: the last one is neither disabled nor demoted,
// or no one could unlock, reset or create an account again.
func TestStaff_TheLastAdminStays(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	before := s.Ledger()
	wantCode(t, s.Svc.SetStaffEnabled(ctx, s.Admin, "admin", false), app.CodeLastAdmin)
	wantCode(t, s.Svc.SetStaffRole(ctx, s.Admin, "admin", app.RoleClerk), app.CodeLastAdmin)
	if after := s.Ledger(); after != before {
		t.Fatal("a refused change changed the ledger")
	}
	// A locked second admin does not count: it cannot unlock anyone.
	s.Staff("admin2", app.RoleAdmin)
	for i := 0; i < s.Cfg.MaxWrongPasswords; i++ {
		s.Svc.Login(ctx, "admin2", "wrong-pass-1")
	}
	wantCode(t, s.Svc.SetStaffEnabled(ctx, s.Admin, "admin", false), app.CodeLastAdmin)
	must(t, s.Svc.UnlockStaff(ctx, s.Admin, "admin2"))
	must(t, s.Svc.SetStaffRole(ctx, s.Admin, "admin", app.RoleSupervisor))
	wantCode(t, s.Svc.SetStaffEnabled(ctx, app.Actor{User: "admin2", Role: app.RoleAdmin}, "admin2", false), app.CodeLastAdmin)
}

// The password policy is the same wherever a password is set, in characters, not bytes.
func TestStaff_PasswordPolicy(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	for _, pw := range []string{"", "1234567", "密码密码密码密", strings.Repeat("x", 129)} {
		wantCode(t, s.Svc.CreateStaff(ctx, s.Admin, "c9", "x", app.RoleClerk, pw), app.CodeBadInput)
		wantCode(t, s.Svc.ResetStaffPassword(ctx, s.Admin, "clerk1", pw), app.CodeBadInput)
		wantCode(t, s.Svc.ChangeOwnPassword(ctx, s.Clerk, "clerk-pass-1", pw), app.CodeBadInput)
	}
	e := wantCode(t, s.Svc.ResetStaffPassword(ctx, s.Admin, "clerk1", "1234567"), app.CodeBadInput)
	if !strings.Contains(e.ZH, "8") || !strings.Contains(e.EN, "8 to 128 characters") {
		t.Fatalf("the refusal does not say the rule: %q / %q", e.ZH, e.EN)
	}
	must(t, s.Svc.CreateStaff(ctx, s.Admin, "c9", "x", app.RoleClerk, "密码密码密码密码"))
	if _, err := s.Svc.Login(ctx, "c9", "密码密码密码密码"); err != nil {
		t.Fatal(err)
	}
}

// The same with real sessions, through the use cases an admin has: disabling the account,
// giving it another role, or resetting its password ends every session of it at once — each
// refused SESSION_ENDED at its next call and by SessionActor (what a host checks a desk's
// token with) — and leaves another account's session alone.
func TestStaff_AdminChangesEndTheAccountsLiveSessions(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(s *apptest.Site) error
	}{
		{"disabled", func(s *apptest.Site) error { return s.Svc.SetStaffEnabled(ctx, s.Admin, "clerk2", false) }},
		{"another role", func(s *apptest.Site) error { return s.Svc.SetStaffRole(ctx, s.Admin, "clerk2", app.RoleSupervisor) }},
		{"password reset", func(s *apptest.Site) error {
			return s.Svc.ResetStaffPassword(ctx, s.Admin, "clerk2", "clerk2-pass-9")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := apptest.New(t, apptest.Options{})
			s.Staff("clerk2", app.RoleClerk)
			s.Staff("clerk3", app.RoleClerk)
			deskA, err := s.Svc.Login(ctx, "clerk2", "clerk2-pass-1")
			must(t, err)
			deskB, err := s.Svc.Login(ctx, "clerk2", "clerk2-pass-1")
			must(t, err)
			other, err := s.Svc.Login(ctx, "clerk3", "clerk3-pass-1")
			must(t, err)
			for _, a := range []app.Actor{deskA, deskB, other} {
				if _, err := s.Svc.AwaitingDesk(ctx, a, apptest.UserCard(0)); err != nil {
					t.Fatalf("before the change, %s: %v", a.User, err)
				}
			}
			must(t, tc.change(s))
			for _, a := range []app.Actor{deskA, deskB} {
				_, err := s.Svc.AwaitingDesk(ctx, a, apptest.UserCard(0))
				wantCode(t, err, app.CodeSessionEnded)
				_, err = s.Svc.SessionActor(ctx, a.Session)
				wantCode(t, err, app.CodeSessionEnded)
			}
			if _, err := s.Svc.AwaitingDesk(ctx, other, apptest.UserCard(0)); err != nil {
				t.Fatalf("another account's session after the change: %v", err)
			}
		})
	}
}
