package form

import (
	"cardcenter/views/common"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// admFieldKind: a text field, a yes/no switch, or a choice among a few values.
type admFieldKind int

const (
	admText admFieldKind = iota
	admSwitch
	admChoice
)

// admField is one line of an admin form.
type admField struct {
	label   string
	hint    string // shown muted after the field
	kind    admFieldKind
	input   textinput.Model
	on      bool     // admSwitch
	choices []string // admChoice: shown as is
	choice  int
}

// FormModel is a small form: labelled fields, tab / ↑↓ to move, space or ←→ to flip a
// switch or a choice, enter on the last field to submit, esc to cancel.
type Model struct {
	c      *common.Common
	title  string
	Note   string // a line under the title (e.g. "put the card on the reader")
	fields []admField
	focus  int
	Err    string
	keys   admFormKeys
}

type admFormKeys struct {
	Next, Prev, Flip, Submit, Cancel key.Binding
}

// FormResult is what a key did to the form.
type Result int

const (
	Editing Result = iota
	Submit
	Cancel
)

func New(c *common.Common, title string) *Model {
	return &Model{c: c, title: title, keys: admFormKeys{
		Next:   key.NewBinding(key.WithKeys("tab", "down"), key.WithHelp("tab/↓", c.T("下一项", "next field"))),
		Prev:   key.NewBinding(key.WithKeys("shift+tab", "up"), key.WithHelp("shift+tab/↑", c.T("上一项", "previous field"))),
		Flip:   key.NewBinding(key.WithKeys("space", "left", "right"), key.WithHelp("space/←→", c.T("切换", "change"))),
		Submit: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", c.T("下一项/提交", "next / submit"))),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", c.T("取消", "cancel"))),
	}}
}

// Text adds a Text field (secret fields are masked).
func (f *Model) Text(label, value string, width int, secret bool, hint string) *Model {
	in := common.NewTextInput("", width, secret)
	in.Prompt = "" // the form marks the focused line itself
	in.SetValue(value)
	f.fields = append(f.fields, admField{label: label, hint: hint, kind: admText, input: in})
	f.Refocus()
	return f
}

func (f *Model) Toggle(label string, on bool) *Model {
	f.fields = append(f.fields, admField{label: label, kind: admSwitch, on: on})
	return f
}

func (f *Model) Choose(label string, choices []string, choice int) *Model {
	f.fields = append(f.fields, admField{label: label, kind: admChoice, choices: choices, choice: choice})
	return f
}

func (f *Model) Value(i int) string { return strings.TrimSpace(f.fields[i].input.Value()) }
func (f *Model) Raw(i int) string   { return f.fields[i].input.Value() }
func (f *Model) IsOn(i int) bool    { return f.fields[i].on }
func (f *Model) Picked(i int) int   { return f.fields[i].choice }

func (f *Model) Set(i int, v string) { f.fields[i].input.SetValue(v) }

func (f *Model) Refocus() {
	for i := range f.fields {
		if f.fields[i].kind == admText {
			if i == f.focus {
				f.fields[i].input.Focus()
			} else {
				f.fields[i].input.Blur()
			}
		}
	}
}

func (f *Model) move(d int) {
	f.focus = (f.focus + d + len(f.fields)) % len(f.fields)
	f.Refocus()
}

// Update applies a key; the caller acts on Submit and Cancel.
func (f *Model) Update(msg tea.Msg) Result {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return Editing
	}
	fd := &f.fields[f.focus]
	switch {
	case key.Matches(k, f.keys.Cancel):
		return Cancel
	case key.Matches(k, f.keys.Submit):
		if f.focus == len(f.fields)-1 {
			return Submit
		}
		f.move(1)
	case key.Matches(k, f.keys.Next):
		f.move(1)
	case key.Matches(k, f.keys.Prev):
		f.move(-1)
	case fd.kind == admSwitch && (key.Matches(k, f.keys.Flip) || k.String() == "y" || k.String() == "n"):
		switch k.String() {
		case "y":
			fd.on = true
		case "n":
			fd.on = false
		default:
			fd.on = !fd.on
		}
	case fd.kind == admChoice && key.Matches(k, f.keys.Flip):
		d := 1
		if k.String() == "left" {
			d = -1
		}
		fd.choice = (fd.choice + d + len(fd.choices)) % len(fd.choices)
	case fd.kind == admText:
		fd.input, _ = fd.input.Update(k)
	}
	return Editing
}

func (f *Model) View() string {
	th := f.c.Theme
	labelW := 4
	for _, fd := range f.fields {
		labelW = max(labelW, lipgloss.Width(fd.label)+2)
	}
	lines := []string{th.Title.Render(f.title)}
	if f.Note != "" {
		lines = append(lines, th.Muted.Render(f.Note))
	}
	lines = append(lines, "")
	for i, fd := range f.fields {
		// "> " marks the focused line, also without colours (NO_COLOR).
		label := "  " + common.Cell(fd.label, labelW)
		if i == f.focus {
			label = th.Emphasis.Render("> " + common.Cell(fd.label, labelW))
		} else {
			label = th.Muted.Render(label)
		}
		var v string
		switch fd.kind {
		case admText:
			v = fd.input.View()
		case admSwitch:
			yes, no := f.c.T("是", "yes"), f.c.T("否", "no")
			// The brackets show the choice without colours too.
			if fd.on {
				v = th.Selected.Render("["+yes+"]") + " " + th.Muted.Render(" "+no+" ")
			} else {
				v = th.Muted.Render(" "+yes+" ") + " " + th.Selected.Render("["+no+"]")
			}
		case admChoice:
			v = "< " + th.Emphasis.Render(fd.choices[fd.choice]) + " >"
		}
		if fd.hint != "" {
			v += "  " + th.Muted.Render(fd.hint)
		}
		lines = append(lines, label+v)
	}
	if f.Err != "" {
		lines = append(lines, "", th.Bad.Render(f.Err))
	}
	return strings.Join(lines, "\n")
}

func (f *Model) Help() []key.Binding {
	return []key.Binding{f.keys.Submit, f.keys.Next, f.keys.Flip, f.keys.Cancel}
}

// Len is the number of fields.
func (f *Model) Len() int { return len(f.fields) }

// Limit caps how many characters text field i takes.
func (f *Model) Limit(i, n int) { f.fields[i].input.CharLimit = n }

// Choice is the text of the value picked in choice field i.
func (f *Model) Choice(i int) string { return f.fields[i].choices[f.fields[i].choice] }

// Clear empties every field and puts the focus on the first.
func (f *Model) Clear() {
	for i := range f.fields {
		f.Set(i, "")
	}
	f.focus = 0
	f.Refocus()
}
