package views

import (
	"context"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"cardcenter/app"
)

// admBase is what every admin list screen holds: the list, the open form or question,
// the status line and the request id of the latest load (older answers are dropped).
type admBase struct {
	c       *Common
	confirm confirmKeys
	table   admTable
	loadSeq int
	loaded  bool
	status  admStatus
	asking  *admConfirm
	form    *admForm
	width   int
	height  int
}

func newAdmBase(c *Common, cols []admCol, empty string) admBase {
	return admBase{c: c, confirm: newConfirmKeys(c), table: newAdmTable(c, cols, empty)}
}

func (b *admBase) SetSize(w, h int) {
	b.width, b.height = w, h
	b.table.SetSize(w, h-admChrome)
}

func (b *admBase) Busy() bool { return false }

func (b *admBase) Capturing() bool { return b.form != nil || b.asking != nil || b.table.Filtering() }

// admLoadedMsg answers load seq of the screen whose list holds T. Each screen lists its
// own element type, so only that screen takes the message.
type admLoadedMsg[T any] struct {
	seq  int
	rows []T
	err  error
}

// admLoad asks for the list again with fetch (run inside the Cmd; a method expression
// such as app.Desk.Devices); answers to older loads are dropped.
func admLoad[T any](b *admBase, fetch func(app.Desk, context.Context, app.Actor) ([]T, error)) tea.Cmd {
	b.loadSeq++
	seq, c := b.loadSeq, b.c
	return func() tea.Msg {
		ctx, cancel := admCtx(c)
		defer cancel()
		rows, err := fetch(c.Svc, ctx, c.Actor)
		return admLoadedMsg[T]{seq, rows, err}
	}
}

// admApply takes the latest load's answer: an error goes to the status line, else the
// rows go into *rows and the table, and the cursor goes to the row focus picks (focus
// may be nil). It reports whether the rows were taken.
func admApply[T any](b *admBase, msg admLoadedMsg[T], rows *[]T, tableRows func() [][]string, focus func(T) bool) bool {
	if msg.seq != b.loadSeq {
		return false
	}
	if msg.err != nil {
		b.status = admStatus{b.c.Msg(msg.err), true}
		return false
	}
	*rows, b.loaded = msg.rows, true
	b.table.SetRows(tableRows())
	if focus != nil {
		for i, r := range *rows {
			if focus(r) {
				b.table.Select(i)
			}
		}
	}
	return true
}

// routeKey gives k to the open question, form or list first; it reports whether one of
// them took it. onForm is called with the form's answer (submit or cancel).
func (b *admBase) routeKey(k tea.KeyPressMsg, onSubmit func() tea.Cmd) (tea.Cmd, bool) {
	if b.asking != nil {
		return admConfirmKey(k, b.confirm, &b.asking), true
	}
	if b.form != nil {
		switch b.form.Update(k) {
		case admFormCancel:
			b.form = nil
		case admFormSubmit:
			return onSubmit(), true
		}
		return nil, true
	}
	return nil, b.table.Update(k)
}

// shortHelp is the page's keys, or those of the open question, form or filter.
func (b *admBase) shortHelp(page ...key.Binding) []key.Binding {
	switch {
	case b.asking != nil:
		return []key.Binding{b.confirm.Yes, b.confirm.No}
	case b.form != nil:
		return b.form.help()
	case b.table.Filtering():
		return []key.Binding{b.table.keys.ClearFilter}
	}
	return append(page, b.table.keys.Filter)
}

func (b *admBase) fullHelp(short []key.Binding) [][]key.Binding {
	t := b.table.keys
	return [][]key.Binding{short, {t.Up, t.Down, t.PageUp, t.PageDown, t.Top, t.Bottom, t.ClearFilter}}
}

// view is the form when one is open, else the list with its caption and bottom lines.
func (b *admBase) view(caption string) string {
	c := b.c
	if b.form != nil {
		if b.asking != nil { // the form's answer, asked once more
			return b.form.View() + "\n\n" + admConfirmView(c, b.asking)
		}
		return b.form.View()
	}
	if !b.loaded && b.status.text == "" {
		return c.Theme.Muted.Render(c.T("正在读取…", "loading…"))
	}
	return admListView(c, caption, b.table.View(), b.asking, b.status)
}

// admDone is a change's answer: what to say, or the refusal; form says the answer belongs
// to the open form (a refusal keeps it open, with the reason).
type admDone struct {
	note string
	err  error
	form bool
}

// done shows a change's answer; it reports whether the list should be loaded again.
func (b *admBase) done(d admDone) bool {
	if d.err != nil {
		if d.form && b.form != nil {
			b.form.err = b.c.Msg(d.err)
			return false
		}
		b.status = admStatus{b.c.Msg(d.err), true}
		return false
	}
	if d.form {
		b.form = nil
	}
	b.status = admStatus{d.note, false}
	return true
}
