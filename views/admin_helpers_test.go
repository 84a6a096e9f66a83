package views_test

import (
	"cardcenter/views/common"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"

	"cardcenter/app"
	"cardcenter/views/viewtest"
)

var admLangs = []string{"zh", "en"}

// admActor is the fixture's admin as the desk knows them.
var admActor = app.Actor{User: "admin", Role: app.RoleAdmin}

// admPage builds a screen at 80×24 (less the tab line and help bar) and runs its Init.
func admPage(t *testing.T, lang string, actor app.Actor, build func(*common.Common) common.Page) (*viewtest.Desk, common.Page) {
	t.Helper()
	d := viewtest.New(t, actor, lang)
	p := build(d.C)
	p.SetSize(viewtest.Width, viewtest.Height-3)
	p = viewtest.RunPageCmd(p, p.Init())
	return d, p
}

func admKeys(p common.Page, keys ...string) common.Page {
	for _, k := range keys {
		p = viewtest.DrivePage(p, viewtest.Key(k))
	}
	return p
}

func admWant(t *testing.T, p common.Page, want ...string) string {
	t.Helper()
	s := viewtest.PageScreen(p)
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Fatalf("screen lacks %q:\n%s", w, s)
		}
	}
	return s
}

func admWantNot(t *testing.T, p common.Page, nope ...string) {
	t.Helper()
	s := viewtest.PageScreen(p)
	for _, w := range nope {
		if strings.Contains(s, w) {
			t.Fatalf("screen shows %q:\n%s", w, s)
		}
	}
}

// admFits checks every line of the page fits the 80 columns and the page's height.
func admFits(t *testing.T, p common.Page, height int) {
	t.Helper()
	s := strings.TrimRight(viewtest.PageScreen(p), "\n")
	lines := strings.Split(s, "\n")
	if len(lines) > height {
		t.Errorf("%d lines, room for %d:\n%s", len(lines), height, s)
	}
	for _, l := range lines {
		if w := lipglossWidth(l); w > viewtest.Width {
			t.Errorf("line of %d cells: %q", w, l)
		}
	}
}

// admGolden compares the page at 80×24 inside the desk's frame with its golden file.
func admGolden(t *testing.T, p common.Page) {
	t.Helper()
	admFits(t, p, viewtest.Height-3)
	viewtest.Golden(t, viewtest.PageScreen(p))
}

func lipglossWidth(s string) int { return lipgloss.Width(s) }
