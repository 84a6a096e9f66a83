package views_test

import (
	"context"
	"strings"
	"testing"

	"cardcenter/app"
	"cardcenter/views/viewtest"
)

// Every role changes its own password from the root (ctrl+p, in the full help): the
// current one and the new one twice, masked; a wrong current one is refused and counted.
func TestChangeMyPasswordDialog(t *testing.T) {
	for _, lang := range viewtest.Langs {
		t.Run(lang, func(t *testing.T) {
			d := viewtest.New(t, app.Actor{}, lang)
			d.C.Cards = nil
			s := d.Site
			s.Staff("boss", app.RoleSupervisor)
			m := viewtest.OpenRoot(d)
			login := func(user, pass string) {
				m = viewtest.LogIn(m, user, pass)
			}
			login("boss", "boss-pass-1")
			m = viewtest.Drive(m, viewtest.Key("?"))
			if sc := viewtest.Screen(m); !strings.Contains(sc, "ctrl+p") || !strings.Contains(sc, d.C.T("修改我的密码", "change my password")) {
				t.Fatalf("the full help does not offer it:\n%s", sc)
			}
			m = viewtest.Drive(m, viewtest.Key("?"))
			m = viewtest.Drive(m, viewtest.Ctrl('p'))
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
			m = viewtest.Drive(m, viewtest.Ctrl('p'))
			typeAll("boss-pass-1", "boss-pass-2", "boss-pass-2")
			t.Run("done", func(t *testing.T) { viewtest.Golden(t, viewtest.Screen(m)) })
			m = viewtest.Drive(m, viewtest.Key("enter"))
			m = viewtest.Drive(m, viewtest.Ctrl('l'))
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
	m := viewtest.OpenRoot(d)
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
