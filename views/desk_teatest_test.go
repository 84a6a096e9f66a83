package views_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"cardcenter/app"
	"cardcenter/views"
	"cardcenter/views/viewtest"
)

// TestDeskEveryScreen runs the whole desk as a program (teatest/v2: the real event loop,
// commands in goroutines, the reader watched) at 80×24 in both languages: an admin logs in,
// tabs to each screen in turn, and the screen as it stands when the desk quits is compared
// with its golden file.
func TestDeskEveryScreen(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		d := viewtest.New(t, app.Actor{}, lang)
		var titles []string
		for _, s := range views.Pages() {
			if s.Allowed(app.RoleAdmin) {
				titles = append(titles, s.New(d.C).Title())
			}
		}
		for i, title := range titles {
			t.Run(fmt.Sprintf("%s/%d-%s", lang, i, title), func(t *testing.T) {
				d := viewtest.New(t, app.Actor{}, lang)
				tm := teatest.NewTestModel(t, views.NewRoot(d.C, views.Pages()), teatest.WithInitialTermSize(viewtest.Width, viewtest.Height))
				waitScreen(t, tm, lang, map[string]string{"zh": "请登录", "en": "Log in"}[lang])
				tm.Type("admin")
				tm.Send(tea.KeyPressMsg{Code: tea.KeyTab})
				tm.Type("admin-pass-1")
				tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
				waitScreen(t, tm, lang, titles[len(titles)-1]) // the tab line: logged in
				for k := 0; k < i; k++ {
					tm.Send(tea.KeyPressMsg{Code: tea.KeyTab})
				}
				waitQuiet(t, tm, 400*time.Millisecond) // the screen's first load has landed
				tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
				final := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second))
				viewtest.Golden(t, viewtest.Screen(final))
			})
		}
	}
}

func waitScreen(t *testing.T, tm *teatest.TestModel, _ string, want string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(want)) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

// waitQuiet waits until the program has drawn nothing new for quiet: its loads have
// landed. (A fixed sleep would race a busy machine.)
func waitQuiet(t *testing.T, tm *teatest.TestModel, quiet time.Duration) {
	t.Helper()
	last, since := -1, time.Now()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		if len(b) != last {
			last, since = len(b), time.Now()
		}
		return time.Since(since) >= quiet
	}, teatest.WithDuration(15*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}
