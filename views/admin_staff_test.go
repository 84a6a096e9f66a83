package views_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/views"
	"cardcenter/views/viewtest"
)

// lockStaff types wrong passwords for user until the account locks.
func lockStaff(t *testing.T, s *apptest.Site, user string) {
	t.Helper()
	for i := 0; i < s.Cfg.MaxWrongPasswords; i++ {
		if _, err := s.Svc.Login(context.Background(), user, "wrong-pass-0"); err == nil {
			t.Fatal("a wrong password logged in")
		}
	}
}

func ctrl(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Mod: tea.ModCtrl} }

func TestAdmStaffScreens(t *testing.T) {
	for _, lang := range viewtest.Langs {
		t.Run(lang, func(t *testing.T) {
			d, p := viewtest.OpenPage(t, lang, viewtest.Admin, views.NewStaffPage)
			d.Site.Staff("boss", app.RoleSupervisor)
			lockStaff(t, d.Site, "clerk1")
			d.Site.Svc.Login(context.Background(), "boss", "wrong-pass-0")
			p = viewtest.DrivePage(p, ctrl('r'))
			t.Run("list", func(t *testing.T) { viewtest.GoldenPage(t, p) })
			p = viewtest.Keys(p, "n")
			t.Run("new", func(t *testing.T) { viewtest.GoldenPage(t, p) })
			p = viewtest.Keys(p, "esc", "down", "down", "r")
			t.Run("reset", func(t *testing.T) { viewtest.GoldenPage(t, p) })
			p = viewtest.Keys(p, "esc", "o")
			t.Run("role", func(t *testing.T) { viewtest.GoldenPage(t, p) })
			p = viewtest.Keys(p, "esc", "u")
			t.Run("unlock", func(t *testing.T) { viewtest.GoldenPage(t, p) })
			p = viewtest.Keys(p, "n", "d")
			t.Run("disable", func(t *testing.T) { viewtest.GoldenPage(t, p) })
		})
	}
}

// The rows in name order: admin, boss, clerk1.
func TestAdmStaffUnlockAndResetAPassword(t *testing.T) {
	d, p := viewtest.OpenPage(t, "zh", viewtest.Admin, views.NewStaffPage)
	s, ctx := d.Site, context.Background()
	lockStaff(t, s, "clerk1")
	p = viewtest.DrivePage(p, ctrl('r'))
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
	lockStaff(t, s, "clerk1")
	p = viewtest.DrivePage(p, ctrl('r'))
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
	p = viewtest.TypePage(p, "fresh-pass-7")
	viewtest.WantNot(t, p, "fresh-pass-7") // masked
	p = viewtest.Keys(p, "enter")
	p = viewtest.TypePage(p, "fresh-pass-8")
	p = viewtest.Keys(p, "enter")
	viewtest.Want(t, p, "两次输入的密码不一致")
	p = viewtest.Keys(p, "backspace")
	p = viewtest.TypePage(p, "7")
	p = viewtest.Keys(p, "enter")
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
	d, p := viewtest.OpenPage(t, "en", viewtest.Admin, views.NewStaffPage)
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

// Every role changes its own password from the root (ctrl+p, in the full help): the
// current one and the new one twice, masked; a wrong current one is refused and counted.
func TestChangeMyPasswordDialog(t *testing.T) {
	for _, lang := range viewtest.Langs {
		t.Run(lang, func(t *testing.T) {
			d := viewtest.New(t, app.Actor{}, lang)
			d.C.Cards = nil
			s := d.Site
			s.Staff("boss", app.RoleSupervisor)
			var m tea.Model = views.NewRoot(d.C, views.Pages())
			m = viewtest.Drive(m, tea.WindowSizeMsg{Width: viewtest.Width, Height: viewtest.Height})
			m = viewtest.RunInit(m)
			login := func(user, pass string) {
				m = viewtest.Type(m, user)
				m = viewtest.Drive(m, viewtest.Key("tab"))
				m = viewtest.Type(m, pass)
				m = viewtest.Drive(m, viewtest.Key("enter"))
			}
			login("boss", "boss-pass-1")
			m = viewtest.Drive(m, viewtest.Key("?"))
			if sc := viewtest.Screen(m); !strings.Contains(sc, "ctrl+p") || !strings.Contains(sc, d.C.T("修改我的密码", "change my password")) {
				t.Fatalf("the full help does not offer it:\n%s", sc)
			}
			m = viewtest.Drive(m, viewtest.Key("?"))
			m = viewtest.Drive(m, ctrl('p'))
			t.Run("dialog", func(t *testing.T) { viewtest.Golden(t, viewtest.Screen(m)) })
			typeAll := func(old, pw, again string) {
				for _, f := range []string{old, pw, again} {
					m = viewtest.Type(m, f)
					m = viewtest.Drive(m, viewtest.Key("enter"))
				}
			}
			typeAll("wrong-pass-0", "boss-pass-2", "boss-pass-2")
			sc := viewtest.Screen(m)
			if !strings.Contains(sc, d.C.T("当前密码错误", "the current password is wrong")) {
				t.Fatalf("a wrong current password:\n%s", sc)
			}
			for _, pw := range []string{"wrong-pass-0", "boss-pass-2"} {
				if strings.Contains(sc, pw) {
					t.Fatalf("a password shows:\n%s", sc)
				}
			}
			if e := s.LastAudit(); e.Action != "password_change_failed" || e.Subject != "staff:boss" {
				t.Fatalf("audit %+v", e)
			}
			typeAll("boss-pass-1", "boss-pass-2", "boss-pass-3")
			if sc := viewtest.Screen(m); !strings.Contains(sc, d.C.T("两次输入的新密码不一致", "the two new passwords differ")) {
				t.Fatalf("new passwords that differ:\n%s", sc)
			}
			m = viewtest.Drive(m, viewtest.Key("esc")) // closes; nothing changed
			m = viewtest.Drive(m, ctrl('p'))
			typeAll("boss-pass-1", "boss-pass-2", "boss-pass-2")
			t.Run("done", func(t *testing.T) { viewtest.Golden(t, viewtest.Screen(m)) })
			m = viewtest.Drive(m, viewtest.Key("enter"))
			m = viewtest.Drive(m, ctrl('l'))
			login("boss", "boss-pass-1")
			if sc := viewtest.Screen(m); !strings.Contains(sc, d.C.T("用户名或密码错误", "wrong user name or password")) {
				t.Fatalf("the old password:\n%s", sc)
			}
			m = viewtest.Type(m, "boss-pass-2")
			m = viewtest.Drive(m, viewtest.Key("enter"))
			if sc := viewtest.Screen(m); !strings.Contains(sc, "boss · "+d.C.T("主管", "supervisor")) {
				t.Fatalf("the new password:\n%s", sc)
			}
		})
	}
}

// At the login screen, the wrong password that locks the account says so, and so does
// every try after it, the right password included, until an admin unlocks.
func TestLoginSaysTheAccountIsLocked(t *testing.T) {
	d := viewtest.New(t, app.Actor{}, "zh")
	d.C.Cards = nil
	var m tea.Model = views.NewRoot(d.C, views.Pages())
	m = viewtest.Drive(m, tea.WindowSizeMsg{Width: viewtest.Width, Height: viewtest.Height})
	m = viewtest.RunInit(m)
	m = viewtest.Type(m, "clerk1")
	m = viewtest.Drive(m, viewtest.Key("tab"))
	for i := 1; i <= d.Site.Cfg.MaxWrongPasswords; i++ {
		m = viewtest.Type(m, "wrong-pass-0")
		m = viewtest.Drive(m, viewtest.Key("enter"))
		sc := viewtest.Screen(m)
		want := "用户名或密码错误"
		if i == d.Site.Cfg.MaxWrongPasswords {
			want = "密码错误次数过多,账号已锁定,请联系管理员解锁"
		}
		if !strings.Contains(sc, want) {
			t.Fatalf("try %d:\n%s", i, sc)
		}
	}
	m = viewtest.Type(m, "clerk-pass-1")
	m = viewtest.Drive(m, viewtest.Key("enter"))
	if sc := viewtest.Screen(m); !strings.Contains(sc, "账号已锁定") || strings.Contains(sc, "clerk1 · 柜员") {
		t.Fatalf("the right password while locked:\n%s", sc)
	}
	if err := d.Site.Svc.UnlockStaff(context.Background(), d.Site.Admin, "clerk1"); err != nil {
		t.Fatal(err)
	}
	m = viewtest.Type(m, "clerk-pass-1")
	m = viewtest.Drive(m, viewtest.Key("enter"))
	if sc := viewtest.Screen(m); !strings.Contains(sc, "clerk1 · 柜员") {
		t.Fatalf("after unlock:\n%s", sc)
	}
}
