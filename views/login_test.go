package views_test

import (
	"cardcenter/views/common"
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

func TestLoginScreens(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		t.Run(lang, func(t *testing.T) {
			d := viewtest.New(t, app.Actor{}, lang)
			d.C.Cards = nil // no reader watch in synchronous tests
			var m tea.Model = views.NewRoot(d.C, nil)
			m = viewtest.Drive(m, tea.WindowSizeMsg{Width: viewtest.Width, Height: viewtest.Height})
			m = viewtest.RunInit(m)
			viewtest.Golden(t, viewtest.Screen(m))
		})
	}
}

func TestLoginRefusesAWrongPasswordAndLetsTheRightOneIn(t *testing.T) {
	d := viewtest.New(t, app.Actor{}, "en")
	d.C.Cards = nil
	var m tea.Model = views.NewRoot(d.C, []common.PageSpec{{Roles: []app.Role{app.RoleClerk}, New: viewtest.StubPage("Repair")},
		{Roles: []app.Role{app.RoleAdmin}, New: viewtest.StubPage("Devices")}})
	m = viewtest.Drive(m, tea.WindowSizeMsg{Width: viewtest.Width, Height: viewtest.Height})
	m = viewtest.RunInit(m)
	m = viewtest.LogIn(m, "clerk1", "wrong-pass")
	if s := viewtest.Screen(m); !strings.Contains(s, "wrong user name or password") {
		t.Fatalf("wrong password:\n%s", s)
	}
	m = viewtest.Type(m, "clerk-pass-1")
	m = viewtest.Drive(m, viewtest.Key("enter"))
	s := viewtest.Screen(m)
	if !strings.Contains(s, "Repair") || strings.Contains(s, "Devices") || !strings.Contains(s, "clerk1 · clerk") {
		t.Fatalf("a clerk sees:\n%s", s)
	}
}

// Logging out ends the session in the ledger, not only on the screen: the token the desk
// held is refused afterwards.
func TestLogoutEndsTheSessionInTheLedger(t *testing.T) {
	d := viewtest.New(t, app.Actor{}, "en")
	d.C.Cards = nil
	var m tea.Model = views.NewRoot(d.C, []common.PageSpec{{Roles: []app.Role{app.RoleClerk}, New: viewtest.StubPage("Repair")}})
	m = viewtest.Drive(m, tea.WindowSizeMsg{Width: viewtest.Width, Height: viewtest.Height})
	m = viewtest.RunInit(m)
	m = viewtest.LogIn(m, "clerk1", "clerk-pass-1")
	held := d.C.Actor
	if held.Session == "" {
		t.Fatalf("logged in without a session: %+v", held)
	}
	if _, err := d.Site.Svc.SessionActor(context.Background(), held.Session); err != nil {
		t.Fatal(err)
	}
	m = viewtest.Drive(m, viewtest.Key("ctrl+l"))
	if s := viewtest.Screen(m); strings.Contains(s, "clerk1 · clerk") {
		t.Fatalf("still logged in:\n%s", s)
	}
	if _, err := d.Site.Svc.SessionActor(context.Background(), held.Session); !errors.Is(err, app.CodeSessionEnded) {
		t.Fatalf("after logout the token gives %v, want SESSION_ENDED", err)
	}
}

func TestFirstRunCreatesTheAdmin(t *testing.T) {
	d := viewtest.New(t, app.Actor{}, "zh")
	fresh := apptest.NewEmpty(t)
	d.C.Svc, d.C.Cards = fresh.Svc, nil
	var m tea.Model = views.NewRoot(d.C, []common.PageSpec{{Roles: []app.Role{app.RoleAdmin}, New: viewtest.StubPage("设备")}})
	m = viewtest.Drive(m, tea.WindowSizeMsg{Width: viewtest.Width, Height: viewtest.Height})
	m = viewtest.RunInit(m)
	if s := viewtest.Screen(m); !strings.Contains(s, "首次使用") {
		t.Fatalf("first run:\n%s", s)
	}
	m = viewtest.Type(m, "boss")
	m = viewtest.Drive(m, viewtest.Key("tab"))
	m = viewtest.LogIn(m, "secret-pass-9", "secret-pass-9")
	if s := viewtest.Screen(m); !strings.Contains(s, "boss · 管理员") || !strings.Contains(s, "设备") {
		t.Fatalf("after creating the admin:\n%s", s)
	}
	if need, _ := fresh.Svc.NeedsFirstAdmin(context.Background()); need {
		t.Fatal("no admin was created")
	}
}
