// Package posscreen is the recharge POS's own screen: a small keypad-and-display panel in
// the terminal, in Chinese by default. It drives an app/pos Terminal; all card and network
// work happens in tea.Cmds. While an operation waits for the host it says what for; what
// became of earlier reversals is shown once, loudly when one did not take the recharge back.
package posscreen

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

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
	// Progress says what a running operation waits for; it never waits itself.
	Progress() (pos.Waiting, bool)
	Notices() []pos.Notice
	DismissNotices(serials []int64) error
	CheckOutcomes(ctx context.Context) error
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
	waiting string       // what the running operation waits for, from Progress
	notices []pos.Notice // outcomes of earlier reversals the operator has not seen yet
	polling bool         // an idle question about reversal outcomes is scheduled
	// tick schedules fn after d (tea.Tick; tests give their own so nothing sleeps).
	tick func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd
}

// How often the screen looks at a running operation, and how often an idle POS asks the
// host what became of its reversals.
const (
	progressEvery = 500 * time.Millisecond
	outcomesEvery = 30 * time.Second
)

// New returns the screen for term; lang "en" for English.
func New(ctx context.Context, term Terminal, device, lang string) Model {
	en := lang == "en"
	t := textZH
	if en {
		t = textEN
	}
	return Model{ctx: ctx, term: term, device: device, t: t, en: en, keys: newKeys(en), th: theme.New(true), st: starting, tick: tea.Tick}
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
	progressMsg struct {
		w  pos.Waiting
		ok bool
	}
	outcomesMsg  struct{}
	dismissedMsg struct{ err error }
)

func (m Model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, func() tea.Msg { return startedMsg{m.term.Start(m.ctx)} }, m.pollProgress())
}

// pollProgress looks at the running operation again in a moment.
func (m Model) pollProgress() tea.Cmd {
	return m.tick(progressEvery, func(time.Time) tea.Msg { w, ok := m.term.Progress(); return progressMsg{w, ok} })
}

// pollOutcomes asks the host, in a while, what became of the reversals still watched.
func (m Model) pollOutcomes() (Model, tea.Cmd) {
	if m.polling || len(m.term.State().Watched) == 0 {
		return m, nil
	}
	m.polling = true
	return m, m.tick(outcomesEvery, func(time.Time) tea.Msg {
		m.term.CheckOutcomes(m.ctx) // best effort: with no answer they are asked again
		return outcomesMsg{}
	})
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
	case progressMsg:
		if m.st != working && m.st != starting {
			m.waiting = ""
			return m, nil // the operation ended: stop looking
		}
		m.waiting = ""
		if msg.ok {
			m.waiting = msg.w.Message(m.lang())
		}
		return m, m.pollProgress()
	case outcomesMsg:
		m.polling = false
		m.notices = m.term.Notices()
		return m.pollOutcomes()
	case dismissedMsg:
		m.notices = m.term.Notices()
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	if m.st == menu || m.st == needPIN || m.st == result {
		return m.pollOutcomes()
	}
	return m, nil
}

func (m Model) lang() string {
	if m.en {
		return "en"
	}
	return "zh"
}

// afterWork picks the screen that follows a finished operation from what the POS knows.
func (m Model) afterWork(err error) Model {
	st := m.term.State()
	m.session = st.Session
	m.input, m.notice, m.waiting = "", "", ""
	m.notices = m.term.Notices()
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
	if len(m.notices) > 0 && (m.st == menu || m.st == result) {
		// What became of a reversal is read first: the key only says "seen".
		var serials []int64
		for _, n := range m.notices {
			serials = append(serials, n.Serial)
		}
		m.notices = nil
		if m.st == result {
			m = m.afterWork(nil)
			m.lines = nil
		}
		return m, func() tea.Msg { return dismissedMsg{m.term.DismissNotices(serials)} }
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
	m.st, m.notice, m.waiting = working, "", ""
	return m, tea.Batch(cmd, m.pollProgress())
}

func (m Model) errorLines(err error) []string {
	var ae *app.Error
	if errors.As(err, &ae) {
		switch ae.Code {
		case pos.CodeTimeout:
			return []string{m.t.Timeout}
		case pos.CodeTimeoutPending:
			return []string{ae.Message(m.lang())}
		}
		return []string{m.t.Refused, ae.Message(map[bool]string{true: "en", false: "zh"}[m.en]), string(ae.Code)}
	}
	return []string{m.t.Refused, err.Error()}
}

func (m Model) summaryLines(s app.SummaryResult) []string {
	line := func(name string, t app.SummaryTotals) []string {
		out := []string{
			name,
			fmt.Sprintf("  %s %d%s %s", m.t.Recharges, t.Recharges.Count, m.t.Count, yuan(t.Recharges.Amount)),
			fmt.Sprintf("  %s %d%s %s", m.t.Reversals, t.Reversals.Count, m.t.Count, yuan(t.Reversals.Amount)),
		}
		if t.LateReversals.Count > 0 { // of recharges of days already settled: a line of its own
			out = append(out, fmt.Sprintf("  %s %d%s %s", m.t.LateReversals, t.LateReversals.Count, m.t.Count, yuan(t.LateReversals.Amount)))
		}
		return append(out, fmt.Sprintf("  %s %s %s", m.t.Cash, yuan(t.Cash), m.t.Yuan))
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

// noticeLines shows the newest few outcomes; an alarm first and in red, because the
// operator must not hand back the cash.
func (m Model) noticeLines() []string {
	const shown = 3
	ns := append([]pos.Notice(nil), m.notices...)
	for i, j := 0, 0; i < len(ns); i++ {
		if ns[i].Alarm {
			ns[i], ns[j] = ns[j], ns[i]
			j++
		}
	}
	out := []string{m.th.Title.Render(m.t.NoticesTitle)}
	for _, n := range ns[:min(len(ns), shown)] {
		style := m.th.Muted
		if n.Alarm {
			style = m.th.Bad
		}
		out = append(out, style.Render(lipgloss.Wrap(n.Message(m.lang()), 38, " ")))
	}
	if len(ns) > shown {
		out = append(out, m.th.Muted.Render(fmt.Sprintf(m.t.MoreNotices, len(ns)-shown)))
	}
	return append(out, m.th.Muted.Render(m.t.PressAnyKey))
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
	if m.waiting != "" && (m.st == working || m.st == starting) {
		body = append(body, th.Warn.Render(lipgloss.Wrap(m.waiting, 38, " ")))
	}
	if m.notice != "" {
		body = append(body, th.Warn.Render(m.notice))
	}
	if len(m.notices) > 0 && m.st != working && m.st != starting {
		body = append(append(body, ""), m.noticeLines()...)
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
