// Package posscreen is the recharge POS's own screen: a small keypad-and-display panel in
// the terminal, in Chinese by default. It drives an app/pos Terminal; all card and network
// work happens in tea.Cmds.
package posscreen

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"cardcenter/app"
	"cardcenter/app/pos"
	"cardcenter/views/theme"
)

// Terminal is what the screen needs of a POS (an *pos.Terminal).
type Terminal interface {
	Start(ctx context.Context) error
	Authorize(ctx context.Context, pin string) (app.AuthorizeResult, error)
	Recharge(ctx context.Context, yuan int64) (pos.Outcome, error)
	Retap(ctx context.Context) (pos.Outcome, error)
	CancelRetap(ctx context.Context) error
	Summary(ctx context.Context) (app.SummaryResult, error)
	Upload(ctx context.Context) ([]app.BatchItem, error)
	State() pos.State
}

var _ Terminal = (*pos.Terminal)(nil)

type state int

const (
	starting state = iota
	needPIN
	menu
	amount
	working
	retap
	result
)

// Model is the POS screen.
type Model struct {
	ctx     context.Context
	term    Terminal
	device  string
	t       text
	en      bool
	keys    keyMap
	th      theme.Theme
	st      state
	input   string   // PIN or amount being keyed
	notice  string   // a one-line remark under the input (e.g. whole yuan only)
	lines   []string // the result panel
	good    bool     // the result is a success
	session *pos.Session
	width   int
}

// New returns the screen for term; lang "en" for English.
func New(ctx context.Context, term Terminal, device, lang string) Model {
	en := lang == "en"
	t := textZH
	if en {
		t = textEN
	}
	return Model{ctx: ctx, term: term, device: device, t: t, en: en, keys: newKeys(en), th: theme.New(true), st: starting}
}

// Messages from the commands.
type (
	startedMsg    struct{ err error }
	authorizedMsg struct {
		res app.AuthorizeResult
		err error
	}
	rechargedMsg struct {
		out pos.Outcome
		err error
	}
	cancelledMsg struct{ err error }
	summaryMsg   struct {
		res app.SummaryResult
		err error
	}
	uploadedMsg struct {
		items []app.BatchItem
		err   error
	}
)

func (m Model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, func() tea.Msg { return startedMsg{m.term.Start(m.ctx)} })
}

func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.BackgroundColorMsg:
		m.th = theme.New(msg.IsDark())
	case tea.WindowSizeMsg:
		m.width = msg.Width
	case startedMsg:
		m = m.afterWork(msg.err)
		if msg.err != nil {
			m.st = result
		}
	case authorizedMsg:
		if msg.err == nil {
			m.lines, m.good = []string{m.t.Authorized, fmt.Sprintf("%s %s %s", m.t.Operator, msg.res.OperatorNo, msg.res.OperatorName)}, true
		}
		m = m.showResult(msg.err)
	case rechargedMsg:
		if msg.err == nil {
			m.lines, m.good = []string{m.t.Recharged + "  " + yuan(msg.out.Amount) + " " + m.t.Yuan,
				m.t.Balance + "  " + yuan(msg.out.BalanceAfter) + " " + m.t.Yuan}, true
		}
		m = m.showResult(msg.err)
	case cancelledMsg:
		if msg.err == nil {
			m.lines, m.good = []string{m.t.Cancelled}, true
		}
		m = m.showResult(msg.err)
	case summaryMsg:
		if msg.err == nil {
			m.lines, m.good = m.summaryLines(msg.res), true
		}
		m = m.showResult(msg.err)
	case uploadedMsg:
		if msg.err == nil {
			m.lines, m.good = m.uploadLines(msg.items), true
		}
		m = m.showResult(msg.err)
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return m, nil
}

// afterWork picks the screen that follows a finished operation from what the POS knows.
func (m Model) afterWork(err error) Model {
	st := m.term.State()
	m.session = st.Session
	m.input, m.notice = "", ""
	switch {
	case st.Retap != nil:
		m.st = retap
	case st.Session == nil:
		m.st = needPIN
	default:
		m.st = menu
	}
	if err != nil {
		m.lines, m.good = m.errorLines(err), false
	}
	return m
}

func (m Model) showResult(err error) Model {
	m = m.afterWork(err)
	if m.st != retap {
		m.st = result
	}
	return m
}

func (m Model) key(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if key.Matches(k, m.keys.Quit) && m.st != working {
		return m, tea.Quit
	}
	switch m.st {
	case needPIN, amount:
		return m.keyInput(k)
	case menu:
		switch k.String() {
		case "1":
			return m.work(func() tea.Msg { r, err := m.term.Summary(m.ctx); return summaryMsg{r, err} })
		case "2":
			m.st, m.input, m.notice = amount, "", ""
		case "3":
			return m.work(func() tea.Msg { it, err := m.term.Upload(m.ctx); return uploadedMsg{it, err} })
		}
	case retap:
		switch {
		case key.Matches(k, m.keys.Confirm):
			return m.work(func() tea.Msg { o, err := m.term.Retap(m.ctx); return rechargedMsg{o, err} })
		case key.Matches(k, m.keys.Cancel):
			return m.work(func() tea.Msg { return cancelledMsg{m.term.CancelRetap(m.ctx)} })
		}
	case result:
		m = m.afterWork(nil)
		m.lines = nil
	}
	return m, nil
}

// keyInput edits the PIN or the amount: digits only, as on the POS's keypad.
func (m Model) keyInput(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	max := 8
	if m.st == amount {
		max = 5
	}
	switch {
	case key.Matches(k, m.keys.Confirm):
		if m.input == "" {
			return m, nil
		}
		in := m.input
		if m.st == needPIN {
			return m.work(func() tea.Msg { r, err := m.term.Authorize(m.ctx, in); return authorizedMsg{r, err} })
		}
		var y int64
		fmt.Sscanf(in, "%d", &y)
		return m.work(func() tea.Msg { o, err := m.term.Recharge(m.ctx, y); return rechargedMsg{o, err} })
	case key.Matches(k, m.keys.Cancel):
		if m.st == amount {
			m.st = menu
		}
		m.input, m.notice = "", ""
	case key.Matches(k, m.keys.Erase):
		if m.input != "" {
			m.input = m.input[:len(m.input)-1]
		}
	case k.Text == "." || k.Text == "。":
		if m.st == amount {
			m.notice = m.t.WholeYuanOnly // rule 11: no jiao, no fen
		}
	case len(k.Text) == 1 && k.Text[0] >= '0' && k.Text[0] <= '9':
		if len(m.input) < max && !(m.st == amount && m.input == "" && k.Text == "0") {
			m.input += k.Text
			m.notice = ""
		}
	}
	return m, nil
}

func (m Model) work(cmd tea.Cmd) (tea.Model, tea.Cmd) {
	m.st, m.notice = working, ""
	return m, cmd
}

func (m Model) errorLines(err error) []string {
	var ae *app.Error
	if errors.As(err, &ae) {
		if ae.Code == pos.CodeTimeout {
			return []string{m.t.Timeout}
		}
		return []string{m.t.Refused, ae.Message(map[bool]string{true: "en", false: "zh"}[m.en]), string(ae.Code)}
	}
	return []string{m.t.Refused, err.Error()}
}

func (m Model) summaryLines(s app.SummaryResult) []string {
	line := func(name string, t app.SummaryTotals) []string {
		return []string{
			name,
			fmt.Sprintf("  %s %d%s %s", m.t.Recharges, t.Recharges.Count, m.t.Count, yuan(t.Recharges.Amount)),
			fmt.Sprintf("  %s %d%s %s", m.t.Reversals, t.Reversals.Count, m.t.Count, yuan(t.Reversals.Amount)),
			fmt.Sprintf("  %s %s %s", m.t.Cash, yuan(t.Cash), m.t.Yuan),
		}
	}
	out := []string{m.t.SummaryTitle + "  " + s.OperatorNo + " " + s.OperatorName}
	out = append(out, line(m.t.Session, s.Session)...)
	return append(out, line(m.t.Today+" "+s.Day, s.Today)...)
}

func (m Model) uploadLines(items []app.BatchItem) []string {
	if len(items) == 0 {
		return []string{m.t.NothingToUpload}
	}
	out := []string{m.t.Uploaded}
	for _, it := range items {
		msg := it.ZH
		if m.en {
			msg = it.EN
		}
		out = append(out, strings.TrimSpace(fmt.Sprintf("#%d %s %s", it.Serial, it.Status, msg)))
	}
	return out
}

func yuan(f app.Fen) string { return app.FormatYuan(f) }

// View draws the POS: header (device, operator), the display, the keys.
func (m Model) View() tea.View {
	th := m.th
	op := m.t.NoOperator
	if m.session != nil {
		op = m.session.OperatorNo + " " + m.session.OperatorName
	}
	header := th.Title.Render(m.t.Device+" "+m.device) + "  " + th.Muted.Render(m.t.Operator+": "+op)
	var body []string
	switch m.st {
	case starting:
		body = []string{m.t.Starting}
	case working:
		body = []string{m.t.Working}
	case needPIN:
		body = []string{m.t.TapAuthCard, m.t.EnterPIN + ": " + th.Input.Render(strings.Repeat("*", len(m.input))+"_")}
	case menu:
		body = []string{m.t.Menu1, m.t.Menu2, m.t.Menu3}
	case amount:
		body = []string{m.t.EnterAmount + ": " + th.Input.Render(m.input+"_"), th.Muted.Render(m.t.PutCard)}
	case retap:
		body = []string{th.Warn.Render(m.t.Retap), lipgloss.Wrap(m.t.RetapHint, 36, " ")}
	case result:
		style := th.Bad
		if m.good {
			style = th.Good
		}
		for i, l := range m.lines {
			if i == 0 {
				l = style.Render(l)
			}
			body = append(body, l)
		}
		body = append(body, th.Muted.Render(m.t.PressAnyKey))
	}
	if m.notice != "" {
		body = append(body, th.Warn.Render(m.notice))
	}
	if m.st != result && m.st != retap && len(m.lines) > 0 && !m.good {
		body = append(body, th.Bad.Render(strings.Join(m.lines, " ")))
	}
	hints := []key.Binding{m.keys.Confirm, m.keys.Cancel, m.keys.Quit}
	var hs []string
	for _, b := range hints {
		hs = append(hs, b.Help().Key+" "+b.Help().Desc)
	}
	panel := th.Frame.Width(42).Render(lipgloss.JoinVertical(lipgloss.Left,
		header, "", strings.Join(body, "\n"), "", th.KeyHint.Render(strings.Join(hs, "  "))))
	v := tea.NewView(panel + "\n")
	v.AltScreen = true
	v.WindowTitle = m.t.Device + " " + m.device
	return v
}
