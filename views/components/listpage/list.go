package listpage

import (
	"context"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"cardcenter/app"
	"cardcenter/views/common"
	"cardcenter/views/components/table"
)

// List is a Base that holds the rows of one element type T and knows how to load them: the
// loading, the answers, the cursor and the reload every admin list screen has, so that a
// screen keeps only its own keys and forms.
type List[T any] struct {
	Base
	Rows []T
	// Reload loads the list again (r; a screen whose r is taken gives another key).
	Reload key.Binding
	fetch  func(app.Desk, context.Context, app.Actor) ([]T, error)
	cells  func(T) []string
	keyOf  func(T) string
}

// NewList is a list of T loaded by fetch (a method expression such as app.Desk.Operators),
// shown by cells; keyOf names a row, for the cursor to follow a change (nil: it stays).
func NewList[T any](c *common.Common, cols []table.Col, empty string, fetch func(app.Desk, context.Context, app.Actor) ([]T, error),
	cells func(T) []string, keyOf func(T) string) List[T] {
	return List[T]{Base: New(c, cols, empty), Reload: common.ReloadKey(c, "r"), fetch: fetch, cells: cells, keyOf: keyOf}
}

// Load asks for the list again.
func (l *List[T]) Load() tea.Cmd { return Load(&l.Base, l.fetch) }

// ChangedMsg is the answer to a change made on the list of T (only its screen takes it).
type ChangedMsg[T any] struct{ Change }

// Change makes one change inside a Cmd (see Do); its answer, ChangedMsg[T], comes back to
// this list's Update.
func (l *List[T]) Change(done Change, do func(ctx context.Context) error) tea.Cmd {
	c := l.C
	return func() tea.Msg { return ChangedMsg[T]{Do(c, done, do)} }
}

// Changed shows a change's answer and loads the list again after a change made.
func (l *List[T]) Changed(ch Change) tea.Cmd {
	if l.ShowChange(ch) {
		return l.Load()
	}
	return nil
}

// Update takes the list's own answers, its rows and its changes'; it reports whether msg
// was one of them.
func (l *List[T]) Update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case RowsMsg[T]:
		Apply(&l.Base, msg, &l.Rows, l.cells, l.keyOf)
		return nil, true
	case ChangedMsg[T]:
		return l.Changed(msg.Change), true
	}
	return nil, false
}

// Handle is a list screen's Update for what it has no message of its own for: the list's
// answers, and keys to onKey.
func (l *List[T]) Handle(msg tea.Msg, onKey func(tea.KeyPressMsg) tea.Cmd) tea.Cmd {
	if cmd, ok := l.Update(msg); ok {
		return cmd
	}
	if k, ok := msg.(tea.KeyPressMsg); ok {
		return onKey(k)
	}
	return nil
}

// Key gives k to the open question, form or list first (onSubmit takes the form's
// answer), then reloads on Reload; it reports whether k was taken.
func (l *List[T]) Key(k tea.KeyPressMsg, onSubmit func() tea.Cmd) (tea.Cmd, bool) {
	if cmd, taken := l.RouteKey(k, onSubmit); taken {
		return cmd, true
	}
	if key.Matches(k, l.Reload) {
		return l.Load(), true
	}
	return nil, false
}

// Selected is the row under the cursor, if any.
func (l *List[T]) Selected() (T, bool) { return Selected(&l.Base, l.Rows) }
