package viewtest

import (
	"cardcenter/views/common"
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"cardcenter/views"
)

// Run drives the whole desk (root, login, the real reader watch) the way the
// program does: every command runs in its own goroutine and its message comes back to
// the test's goroutine, which alone touches the model.
type Run struct {
	t    *testing.T
	m    tea.Model
	msgs chan tea.Msg
	Quit bool
}

func NewRun(t *testing.T, d *Desk, specs []common.PageSpec) *Run {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel) // ends the reader watch
	d.C.Ctx = ctx
	r := &Run{t: t, m: views.NewRoot(d.C, specs), msgs: make(chan tea.Msg, 64)}
	r.Send(tea.WindowSizeMsg{Width: Width, Height: Height})
	r.Spawn(r.m.Init())
	return r
}

func (r *Run) Spawn(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() { r.msgs <- cmd() }()
}

func (r *Run) Send(msg tea.Msg) {
	switch msg := msg.(type) {
	case nil:
		return
	case tea.BatchMsg:
		for _, c := range msg {
			r.Spawn(c)
		}
		return
	case tea.QuitMsg:
		r.Quit = true
		return
	}
	m, cmd := r.m.Update(msg)
	r.m = m
	r.Spawn(cmd)
}

func (r *Run) Key(k string) { r.Send(Key(k)) }

func (r *Run) Type(s string) {
	for _, c := range s {
		r.Send(tea.KeyPressMsg{Code: c, Text: string(c)})
	}
}

func (r *Run) Screen() string { return Screen(r.m) }

// WaitFor delivers the commands' messages until the screen shows every want.
func (r *Run) WaitFor(want ...string) string {
	r.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		s := r.Screen()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(s, w)
		}
		if ok {
			return s
		}
		select {
		case msg := <-r.msgs:
			r.Send(msg)
		case <-deadline:
			r.t.Fatalf("screen never showed %q:\n%s", want, s)
		}
	}
}

// Settle delivers whatever arrives within a short while (for "nothing else happens").
func (r *Run) Settle() {
	for {
		select {
		case msg := <-r.msgs:
			r.Send(msg)
		case <-time.After(100 * time.Millisecond):
			return
		}
	}
}

// OpenRoot is the whole desk on d (views.NewRoot with every screen) at 80×24, its Init run:
// synchronous, for tests that Drive it.
func OpenRoot(d *Desk) tea.Model {
	var m tea.Model = views.NewRoot(d.C, views.Pages())
	m = Drive(m, tea.WindowSizeMsg{Width: Width, Height: Height})
	return RunInit(m)
}

// LogIn types user and pass at the login screen and presses enter (synchronous, as Drive).
func LogIn(m tea.Model, user, pass string) tea.Model {
	m = Type(m, user)
	m = Drive(m, Key("tab"))
	m = Type(m, pass)
	return Drive(m, Key("enter"))
}

func (r *Run) Login(user, pass string) {
	r.Type(user)
	r.Key("tab")
	r.Type(pass)
	r.Key("enter")
}
