package staff_test

import (
	"cardcenter/views/pages/staff"
	"context"
	"errors"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/views/viewtest"
)

func TestAdmStaffScreens(t *testing.T) {
	for _, lang := range viewtest.Langs {
		t.Run(lang, func(t *testing.T) {
			d, p := viewtest.OpenPage(t, lang, viewtest.Admin, staff.New)
			d.Site.Staff("boss", app.RoleSupervisor)
			viewtest.LockStaff(t, d.Site, "clerk1")
			d.Site.Svc.Login(context.Background(), "boss", "wrong-pass-0")
			p = viewtest.DrivePage(p, viewtest.Ctrl('r'))
			viewtest.Shot(t, p, "list")
			p = viewtest.Shot(t, p, "new", "n")
			p = viewtest.Shot(t, p, "reset", "esc", "down", "down", "r")
			p = viewtest.Shot(t, p, "role", "esc", "o")
			p = viewtest.Shot(t, p, "unlock", "esc", "u")
			viewtest.Shot(t, p, "disable", "n", "d")
		})
	}
}

// The rows in name order: admin, boss, clerk1.
func TestAdmStaffUnlockAndResetAPassword(t *testing.T) {
	d, p := viewtest.OpenPage(t, "zh", viewtest.Admin, staff.New)
	s, ctx := d.Site, context.Background()
	viewtest.LockStaff(t, s, "clerk1")
	p = viewtest.DrivePage(p, viewtest.Ctrl('r'))
	viewtest.Want(t, p, "clerk1       柜员一       柜员       是   已锁定 2026-03-02 10:00")
	p = viewtest.Keys(p, "down", "u")
	viewtest.Want(t, p, "解锁账号 clerk1(柜员一)?")
	p = viewtest.Keys(p, "enter") // the default: no
	if _, err := s.Svc.Login(ctx, "clerk1", "clerk-pass-1"); !errors.Is(err, app.CodeStaffLocked) {
		t.Fatalf("the default answer unlocked: %v", err)
	}
	p = viewtest.Keys(p, "u", "y")
	viewtest.Want(t, p, "已解锁 clerk1")
	viewtest.WantNot(t, p, "已锁定")
	if _, err := s.Svc.Login(ctx, "clerk1", "clerk-pass-1"); err != nil {
		t.Fatalf("after unlock: %v", err)
	}

	// A reset: masked, typed twice, the ledger's policy, and it unlocks.
	viewtest.LockStaff(t, s, "clerk1")
	p = viewtest.DrivePage(p, viewtest.Ctrl('r'))
	p = viewtest.Keys(p, "r")
	p = viewtest.TypePage(p, "short")
	p = viewtest.Keys(p, "enter")
	p = viewtest.TypePage(p, "short")
	p = viewtest.Keys(p, "enter")
	viewtest.Want(t, p, "输入有误:密码应为 8 至 128 个字符") // the ledger's rule, in the form
	for range "short" {
		p = viewtest.Keys(p, "backspace")
	}
	p = viewtest.Keys(p, "up")
	for range "short" {
		p = viewtest.Keys(p, "backspace")
	}
	p = viewtest.NewSecret(t, p, "fresh-pass-7", "两次输入的密码不一致")
	viewtest.Want(t, p, "已重置 clerk1 的密码,已解除锁定")
	viewtest.WantNot(t, p, "已锁定")
	if _, err := s.Svc.Login(ctx, "clerk1", "clerk-pass-1"); !errors.Is(err, app.CodeBadCredentials) {
		t.Fatalf("the old password: %v", err)
	}
	if _, err := s.Svc.Login(ctx, "clerk1", "fresh-pass-7"); err != nil {
		t.Fatalf("the new password: %v", err)
	}
}

// A new account from the form; a role change and a disable end the person's rights at
// their next action; the last admin stays, with the ledger's reason on the screen.
func TestAdmStaffCreateRoleDisable(t *testing.T) {
	d, p := viewtest.OpenPage(t, "en", viewtest.Admin, staff.New)
	s, ctx := d.Site, context.Background()
	p = viewtest.Keys(p, "n")
	p = viewtest.TypePage(p, "wang")
	p = viewtest.Keys(p, "tab")
	p = viewtest.TypePage(p, "王老师")
	p = viewtest.Keys(p, "tab", "right", "tab") // supervisor
	p = viewtest.TypePage(p, "wang-pass-1")
	p = viewtest.Keys(p, "tab")
	p = viewtest.TypePage(p, "wang-pass-1")
	p = viewtest.Keys(p, "enter")
	viewtest.Want(t, p, "Created account wang", "wang         王老师       supervisor yes")
	wang, err := s.Svc.Login(ctx, "wang", "wang-pass-1")
	if err != nil || wang.Role != app.RoleSupervisor {
		t.Fatalf("login %+v %v", wang, err)
	}

	// wang is the third row (admin, clerk1, wang): make them an admin.
	p = viewtest.Keys(p, "down", "down", "o", "right", "enter")
	viewtest.Want(t, p, "wang is now admin", "wang         王老师       admin      yes")
	if _, err := s.Svc.Report(ctx, wang, "2026-03-02", "2026-03-02"); !errors.Is(err, app.CodeSessionEnded) {
		t.Fatalf("the old role's session: %v", err)
	}
	if e := s.LastAudit(); e.Action != "staff_role" || e.Subject != "staff:wang" || e.Detail != "role supervisor→admin" {
		t.Fatalf("audit %+v", e)
	}

	// Disable clerk1: its desk ends at the next action.
	p = viewtest.Keys(p, "up", "d")
	viewtest.Want(t, p, "Disable clerk1 (柜员一)?")
	p = viewtest.Keys(p, "y")
	viewtest.Want(t, p, "Disabled clerk1", "clerk1       柜员一       clerk      no")
	if _, err := s.Svc.AwaitingDesk(ctx, s.Clerk, apptest.UserCard(0)); !errors.Is(err, app.CodeSessionEnded) {
		t.Fatalf("a disabled clerk: %v", err)
	}
	p = viewtest.Keys(p, "d", "y")
	viewtest.Want(t, p, "Enabled clerk1", "clerk1       柜员一       clerk      yes")

	// The last usable admin: wang disabled, then admin may not go.
	p = viewtest.Keys(p, "down", "d", "y", "up", "up", "d", "y")
	viewtest.Want(t, p, "the last enabled admin account cannot be disabled or given another role")
	p = viewtest.Keys(p, "o", "left", "enter")
	viewtest.Want(t, p, "the last enabled admin account cannot be disabled or given another role", "Change the role of admin")
}
