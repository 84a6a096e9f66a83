package views_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"cardcenter/app"
	"cardcenter/views"
	"cardcenter/views/viewtest"
)

// countingTray lays card n on the reader at its n-th call, or fails.
type countingTray struct {
	calls int
	fail  bool
}

func (t *countingTray) Next(context.Context) (string, error) {
	t.calls++
	if t.fail {
		return "", errors.New("down")
	}
	return "card " + string(rune('0'+t.calls)) + " on the reader", nil
}

// In the demo F5 asks the card tray for the next card and shows its answer or its failure
// on the tab line; outside the demo (no tray) F5 does nothing and the hint is not shown.
func TestF5AsksTheDemoTrayForTheNextCard(t *testing.T) {
	for _, tc := range []struct {
		name string
		tray *countingTray
		want string
	}{
		{"answers", &countingTray{}, "(card 1 on the reader)"},
		{"fails", &countingTray{fail: true}, "(card tray: down)"},
		{"none", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := viewtest.New(t, app.Actor{}, "en")
			d.C.Cards = nil // no reader to watch: Drive runs every command to its end
			if tc.tray != nil {
				d.C.Tray = tc.tray
			}
			var m tea.Model = views.NewRoot(d.C, views.Pages())
			m = viewtest.Drive(m, tea.WindowSizeMsg{Width: viewtest.Width, Height: viewtest.Height})
			m = viewtest.RunInit(m)
			m = viewtest.Type(m, "clerk1")
			m = viewtest.Drive(m, viewtest.Key("tab"))
			m = viewtest.Type(m, "clerk-pass-1")
			m = viewtest.Drive(m, viewtest.Key("enter"))
			m = viewtest.Drive(m, viewtest.Key("f5"))
			s := m.View().Content
			if tc.tray == nil {
				if strings.Contains(s, "F5") {
					t.Fatalf("a desk without a tray offers F5:\n%s", s)
				}
				return
			}
			if tc.tray.calls != 1 || !strings.Contains(s, "demo: F5 swaps the card") || !strings.Contains(s, tc.want) {
				t.Fatalf("after F5 (%d calls to the tray), want %q on screen:\n%s", tc.tray.calls, tc.want, s)
			}
		})
	}
}
