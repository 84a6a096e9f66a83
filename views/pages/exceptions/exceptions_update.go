package exceptions

import (
	"cardcenter/views/common"
	"cardcenter/views/components/confirm"
	"cardcenter/views/components/form"
	"cardcenter/views/components/status"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"cardcenter/app"
)

// key handles a key: the open question, then the open form, then the facts or the list.
func (p *exceptionsPage) key(k tea.KeyPressMsg) tea.Cmd {
	if !p.allowed {
		return nil
	}
	if p.Asking != nil || p.Form != nil {
		if p.decideSeq != 0 {
			return nil // the ledger is answering
		}
		cmd, _ := p.RouteKey(k, p.askDecision)
		if p.Form == nil {
			p.decision = nil // esc left the form
		}
		return cmd
	}
	if p.Table.Filtering() {
		p.Table.Update(k)
		return nil
	}
	kb := p.keys
	switch {
	case key.Matches(k, kb.Reload):
		return p.load()
	case key.Matches(k, kb.Approve):
		p.openForm(app.DecideApproveWrite)
		return nil
	case key.Matches(k, kb.Close):
		p.openForm(app.DecideClose)
		return nil
	case key.Matches(k, kb.Adjust):
		p.openForm(app.DecideAdjustment)
		return nil
	}
	if p.detail {
		switch {
		case key.Matches(k, kb.Back):
			p.detail = false
		case key.Matches(k, kb.ScrollUp):
			p.offset = max(p.offset-1, 0)
		case key.Matches(k, kb.ScrollDn):
			p.offset = min(p.offset+1, p.maxOffset())
		}
		return nil
	}
	if key.Matches(k, kb.Open) {
		if cv, ok := p.selected(); ok {
			p.detail, p.detailKey, p.offset = true, cv.Case.Key(), 0
		}
		return nil
	}
	p.Table.Update(k)
	return nil
}

// openForm asks for a decision on the current case: the reason always, and what the kind
// needs besides (which recharge, which operator and how much).
func (p *exceptionsPage) openForm(kind app.DecisionKind) {
	cv, ok := p.current()
	if !ok {
		return
	}
	c := p.C
	p.Status = status.Line{}
	dec := &excDecision{kind: kind, cv: cv}
	r := cv.Facts.Recharge
	what := cv.Case.Kind.Label(c.Lang) + "  " + cv.Case.Key()
	switch kind {
	case app.DecideApproveWrite:
		p.Form = form.New(c, c.T("批准补写", "Approve the write")+c.T(":", ": ")+what)
		if r.ID != 0 {
			p.Form.Note = c.T("批准把充值 ", "Approve writing recharge ") + excRechargeRef(c, r) +
				c.T(" 写入卡 ", " onto card ") + r.CardNo + c.T(";由另一位柜员在补写卡页写卡,批准人自己不能写", "; another clerk writes it at the Repair screen, never the approver")
		} else {
			p.Form.Note = c.T("该异常不涉及具体充值:请选择该卡待处理的一笔充值;由另一位柜员在补写卡页写卡",
				"This case names no recharge: pick one of the card's recharges awaiting the desk; another clerk writes it")
			var labels []string
			for _, o := range cv.Facts.OtherOnCard {
				dec.recharges = append(dec.recharges, o.ID)
				labels = append(labels, excRechargeRef(c, o))
			}
			if len(labels) == 0 {
				dec.recharges = []int64{0}
				labels = []string{c.T("(该卡没有待处理的充值)", "(none awaits the desk)")}
			}
			p.Form.Choose(c.T("充值", "Recharge"), labels, 0)
		}
	case app.DecideClose:
		p.Form = form.New(c, c.T("结案(不改卡)", "Close (no card change)")+c.T(":", ": ")+what)
		p.Form.Note = c.T("卡上不作任何改动;该笔充值不再补写。理由存档备查", "Nothing changes on the card, and its recharge is not written; the reason is kept on record")
	case app.DecideAdjustment:
		p.Form = form.New(c, c.T("长短款", "Cash adjustment")+c.T(":", ": ")+what)
		p.Form.Note = c.T("金额为元,带符号:+20 操作员多交(长款),-50 少交(短款);计入当前结算日的现金报表",
			"Yuan with a sign: +20 the operator hands in more, -50 less; counted on the current day's cash report")
		labels := []string{c.T("(请选择)", "(choose)")}
		dec.operators = []int64{0}
		pick := 0
		for _, o := range p.ops {
			if o.ID == r.OperatorID && r.ID != 0 {
				pick = len(labels)
			}
			dec.operators = append(dec.operators, o.ID)
			labels = append(labels, o.OpNo+" "+o.Name)
		}
		p.Form.Choose(c.T("操作员", "Operator"), labels, pick)
		p.Form.Text(c.T("金额", "Amount"), "", 12, false, c.T("元,如 -50 或 +20", "yuan, e.g. -50 or +20"))
	}
	p.Form.Text(c.T("理由", "Reason"), "", 44, false, c.T(fmt.Sprintf("必填,至多 %d 字", app.MaxReasonRunes), fmt.Sprintf("required, %d max", app.MaxReasonRunes)))
	p.Form.Limit(p.Form.Len()-1, app.MaxReasonRunes)
	p.Form.Note = strings.Join(common.WrapStyled(lipgloss.NewStyle(), p.Form.Note, max(p.Width, 20)), "\n")
	p.decision = dec
}

// excRechargeRef names a recharge in one short line: POS, serial, amount, time.
func excRechargeRef(c *common.Common, r app.Recharge) string {
	return fmt.Sprintf("#%d %s/%d %s%s %s", r.ID, r.DeviceID, r.Serial, app.FormatYuan(r.Amount), c.T(" 元", " yuan"), common.FormatTime(c, r.BookedAt))
}

// askDecision is the form's submit: what it would decide, asked once more (No is the
// default). Only the shape of the amount is checked here; the ledger checks the rest.
func (p *exceptionsPage) askDecision() tea.Cmd {
	c, f, dec := p.C, p.Form, p.decision
	if dec == nil {
		return nil
	}
	in := app.DecisionInput{CaseKey: dec.cv.Case.Key(), Kind: dec.kind, Reason: f.Raw(f.Len() - 1)}
	var prompt string
	switch dec.kind {
	case app.DecideApproveWrite:
		r := dec.cv.Facts.Recharge
		if dec.recharges != nil {
			in.RechargeID = dec.recharges[f.Picked(0)]
			for _, o := range dec.cv.Facts.OtherOnCard {
				if o.ID == in.RechargeID {
					r = o
				}
			}
		}
		prompt = c.T("批准补写 "+excRechargeRef(c, r)+" 到卡 "+dec.cv.Case.CardNo+"?须由另一位柜员写卡",
			"Approve writing "+excRechargeRef(c, r)+" onto card "+dec.cv.Case.CardNo+"? Another clerk writes it")
	case app.DecideClose:
		prompt = c.T("结案 "+dec.cv.Case.Key()+"?卡上不作改动", "Close "+dec.cv.Case.Key()+"? Nothing changes on the card")
	case app.DecideAdjustment:
		in.OperatorID = dec.operators[f.Picked(0)]
		amount, ok := excParseAmount(f.Value(1))
		switch {
		case in.OperatorID == 0:
			p.Status = status.Failed(c.T("请选择操作员(←→)", "Choose the operator (←→)"))
			return nil
		case !ok || amount == 0:
			p.Status = status.Failed(c.T("金额应为带符号的元,如 -50 或 +20", "The amount is yuan with a sign, e.g. -50 or +20"))
			return nil
		}
		in.Amount = amount
		op := f.Choice(0)
		prompt = c.T("为操作员 "+op+" 记长短款 "+signedYuan(amount)+" 元?计入当前结算日的现金报表",
			"Record a cash adjustment of "+signedYuan(amount)+" yuan for "+op+"? It counts on the current day's cash report")
	}
	p.Status = status.Line{}
	p.Asking = &confirm.Question{Prompt: prompt, Run: func() tea.Cmd { return p.decide(in) }}
	return nil
}

// decide records the decision with the ledger.
func (p *exceptionsPage) decide(in app.DecisionInput) tea.Cmd {
	p.decisions++
	p.decideSeq = p.decisions
	seq, c, svc, actor := p.decideSeq, p.C, p.C.Svc, p.C.Actor
	return func() tea.Msg {
		ctx, cancel := common.CallContext(c)
		defer cancel()
		d, err := svc.Decide(ctx, actor, in)
		return excDecidedMsg{seq: seq, d: d, err: err}
	}
}
