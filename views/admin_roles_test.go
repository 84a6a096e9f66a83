package views_test

import (
	"cardcenter/views/common"
	"cardcenter/views/pages/audit"
	"cardcenter/views/pages/bindings"
	"cardcenter/views/pages/cards"
	"cardcenter/views/pages/devices"
	"cardcenter/views/pages/operators"
	"cardcenter/views/pages/staff"
	"context"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/views"
	"cardcenter/views/viewtest"
)

var admPages = []struct {
	name  string
	build func(*common.Common) common.Page
	// keys that change something on the first row, with their answers (y to a question)
	keys []string
}{
	{"bindings", bindings.New, []string{"u", "y", "b"}},
	{"devices", devices.New, []string{"d", "y", "s", "y", "x", "n", "e"}},
	{"operators", operators.New, []string{"n", "e", "p"}},
	{"cards", cards.New, []string{"l", "y", "f", "y", "b", "y", "x", "y"}},
	{"audit", audit.New, []string{"f"}},
	{"staff", staff.New, []string{"n", "r", "u", "y", "d", "y", "o"}},
}

// auditCount is how many audit entries the ledger holds: every change writes one.
func auditCount(t *testing.T, s *apptest.Site) int {
	es, err := s.Svc.Audit(context.Background(), app.SystemActor, 100000)
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

// A clerk or a supervisor given an admin screen has none of its change keys: the help
// bar offers none and pressing them changes nothing.
func TestAdmScreensGiveNonAdminsNoChangeKeys(t *testing.T) {
	for _, role := range []app.Role{app.RoleClerk, app.RoleSupervisor} {
		for _, pg := range admPages {
			t.Run(string(role)+"/"+pg.name, func(t *testing.T) {
				d, p := viewtest.OpenPage(t, "en", app.Actor{User: "someone", Role: role}, pg.build)
				if pg.name == "cards" {
					p = viewtest.Keys(p, "/")
					p = viewtest.TypePage(p, apptest.UserCard(0))
					p = viewtest.Keys(p, "enter")
				}
				before := auditCount(t, d.Site)
				for _, b := range p.ShortHelp() {
					if b.Enabled() && !readOnlyKey(b) {
						t.Errorf("%s offers %s (%s)", role, b.Help().Key, b.Help().Desc)
					}
				}
				p = viewtest.Keys(p, pg.keys...)
				if p.Capturing() {
					t.Errorf("a change key opened a form or question:\n%s", viewtest.PageScreen(p))
				}
				if n := auditCount(t, d.Site); n != before {
					t.Errorf("%d changes made", n-before)
				}
			})
		}
	}
}

func readOnlyKey(b key.Binding) bool {
	switch b.Help().Key {
	case "/", "r", "c", "enter", "ctrl+r":
		return true
	}
	return false
}

// Should a screen ever be driven by someone who is not an admin (the login changed under
// it), the ledger itself refuses, and the screen says so in plain words.
func TestAdmChangesAreRefusedByTheLedgerForANonAdmin(t *testing.T) {
	clerk := app.Actor{User: "clerk1", Role: app.RoleClerk}
	for _, tc := range []struct {
		name  string
		build func(*common.Common) common.Page
		setup []string // keys as the admin, up to the last step
		last  []string // keys after the actor changed
	}{
		{"unbind", bindings.New, []string{"u"}, []string{"y"}},
		{"bind", bindings.New, []string{"down", "b"}, []string{"enter"}},
		{"disable device", devices.New, []string{"d"}, []string{"y"}},
		{"rotate", devices.New, []string{"s"}, []string{"y"}},
		{"retire", devices.New, []string{"x", "tab", "b", "r", "o", "k", "e", "n", "enter"}, []string{"y"}},
		{"reset pin", operators.New, []string{"p", "1", "2", "3", "4", "enter", "1", "2", "3", "4"}, []string{"enter"}},
		{"card lost", cards.New, []string{"/", "2", "0", "0", "0", "0", "0", "0", "1", "enter", "l"}, []string{"y"}},
		{"disable staff", staff.New, []string{"down", "d"}, []string{"y"}},
		{"unlock staff", staff.New, []string{"down", "u"}, []string{"y"}},
		{"reset password", staff.New, []string{"r", "l", "o", "n", "g", "-", "p", "a", "s", "s", "enter", "l", "o", "n", "g", "-", "p", "a", "s", "s"}, []string{"enter"}},
		{"staff role", staff.New, []string{"down", "o", "right"}, []string{"enter"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, p := viewtest.OpenPage(t, "zh", viewtest.Admin, tc.build)
			if tc.name == "bind" {
				if err := d.Site.Svc.UnbindCard(context.Background(), d.Site.Admin, d.Site.Ops[1].ID); err != nil {
					t.Fatal(err)
				}
				p = viewtest.Keys(p, "r")
				tc.setup = append(tc.setup, strings.Split(apptest.UserCard(3), "")...)
			}
			p = viewtest.Keys(p, tc.setup...)
			d.C.Actor = d.Actor(clerk.User, clerk.Role) // a login: its own audit entry
			before := auditCount(t, d.Site)
			p = viewtest.Keys(p, tc.last...)
			viewtest.Want(t, p, "无此操作权限")
			if n := auditCount(t, d.Site); n != before {
				t.Fatalf("%d changes made", n-before)
			}
		})
	}
}

// The desk's tab list gives these screens to admins only.
func TestAdmScreensAreListedForAdminsOnly(t *testing.T) {
	d := viewtest.New(t, viewtest.Admin, "zh")
	mine := map[string]bool{"授权卡": false, "设备": false, "操作员": false, "卡状态": false, "账号": false, "审计日志": false}
	for _, spec := range views.Pages() {
		title := spec.New(d.C).Title()
		if _, ok := mine[title]; !ok {
			continue
		}
		mine[title] = true
		if !spec.Allowed(app.RoleAdmin) || spec.Allowed(app.RoleClerk) || spec.Allowed(app.RoleSupervisor) {
			t.Errorf("%s is shown to %v", title, spec.Roles)
		}
	}
	for title, listed := range mine {
		if !listed {
			t.Errorf("%s is not in views.Pages()", title)
		}
	}
}

// The screens fit a smaller terminal and a larger one after a resize.
func TestAdmScreensFollowResize(t *testing.T) {
	for _, pg := range admPages {
		t.Run(pg.name, func(t *testing.T) {
			_, p := viewtest.OpenPage(t, "zh", viewtest.Admin, pg.build)
			for _, size := range [][2]int{{60, 12}, {120, 40}, {80, 21}} {
				p.SetSize(size[0], size[1])
				s := strings.TrimRight(viewtest.PageScreen(p), "\n")
				lines := strings.Split(s, "\n")
				if len(lines) > size[1] {
					t.Errorf("%v: %d lines", size, len(lines))
				}
				for _, l := range lines {
					if w := lipgloss.Width(l); w > size[0] {
						t.Errorf("%v: line of %d cells: %q", size, w, l)
					}
				}
			}
		})
	}
}

// An admin logging in gets these screens as tabs, and the tab line fits 80 columns.
func TestAdmDeskTabsForAnAdmin(t *testing.T) {
	for _, lang := range viewtest.Langs {
		t.Run(lang, func(t *testing.T) {
			d := viewtest.New(t, app.Actor{}, lang)
			d.C.Cards = nil // no reader watch in synchronous tests
			m := viewtest.OpenRoot(d)
			m = viewtest.LogIn(m, "admin", "admin-pass-1")
			s := viewtest.Screen(m)
			head := strings.SplitN(s, "\n", 2)[0]
			if w := lipgloss.Width(head); w > viewtest.Width {
				t.Errorf("tab line of %d cells: %q", w, head)
			}
			for _, title := range []string{d.C.T("授权卡", "Auth"), d.C.T("设备", "Devices"), d.C.T("操作员", "Operators"),
				d.C.T("卡状态", "Cards"), d.C.T("账号", "Staff"), d.C.T("审计日志", "Audit")} {
				if !strings.Contains(head, title) {
					t.Errorf("no %s tab: %q", title, head)
				}
			}
			if lines := strings.Count(s, "\n"); lines > viewtest.Height {
				t.Errorf("%d lines", lines)
			}
		})
	}
}
