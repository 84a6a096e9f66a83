package views

import (
	"context"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"cardcenter/app"
)

// ListBase is what every admin list screen holds: the list, the open form or question,
// the status line and the request id of the latest load (older answers are dropped).
type ListBase struct {
	C       *Common
	Confirm ConfirmKeys
	Table   TableModel
	LoadSeq int
	Loaded  bool
	Status  StatusLine
	Asking  *ConfirmQuestion
	Form    *FormModel
	Width   int
	Height  int
}

func NewListBase(c *Common, cols []TableCol, empty string) ListBase {
	return ListBase{C: c, Confirm: NewConfirmKeys(c), Table: NewTable(c, cols, empty)}
}

func (b *ListBase) SetSize(w, h int) {
	b.Width, b.Height = w, h
	b.Table.SetSize(w, h-ListChrome)
}

func (b *ListBase) Busy() bool { return false }

func (b *ListBase) Capturing() bool { return b.Form != nil || b.Asking != nil || b.Table.Filtering() }

// RowsMsg answers load seq of the screen whose list holds T. Each screen lists its
// own element type, so only that screen takes the message.
type RowsMsg[T any] struct {
	seq  int
	rows []T
	Err  error
}

// LoadRows asks for the list again with fetch (run inside the Cmd; a method expression
// such as app.Desk.Devices); answers to older loads are dropped.
func LoadRows[T any](b *ListBase, fetch func(app.Desk, context.Context, app.Actor) ([]T, error)) tea.Cmd {
	b.LoadSeq++
	seq, c := b.LoadSeq, b.C
	return func() tea.Msg {
		ctx, cancel := CallContext(c)
		defer cancel()
		rows, err := fetch(c.Svc, ctx, c.Actor)
		return RowsMsg[T]{seq, rows, err}
	}
}

// ApplyRows takes the latest load's answer: an error goes to the status line, else the
// rows go into *rows and the table, and the cursor goes to the row focus picks (focus
// may be nil). It reports whether the rows were taken.
func ApplyRows[T any](b *ListBase, msg RowsMsg[T], rows *[]T, tableRows func() [][]string, focus func(T) bool) bool {
	if msg.seq != b.LoadSeq {
		return false
	}
	if msg.Err != nil {
		b.Status = StatusLine{b.C.Msg(msg.Err), true}
		return false
	}
	*rows, b.Loaded = msg.rows, true
	b.Table.SetRows(tableRows())
	if focus != nil {
		for i, r := range *rows {
			if focus(r) {
				b.Table.Select(i)
			}
		}
	}
	return true
}

// RouteKey gives k to the open question, form or list first; it reports whether one of
// them took it. onForm is called with the form's answer (submit or cancel).
func (b *ListBase) RouteKey(k tea.KeyPressMsg, onSubmit func() tea.Cmd) (tea.Cmd, bool) {
	if b.Asking != nil {
		return ConfirmAnswer(k, b.Confirm, &b.Asking), true
	}
	if b.Form != nil {
		switch b.Form.Update(k) {
		case FormCancel:
			b.Form = nil
		case FormSubmit:
			return onSubmit(), true
		}
		return nil, true
	}
	return nil, b.Table.Update(k)
}

// HelpWith is the page's keys, or those of the open question, form or filter.
func (b *ListBase) HelpWith(page ...key.Binding) []key.Binding {
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

func (b *ListBase) FullHelpWith(short []key.Binding) [][]key.Binding {
	t := b.Table.Keys
	return [][]key.Binding{short, {t.Up, t.Down, t.PageUp, t.PageDown, t.Top, t.Bottom, t.ClearFilter}}
}

// Body is the form when one is open, else the list with its caption and bottom lines.
func (b *ListBase) Body(caption string) string {
	c := b.C
	if b.Form != nil {
		if b.Asking != nil { // the form's answer, asked once more
			return b.Form.View() + "\n\n" + ConfirmView(c, b.Asking)
		}
		return b.Form.View()
	}
	if !b.Loaded && b.Status.Text == "" {
		return c.Theme.Muted.Render(c.T("正在读取…", "loading…"))
	}
	return ListView(c, caption, b.Table.View(), b.Asking, b.Status)
}

// Change is a change's answer: what to say, or the refusal; form says the answer belongs
// to the open form (a refusal keeps it open, with the reason).
type Change struct {
	Note string
	Err  error
	Form bool
}

// ShowChange shows a change's answer; it reports whether the list should be loaded again.
func (b *ListBase) ShowChange(d Change) bool {
	if d.Err != nil {
		if d.Form && b.Form != nil {
			b.Form.Err = b.C.Msg(d.Err)
			return false
		}
		b.Status = StatusLine{b.C.Msg(d.Err), true}
		return false
	}
	if d.Form {
		b.Form = nil
	}
	b.Status = StatusLine{d.Note, false}
	return true
}
