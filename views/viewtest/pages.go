package viewtest

import (
	"cardcenter/app"
	"cardcenter/views/common"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"charm.land/lipgloss/v2"
)

var Langs = []string{"zh", "en"}

// Admin is the fixture's admin as the desk knows them.
var Admin = app.Actor{User: "admin", Role: app.RoleAdmin}

// OpenPage builds a screen at 80×24 (less the tab line and help bar) and runs its Init.
func OpenPage(t *testing.T, lang string, actor app.Actor, build func(*common.Common) common.Page) (*Desk, common.Page) {
	t.Helper()
	d := New(t, actor, lang)
	p := build(d.C)
	p.SetSize(Width, PageHeight)
	p = RunPageCmd(p, p.Init())
	return d, p
}

// Shot presses keys on p, then compares the page with its golden file in the subtest
// name (GoldenPage); it returns the page the keys made.
func Shot(t *testing.T, p common.Page, name string, keys ...string) common.Page {
	t.Helper()
	p = Keys(p, keys...)
	t.Run(name, func(t *testing.T) { GoldenPage(t, p) })
	return p
}

// Fill types each field on the open form and presses enter after it.
func Fill(p common.Page, fields ...string) common.Page {
	for _, f := range fields {
		p = Keys(TypePage(p, f), "enter")
	}
	return p
}

// NewSecret types secret and, wrong in its last character, its repeat on the open form:
// it checks the secret is masked and the mismatch refused with mismatch, then corrects
// the repeat and submits it.
func NewSecret(t *testing.T, p common.Page, secret, mismatch string) common.Page {
	t.Helper()
	p = TypePage(p, secret)
	WantNot(t, p, secret) // masked
	p = Fill(p, "", secret[:len(secret)-1]+string(secret[len(secret)-1]+1))
	Want(t, p, mismatch)
	return Fill(Keys(p, "backspace"), secret[len(secret)-1:])
}

func Keys(p common.Page, keys ...string) common.Page {
	for _, k := range keys {
		p = DrivePage(p, Key(k))
	}
	return p
}

func Want(t *testing.T, p common.Page, want ...string) string {
	t.Helper()
	s := PageScreen(p)
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Fatalf("screen lacks %q:\n%s", w, s)
		}
	}
	return s
}

func WantNot(t *testing.T, p common.Page, nope ...string) {
	t.Helper()
	s := PageScreen(p)
	for _, w := range nope {
		if strings.Contains(s, w) {
			t.Fatalf("screen shows %q:\n%s", w, s)
		}
	}
}

// Fits checks every line of the page fits the 80 columns and the page's height.
func Fits(t *testing.T, p common.Page, height int) {
	t.Helper()
	s := strings.TrimRight(PageScreen(p), "\n")
	lines := strings.Split(s, "\n")
	if len(lines) > height {
		t.Errorf("%d lines, room for %d:\n%s", len(lines), height, s)
	}
	for _, l := range lines {
		if w := lipgloss.Width(l); w > Width {
			t.Errorf("line of %d cells: %q", w, l)
		}
	}
}

// GoldenPage compares the page at 80×24 inside the desk's frame with its golden file.
func GoldenPage(t *testing.T, p common.Page) {
	t.Helper()
	Fits(t, p, PageHeight)
	Golden(t, PageScreen(p))
}

// Stub is a screen with only a title, to see which screens a role gets.
type Stub struct{ title string }

func StubPage(title string) func(*common.Common) common.Page {
	return func(*common.Common) common.Page { return &Stub{title} }
}

func (p *Stub) Init() tea.Cmd { return nil }

func (p *Stub) Update(tea.Msg) (common.Page, tea.Cmd) { return p, nil }

func (p *Stub) View() string { return p.title + " screen" }

func (p *Stub) SetSize(int, int) {}

func (p *Stub) Title() string { return p.title }

func (p *Stub) ShortHelp() []key.Binding { return nil }

func (p *Stub) FullHelp() [][]key.Binding { return nil }

func (p *Stub) Busy() bool { return false }

func (p *Stub) Capturing() bool { return false }

// RunInit runs the root's Init commands.
func RunInit(m tea.Model) tea.Model {
	return RunCmd(m, m.Init())
}

// Offers reports whether the page's help bar offers an enabled binding shown as k (for
// example "enter" to settle the selected recharge).
func Offers(p common.Page, k string) bool {
	for _, b := range p.ShortHelp() {
		if b.Enabled() && b.Help().Key == k {
			return true
		}
	}
	return false
}
