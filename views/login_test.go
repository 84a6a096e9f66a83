package views_test

import (
	"cardcenter/views/common"
	"context"
	"errors"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
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
			m = runInit(m)
			viewtest.Golden(t, viewtest.Screen(m))
		})
	}
}

func TestLoginRefusesAWrongPasswordAndLetsTheRightOneIn(t *testing.T) {
	d := viewtest.New(t, app.Actor{}, "en")
	d.C.Cards = nil
	var m tea.Model = views.NewRoot(d.C, []common.PageSpec{{Roles: []app.Role{app.RoleClerk}, New: newStubPage("Repair")},
		{Roles: []app.Role{app.RoleAdmin}, New: newStubPage("Devices")}})
	m = viewtest.Drive(m, tea.WindowSizeMsg{Width: viewtest.Width, Height: viewtest.Height})
	m = runInit(m)
	m = viewtest.Type(m, "clerk1")
	m = viewtest.Drive(m, viewtest.Key("tab"))
	m = viewtest.Type(m, "wrong-pass")
	m = viewtest.Drive(m, viewtest.Key("enter"))
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
	var m tea.Model = views.NewRoot(d.C, []common.PageSpec{{Roles: []app.Role{app.RoleClerk}, New: newStubPage("Repair")}})
	m = viewtest.Drive(m, tea.WindowSizeMsg{Width: viewtest.Width, Height: viewtest.Height})
	m = runInit(m)
	m = viewtest.Type(m, "clerk1")
	m = viewtest.Drive(m, viewtest.Key("tab"))
	m = viewtest.Type(m, "clerk-pass-1")
	m = viewtest.Drive(m, viewtest.Key("enter"))
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
	var m tea.Model = views.NewRoot(d.C, []common.PageSpec{{Roles: []app.Role{app.RoleAdmin}, New: newStubPage("设备")}})
	m = viewtest.Drive(m, tea.WindowSizeMsg{Width: viewtest.Width, Height: viewtest.Height})
	m = runInit(m)
	if s := viewtest.Screen(m); !strings.Contains(s, "首次使用") {
		t.Fatalf("first run:\n%s", s)
	}
	m = viewtest.Type(m, "boss")
	m = viewtest.Drive(m, viewtest.Key("tab"))
	m = viewtest.Type(m, "secret-pass-9")
	m = viewtest.Drive(m, viewtest.Key("tab"))
	m = viewtest.Type(m, "secret-pass-9")
	m = viewtest.Drive(m, viewtest.Key("enter"))
	if s := viewtest.Screen(m); !strings.Contains(s, "boss · 管理员") || !strings.Contains(s, "设备") {
		t.Fatalf("after creating the admin:\n%s", s)
	}
	if need, _ := fresh.Svc.NeedsFirstAdmin(context.Background()); need {
		t.Fatal("no admin was created")
	}
}

// stubPage is a screen with only a title, to see which screens a role gets.
type stubPage struct{ title string }

func newStubPage(title string) func(*common.Common) common.Page {
	return func(*common.Common) common.Page { return &stubPage{title} }
}

func (p *stubPage) Init() tea.Cmd                         { return nil }
func (p *stubPage) Update(tea.Msg) (common.Page, tea.Cmd) { return p, nil }
func (p *stubPage) View() string                          { return p.title + " screen" }
func (p *stubPage) SetSize(int, int)                      {}
func (p *stubPage) Title() string                         { return p.title }
func (p *stubPage) ShortHelp() []key.Binding              { return nil }
func (p *stubPage) FullHelp() [][]key.Binding             { return nil }
func (p *stubPage) Busy() bool                            { return false }
func (p *stubPage) Capturing() bool                       { return false }

// runInit runs the root's Init commands.
func runInit(m tea.Model) tea.Model {
	return viewtest.RunCmd(m, m.Init())
}
