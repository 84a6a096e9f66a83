package exceptions

import (
	"cardcenter/views/common"
	"cardcenter/views/components/listpage"
	"cardcenter/views/components/status"
	"cardcenter/views/components/table"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"cardcenter/app"
)

// The exceptions desk (异常处理), for supervisors and admins: every open case the card or
// the ledger could not settle by itself, its facts, and the three decisions — approve a
// write (a clerk other than the approver performs it at the repair screen), close it with
// no card change, or record an operator's cash adjustment (长短款). The ledger decides what
// may be decided; the screen asks, shows its answer, and loads the list again.
type exceptionsPage struct {
	listpage.Base
	keys    exceptionsKeys
	allowed bool // supervisors and admins; a page built for anyone else only says so

	rows []app.CaseView
	ops  []app.OperatorInfo // for the operator of a cash adjustment

	detail    bool   // the selected case's facts are on screen
	detailKey string // which case (its key), kept across reloads
	offset    int    // first line of the facts on screen

	decision  *excDecision // what the open form decides
	decideSeq int          // id of the decision in flight; 0 = none
	decisions int          // decisions asked so far (their ids)
	focusKey  string       // put the cursor on this case when the list comes back
}

// excDecision is the decision the open form asks for, with what its choice fields map to.
type excDecision struct {
	kind      app.DecisionKind
	cv        app.CaseView
	recharges []int64 // approve: the choice field's recharges (nil: the case's own)
	operators []int64 // adjustment: the choice field's operators (0 = none chosen)
}

// Messages of this screen, each carrying the id of the request it answers.
type (
	excLoadedMsg struct {
		seq   int
		cases []app.CaseView
		ops   []app.OperatorInfo
		err   error
	}
	excDecidedMsg struct {
		seq int
		d   app.Decision
		err error
	}
)

func New(c *common.Common) common.Page {
	p := &exceptionsPage{allowed: c.Actor.Role == app.RoleSupervisor || c.Actor.Role == app.RoleAdmin}
	p.keys = newExceptionsKeys(c, p.allowed)
	p.Base = listpage.New(c, []table.Col{{Title: c.T("类型", "Kind"), Width: 22}, {Title: c.T("开立", "Opened"), Width: 11}, {Title: c.T("卡号", "Card"), Width: 8},
		{Title: c.T("持卡人", "Holder"), Width: 6}, {Title: c.T("POS/流水", "POS/ser."), Width: 9}, {Title: excRight(c.T("金额", "Amount"), 8), Width: 8}, {Title: c.T("状态", "State"), Width: 0}},
		c.T("没有待处理的异常", "no open cases"))
	p.setKeys()
	return p
}

func (p *exceptionsPage) Title() string { return p.C.T("异常处理", "Exceptions") }

func (p *exceptionsPage) Init() tea.Cmd { return p.load() }

// Entered: the desk switched to this tab; the list is read again.
func (p *exceptionsPage) Entered() tea.Cmd {
	if p.Form != nil || p.Asking != nil {
		return nil // a decision being typed keeps its case
	}
	return p.load()
}

// load reads the open cases and the operators again; answers to older loads are dropped.
func (p *exceptionsPage) load() tea.Cmd {
	if !p.allowed {
		return nil
	}
	p.LoadSeq++
	seq, c, svc, actor := p.LoadSeq, p.C, p.C.Svc, p.C.Actor // the Cmd never reads the model
	return func() tea.Msg {
		ctx, cancel := common.CallContext(c)
		defer cancel()
		cases, err := svc.Exceptions(ctx, actor)
		if err != nil {
			return excLoadedMsg{seq: seq, err: err}
		}
		ops, err := svc.Operators(ctx, actor)
		return excLoadedMsg{seq: seq, cases: cases, ops: ops, err: err}
	}
}

func (p *exceptionsPage) Update(msg tea.Msg) (common.Page, tea.Cmd) {
	defer p.setKeys()
	switch msg := msg.(type) {
	case excLoadedMsg:
		p.onLoaded(msg)
	case excDecidedMsg:
		return p, p.onDecided(msg)
	case tea.KeyPressMsg:
		return p, p.key(msg)
	}
	return p, nil
}

func (p *exceptionsPage) onLoaded(msg excLoadedMsg) {
	if msg.seq != p.LoadSeq {
		return
	}
	if msg.err != nil {
		p.Status = status.Failed(p.C.Msg(msg.err))
		return
	}
	if sel, ok := p.selected(); ok && p.focusKey == "" {
		p.focusKey = sel.Case.Key()
	}
	p.rows, p.ops, p.Loaded = msg.cases, msg.ops, true
	p.Table.SetRows(listpage.TableRows(p.rows, p.cells))
	for i, cv := range p.rows {
		if cv.Case.Key() == p.focusKey {
			p.Table.Select(i)
		}
	}
	p.focusKey = ""
	if p.detail {
		if _, ok := p.byKey(p.detailKey); !ok {
			p.detail = false // decided elsewhere, or its condition ended
		}
	}
}

func (p *exceptionsPage) selected() (app.CaseView, bool) { return listpage.Selected(&p.Base, p.rows) }

func (p *exceptionsPage) byKey(k string) (app.CaseView, bool) {
	for _, cv := range p.rows {
		if cv.Case.Key() == k {
			return cv, true
		}
	}
	return app.CaseView{}, false
}

// current is the case the keys act on: the one in detail, else the one under the cursor.
func (p *exceptionsPage) current() (app.CaseView, bool) {
	if p.detail {
		return p.byKey(p.detailKey)
	}
	return p.selected()
}

// decidable: the case waits for a decision (an approved one waits for a clerk instead).
func (p *exceptionsPage) decidable() bool {
	cv, ok := p.current()
	return p.allowed && ok && cv.Status == app.CaseOpen && p.decideSeq == 0
}

// onDecided shows the ledger's answer: a refusal in the status line with the form still
// open to correct it; a decision closes the form, goes back to the list and reloads it.
func (p *exceptionsPage) onDecided(msg excDecidedMsg) tea.Cmd {
	if msg.seq != p.decideSeq {
		return nil
	}
	p.decideSeq = 0
	if msg.err != nil {
		// The form stays open to correct; the list is read again, as the refusal may be
		// that someone else decided first.
		p.Status = status.Failed(p.C.Msg(msg.err))
		return p.load()
	}
	p.Form, p.decision, p.detail = nil, nil, false
	p.Status = status.Done(p.decidedNote(msg.d))
	return p.load()
}

func (p *exceptionsPage) decidedNote(d app.Decision) string {
	c := p.C
	switch d.Kind {
	case app.DecideApproveWrite:
		return c.T(fmt.Sprintf("已批准补写充值 #%d:请另一位柜员在补写卡页放卡写卡", d.RechargeID),
			fmt.Sprintf("Write of recharge #%d approved: another clerk writes it at the Repair screen", d.RechargeID))
	case app.DecideAdjustment:
		return c.T("已记长短款 "+signedYuan(d.Amount)+" 元,计入 "+d.Day, "Cash adjustment of "+signedYuan(d.Amount)+" yuan recorded on "+d.Day)
	}
	return c.T("已结案 ", "Closed ") + d.CaseKey
}

// signedYuan shows an adjustment with its sign: +20.00, -50.00.
func signedYuan(f app.Fen) string {
	if f > 0 {
		return "+" + app.FormatYuan(f)
	}
	return app.FormatYuan(f)
}

// excParseAmount reads a signed amount of yuan ("-50", "+20", "12.50") as fen.
func excParseAmount(s string) (app.Fen, bool) {
	f, err := app.ParseYuan(s)
	return f, err == nil && strings.TrimSpace(s) != ""
}
