package listpage

import (
	"cardcenter/app"
	"cardcenter/views/common"
	"cardcenter/views/components/confirm"
	"cardcenter/views/components/form"
	"cardcenter/views/components/status"
	"cardcenter/views/components/table"
	"context"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// ListBase is what every admin list screen holds: the list, the open form or question,
// the status line and the request id of the latest load (older answers are dropped).
type Base struct {
	C       *common.Common
	Confirm confirm.Keys
	Table   table.Model
	LoadSeq int
	Loaded  bool
	Status  status.Line
	Asking  *confirm.Question
	Form    *form.Model
	Width   int
	Height  int
	// focus is the key of the row a change asked the cursor to go to once the list is
	// loaded again ("" = where it is).
	focus string
}

func New(c *common.Common, cols []table.Col, empty string) Base {
	return Base{C: c, Confirm: confirm.NewKeys(c), Table: table.New(c, cols, empty)}
}

func (b *Base) SetSize(w, h int) {
	b.Width, b.Height = w, h
	b.Table.SetSize(w, h-Chrome)
}

func (b *Base) Busy() bool { return false }

func (b *Base) Capturing() bool { return b.Form != nil || b.Asking != nil || b.Table.Filtering() }

// RowsMsg answers load seq of the screen whose list holds T. Each screen lists its
// own element type, so only that screen takes the message.
type RowsMsg[T any] struct {
	seq  int
	rows []T
	Err  error
}

// LoadRows asks for the list again with fetch (run inside the Cmd; a method expression
// such as app.Desk.Devices); answers to older loads are dropped.
func Load[T any](b *Base, fetch func(app.Desk, context.Context, app.Actor) ([]T, error)) tea.Cmd {
	b.LoadSeq++
	seq, c := b.LoadSeq, b.C
	return func() tea.Msg {
		ctx, cancel := common.CallContext(c)
		defer cancel()
		rows, err := fetch(c.Svc, ctx, c.Actor)
		return RowsMsg[T]{seq, rows, err}
	}
}

// Apply takes the latest load's answer: an error goes to the status line, else the
// rows go into *rows and the table (cells is a row's cells), and the cursor goes to the
// row whose keyOf is the focus a change asked for (keyOf may be nil). It reports whether
// the rows were taken.
func Apply[T any](b *Base, msg RowsMsg[T], rows *[]T, cells func(T) []string, keyOf func(T) string) bool {
	if msg.seq != b.LoadSeq {
		return false
	}
	if msg.Err != nil {
		b.Status = status.Failed(b.C.Msg(msg.Err))
		return false
	}
	*rows, b.Loaded = msg.rows, true
	b.Table.SetRows(TableRows(*rows, cells))
	if keyOf != nil && b.focus != "" {
		for i, r := range *rows {
			if keyOf(r) == b.focus {
				b.Table.Select(i)
			}
		}
	}
	b.focus = ""
	return true
}

// TableRows is the table's rows for the list rows, cells being one row's cells.
func TableRows[T any](rows []T, cells func(T) []string) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = cells(r)
	}
	return out
}

// Selected is the element of rows (the list the table shows) under the cursor, if any.
func Selected[T any](b *Base, rows []T) (T, bool) {
	i, ok := b.Table.Selected()
	if !ok || i >= len(rows) {
		var none T
		return none, false
	}
	return rows[i], true
}

// RouteKey gives k to the open question, form or list first; it reports whether one of
// them took it. onForm is called with the form's answer (submit or cancel).
func (b *Base) RouteKey(k tea.KeyPressMsg, onSubmit func() tea.Cmd) (tea.Cmd, bool) {
	if b.Asking != nil {
		return confirm.Answer(k, b.Confirm, &b.Asking), true
	}
	if b.Form != nil {
		switch b.Form.Update(k) {
		case form.Cancel:
			b.Form = nil
		case form.Submit:
			return onSubmit(), true
		}
		return nil, true
	}
	return nil, b.Table.Update(k)
}

// HelpWith is the page's keys, or those of the open question, form or filter.
func (b *Base) HelpWith(page ...key.Binding) []key.Binding {
	switch {
	case b.Asking != nil:
		return []key.Binding{b.Confirm.Yes, b.Confirm.No}
	case b.Form != nil:
		return b.Form.Help()
	case b.Table.Filtering():
		return []key.Binding{b.Table.Keys.ClearFilter}
	}
	return append(page, b.Table.Keys.Filter)
}

func (b *Base) FullHelpWith(short []key.Binding) [][]key.Binding {
	t := b.Table.Keys
	return [][]key.Binding{short, {t.Up, t.Down, t.PageUp, t.PageDown, t.Top, t.Bottom, t.ClearFilter}}
}

// Body is the form when one is open, else the list with its caption and bottom lines.
func (b *Base) Body(caption string) string {
	c := b.C
	if b.Form != nil {
		if b.Asking != nil { // the form's answer, asked once more
			return b.Form.View() + "\n\n" + confirm.View(c, b.Asking)
		}
		return b.Form.View()
	}
	if !b.Loaded && b.Status.Text == "" {
		return c.Theme.Muted.Render(c.T("正在读取…", "loading…"))
	}
	return View(c, caption, b.Table.View(), b.Asking, b.Status)
}

// Change is a change's answer: what to say, or the refusal; form says the answer belongs
// to the open form (a refusal keeps it open, with the reason); focus is the key of the
// row changed, where the cursor goes once the list is loaded again ("" = where it is).
type Change struct {
	Note  string
	Err   error
	Form  bool
	Focus string
}

// Do makes one change (inside a Cmd only) with the context of one call: its answer is
// the refusal of do, or done (what to say, and where the cursor goes).
func Do(c *common.Common, done Change, do func(ctx context.Context) error) Change {
	ctx, cancel := common.CallContext(c)
	defer cancel()
	if err := do(ctx); err != nil {
		return Change{Err: err, Form: done.Form}
	}
	return done
}

// ShowChange shows a change's answer; it reports whether the list should be loaded again.
func (b *Base) ShowChange(d Change) bool {
	if d.Err != nil {
		if d.Form && b.Form != nil {
			b.Form.Err = b.C.Msg(d.Err)
			return false
		}
		b.Status = status.Failed(b.C.Msg(d.Err))
		return false
	}
	if d.Form {
		b.Form = nil
	}
	b.Status = status.Done(d.Note)
	b.focus = d.Focus
	return true
}

// ListChrome is the lines of a list screen that are not its table: a caption line above it,
// and two lines below for the status or a question.
const Chrome = 3

// ListView lays out a list screen: caption, table, then the question or the status.
// A question longer than the two lines kept for it takes the table's blank lines above its
// position line.
func View(c *common.Common, caption string, table string, q *confirm.Question, st status.Line) string {
	bottom := st.View(c.Theme)
	if q != nil {
		bottom = confirm.View(c, q)
	}
	lines := strings.Split(table, "\n")
	for extra, i := strings.Count(bottom, "\n")+1-(Chrome-1), len(lines)-2; extra > 0 && i > 0; i-- {
		if lines[i] == "" {
			lines = append(lines[:i], lines[i+1:]...)
			extra--
		}
	}
	return strings.Join([]string{c.Theme.Muted.Render(caption), strings.Join(lines, "\n"), bottom}, "\n")
}

// Failure makes a load's and a change's answers common.Failed: a refusal that says the
// session ended brings the login over the desk.
func (m RowsMsg[T]) Failure() error { return m.Err }
func (m Change) Failure() error     { return m.Err }
