package reports

import (
	"cardcenter/views/common"
	"cardcenter/views/components/confirm"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"cardcenter/app"
)

// The reports screen (supervisors and admins): today's operator cash report (当日报表 →
// 操作员票据现金报表, live) and the settled history by day range (结算报表), laid out as
// 科目 / 摘要 / 交易次数 / 收入 / 支出 / 结存; a bar chart of each operator's POS现金充值;
// export to CSV and XLSX; 日结 with a confirmation that defaults to No.

type reportsMode int

const (
	reportsToday reportsMode = iota
	reportsHistory
)

// historyDays is how many days the history range covers at first (ending yesterday).
const historyDays = 7

type reportNoteKind int

const (
	rnMuted reportNoteKind = iota
	rnGood
	rnWarn
	rnBad
)

// reportNote is one line of the screen's status: what happened, in plain words.
type reportNote struct {
	kind reportNoteKind
	text string
}

type reportsPage struct {
	c    *common.Common
	keys reportsKeys
	// allowed: the person may read reports (the tab is only given to supervisors and
	// admins; this guards a page built for anyone else).
	allowed bool

	mode     reportsMode
	from, to textinput.Model
	editing  bool
	field    int       // 0 from, 1 to
	saved    [2]string // the range before editing, restored by esc
	dateErr  string    // why the typed range was refused

	rep     *app.Report // what is on screen (nil until the first answer)
	loading bool
	seq     int   // id of the report asked for last; older answers are dropped
	err     error // refusal of the last query

	chart      bool
	confirming bool // 日结? y / n (default n)
	settling   bool
	exporting  bool
	notes      []reportNote

	offset        int
	width, height int
	cache         *reportLayout // the layout of rep, built on first sight
}

// Messages of this screen (the root broadcasts every result to every page).
type (
	reportLoadedMsg struct {
		seq int
		rep app.Report
		err error
	}
	reportSettledMsg struct {
		res app.SettleResult
		err error
	}
	reportExportedMsg struct {
		format, path string
		err          error
	}
)

func New(c *common.Common) common.Page {
	p := &reportsPage{c: c, keys: newReportsKeys(c), width: c.Width, height: c.Height,
		allowed: c.Actor.Role == app.RoleSupervisor || c.Actor.Role == app.RoleAdmin}
	p.from, p.to = dateInput(), dateInput()
	if t, err := app.ParseDay(c.Svc.Today()); err == nil {
		p.from.SetValue(t.AddDate(0, 0, -historyDays).Format(app.DayLayout))
		p.to.SetValue(t.AddDate(0, 0, -1).Format(app.DayLayout))
	}
	return p
}

func dateInput() textinput.Model {
	ti := common.NewTextInput("", 10, false)
	ti.Prompt = ""
	ti.CharLimit = 10
	return ti
}

func (p *reportsPage) Init() tea.Cmd {
	if !p.allowed {
		return nil
	}
	return p.load()
}

func (p *reportsPage) Title() string    { return p.c.T("报表", "Reports") }
func (p *reportsPage) Busy() bool       { return false }
func (p *reportsPage) Capturing() bool  { return p.editing }
func (p *reportsPage) SetSize(w, h int) { p.width, p.height = w, h; p.clampOffset() }
func (p *reportsPage) ShortHelp() []key.Binding {
	k := p.keys
	switch {
	case !p.allowed:
		return nil
	case p.editing:
		return []key.Binding{k.NextField, k.Run, k.Cancel}
	case p.confirming:
		cf := confirm.NewKeys(p.c)
		return []key.Binding{cf.Yes, cf.No}
	}
	// Short enough that the desk's tab, ? and q still fit at 80 columns (e is shown on
	// the range line and in the full help).
	return []key.Binding{k.Mode, k.Chart, k.Export, k.Settle}
}

func (p *reportsPage) FullHelp() [][]key.Binding {
	if !p.allowed {
		return nil
	}
	k := p.keys
	return [][]key.Binding{
		{k.Today, k.History, k.Range, k.Reload},
		{k.Chart, k.CSV, k.XLSX, k.Settle},
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.End},
	}
}

// load asks for the report of the current mode: today, or the range in the fields.
func (p *reportsPage) load() tea.Cmd {
	p.seq++
	p.loading, p.err = true, nil
	seq, svc, ctx, actor := p.seq, p.c.Svc, p.c.Ctx, p.c.Actor
	from, to := p.from.Value(), p.to.Value()
	today := p.mode == reportsToday
	return func() tea.Msg {
		if today {
			from = svc.Today()
			to = from
		}
		rep, err := svc.Report(ctx, actor, from, to)
		return reportLoadedMsg{seq: seq, rep: rep, err: err}
	}
}
