package table

import (
	"cardcenter/views/common"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// TableCol is a column of an admin list: a heading and a width in cells (0 = the rest).
type Col struct {
	Title string
	Width int
}

// TableModel is the list every admin screen shows: columns measured in cells (CJK = 2),
// a cursor, scrolling, and "/" to filter the rows by any text in them.
type Model struct {
	c         *common.Common
	cols      []Col
	rows      [][]string
	keep      []int // rows that match the filter, in order
	cursor    int   // index into keep
	offset    int
	width     int
	height    int // lines for the whole table: heading, rows, filter line
	filter    textinput.Model
	filtering bool
	Keys      Keys
	empty     string // shown when there are no rows at all
}

type Keys struct {
	Up, Down, PageUp, PageDown, Top, Bottom, Filter, ClearFilter key.Binding
}

func New(c *common.Common, cols []Col, empty string) Model {
	filter := common.NewTextInput("", 30, false)
	filter.Prompt = ""
	return Model{c: c, cols: cols, empty: empty, filter: filter, Keys: Keys{
		Up:          key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", c.T("上移", "up"))),
		Down:        key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", c.T("下移", "down"))),
		PageUp:      key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", c.T("上一页", "page up"))),
		PageDown:    key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", c.T("下一页", "page down"))),
		Top:         key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", c.T("第一行", "first"))),
		Bottom:      key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", c.T("最后一行", "last"))),
		Filter:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", c.T("筛选", "filter"))),
		ClearFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", c.T("清除筛选", "clear filter"))),
	}}
}

// SetRows replaces the rows, keeping the filter and, where it can, the cursor's row.
func (t *Model) SetRows(rows [][]string) {
	sel, ok := t.Selected()
	t.rows = rows
	t.apply()
	if ok {
		for i, r := range t.keep {
			if r == sel {
				t.cursor = i
			}
		}
	}
	t.clamp()
}

// Selected is the index (into the rows given) of the row under the cursor.
func (t *Model) Selected() (int, bool) {
	if t.cursor < 0 || t.cursor >= len(t.keep) {
		return 0, false
	}
	return t.keep[t.cursor], true
}

// Select puts the cursor on row i if the filter shows it.
func (t *Model) Select(i int) {
	for k, r := range t.keep {
		if r == i {
			t.cursor = k
		}
	}
	t.clamp()
}

func (t *Model) SetSize(width, height int) {
	t.width, t.height = width, max(height, 3)
	t.clamp()
}

// Filtering: the filter field has the focus.
func (t *Model) Filtering() bool { return t.filtering }

// Filtered: a filter is in force (typed or being typed).
func (t *Model) Filtered() bool { return t.filter.Value() != "" }

func (t *Model) apply() {
	q := strings.ToLower(strings.TrimSpace(t.filter.Value()))
	t.keep = t.keep[:0]
	for i, r := range t.rows {
		if q == "" || strings.Contains(strings.ToLower(strings.Join(r, " ")), q) {
			t.keep = append(t.keep, i)
		}
	}
}

func (t *Model) visible() int {
	return max(t.height-2, 1) // heading and the filter / position line
}

func (t *Model) clamp() {
	t.cursor = min(max(t.cursor, 0), max(len(t.keep)-1, 0))
	v := t.visible()
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+v {
		t.offset = t.cursor - v + 1
	}
	t.offset = min(max(t.offset, 0), max(len(t.keep)-v, 0))
}

// Update moves the cursor and runs the filter; handled reports whether the key was the table's.
func (t *Model) Update(msg tea.KeyPressMsg) (handled bool) {
	if t.filtering {
		switch msg.String() {
		case "enter":
			t.filtering = false
			t.filter.Blur()
		case "esc":
			t.filtering = false
			t.filter.Blur()
			t.filter.SetValue("")
			t.apply()
		default:
			t.filter, _ = t.filter.Update(msg)
			t.apply()
			t.cursor = 0
		}
		t.clamp()
		return true
	}
	switch {
	case key.Matches(msg, t.Keys.Up):
		t.cursor--
	case key.Matches(msg, t.Keys.Down):
		t.cursor++
	case key.Matches(msg, t.Keys.PageUp):
		t.cursor -= t.visible()
	case key.Matches(msg, t.Keys.PageDown):
		t.cursor += t.visible()
	case key.Matches(msg, t.Keys.Top):
		t.cursor = 0
	case key.Matches(msg, t.Keys.Bottom):
		t.cursor = len(t.keep) - 1
	case key.Matches(msg, t.Keys.Filter):
		t.filtering = true
		t.filter.Focus()
	case key.Matches(msg, t.Keys.ClearFilter) && t.Filtered():
		t.filter.SetValue("")
		t.apply()
	default:
		return false
	}
	t.clamp()
	return true
}

func (t *Model) widths() []int {
	ws := make([]int, len(t.cols))
	used := 0
	for i, c := range t.cols {
		ws[i] = c.Width
		used += c.Width + 1
	}
	for i, c := range t.cols {
		if c.Width == 0 {
			ws[i] = max(t.width-used, 4)
		}
	}
	return ws
}

func (t *Model) line(cells []string, ws []int) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		v := ""
		if i < len(cells) {
			v = cells[i]
		}
		parts[i] = common.Cell(v, w)
	}
	return ansi.Truncate(strings.Join(parts, " "), max(t.width, 1), "")
}

func (t *Model) View() string {
	th := t.c.Theme
	ws := t.widths()
	heads := make([]string, len(t.cols))
	for i, c := range t.cols {
		heads[i] = c.Title
	}
	out := []string{th.Header.Render(t.line(heads, ws))}
	v := t.visible()
	for i := t.offset; i < min(t.offset+v, len(t.keep)); i++ {
		l := t.line(t.rows[t.keep[i]], ws)
		if i == t.cursor {
			l = th.Selected.Render(common.Cell(l, t.width))
		}
		out = append(out, l)
	}
	if len(t.rows) == 0 {
		out = append(out, th.Muted.Render(t.empty))
	} else if len(t.keep) == 0 {
		out = append(out, th.Muted.Render(t.c.T("没有符合筛选的记录", "nothing matches the filter")))
	}
	for len(out) < v+1 {
		out = append(out, "")
	}
	out = append(out, t.footer())
	return strings.Join(out, "\n")
}

func (t *Model) footer() string {
	th := t.c.Theme
	pos := ""
	if len(t.keep) > 0 {
		pos = fmt.Sprintf("%d/%d", t.cursor+1, len(t.keep))
	}
	if t.filtering || t.Filtered() {
		label := th.KeyHint.Render(t.c.T("筛选: ", "filter: "))
		f := label + t.filter.View()
		return lipgloss.JoinHorizontal(lipgloss.Top, f, "  ", th.Muted.Render(pos))
	}
	return th.Muted.Render(pos)
}
