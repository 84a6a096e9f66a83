package bindings

import (
	"cardcenter/views/common"
	"cardcenter/views/components/confirm"
	"cardcenter/views/components/form"
	"cardcenter/views/components/listpage"
	"cardcenter/views/components/status"
	"cardcenter/views/components/table"
	"context"
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"cardcenter/app"
)

// bindingsPage: the recharge operators and their authorization cards (rule 10). An admin
// binds a card by putting it on the reader or typing its number, and unbinds one.
type bindingsPage struct {
	listpage.List[app.OperatorCard]
	keys   bindingsKeys
	reader app.ReaderState
	// The bind dialog (admBase.form) is for formOp; readSeq names the latest card read.
	formOp  app.OperatorInfo
	readSeq int
	reading bool
}

// bindingsReadMsg: the card on the reader, read for the bind dialog of request seq.
type bindingsReadMsg struct {
	seq  int
	card common.CardRead
}

func New(c *common.Common) common.Page {
	p := &bindingsPage{keys: newBindingsKeys(c)}
	p.List = listpage.NewList(c, []table.Col{{Title: c.T("工号", "Op no"), Width: 6}, {Title: c.T("姓名", "Name"), Width: 10}, {Title: c.T("授权卡", "Card"), Width: 10},
		{Title: c.T("卡状态", "Status"), Width: 9}, {Title: c.T("绑定时间", "Bound at"), Width: 16}, {Title: c.T("绑定人", "Bound by"), Width: 0}},
		c.T("还没有充值操作员", "no recharge operators yet"), app.Desk.Bindings, p.cells, nil)
	return p
}

func (p *bindingsPage) Init() tea.Cmd { return p.Load() }

func (p *bindingsPage) Update(msg tea.Msg) (common.Page, tea.Cmd) {
	switch msg := msg.(type) {
	case common.ReaderMsg:
		p.reader = msg.State
		if p.Form != nil && msg.State == app.ReaderCard {
			return p, p.readCard()
		}
		return p, nil
	case bindingsReadMsg:
		if p.Form == nil || msg.seq != p.readSeq {
			return p, nil // the dialog closed or a newer read started
		}
		p.reading = false
		if msg.card.Err != nil {
			p.Form.Err = p.C.Msg(msg.card.Err)
			if msg.card.CardNo != "" {
				p.Form.Err = msg.card.CardNo + ": " + p.Form.Err
			}
			return p, nil
		}
		p.Form.Set(0, msg.card.CardNo)
		p.Form.Err = ""
		p.Form.Note = p.C.T(fmt.Sprintf("读卡器上的卡: %s(%s)— 按回车绑定", msg.card.CardNo, msg.card.Holder),
			fmt.Sprintf("Card on the reader: %s (%s); enter binds it", msg.card.CardNo, msg.card.Holder))
		return p, nil
	}
	return p, p.Handle(msg, p.key)
}

func (p *bindingsPage) key(k tea.KeyPressMsg) tea.Cmd {
	if cmd, taken := p.Key(k, p.bind); taken {
		return cmd
	}
	row, ok := p.Selected()
	switch {
	case key.Matches(k, p.keys.Bind) && ok:
		p.openBind(row.Operator)
		if p.reader == app.ReaderCard {
			return p.readCard()
		}
	case key.Matches(k, p.keys.Unbind) && ok:
		if !row.Bound {
			p.Status = status.Failed(p.C.T(row.Operator.OpNo+" 没有绑定授权卡", row.Operator.OpNo+" has no authorization card"))
			return nil
		}
		op, card := row.Operator, row.Binding.CardNo
		p.Asking = &confirm.Question{
			Prompt: p.C.T(fmt.Sprintf("解除 %s %s 的授权卡 %s?", op.OpNo, op.Name, card),
				fmt.Sprintf("Unbind card %s from %s %s?", card, op.OpNo, op.Name)),
			Run: func() tea.Cmd { return p.unbind(op, card) },
		}
	}
	return nil
}

func (p *bindingsPage) openBind(op app.OperatorInfo) {
	c := p.C
	p.formOp, p.reading = op, false
	p.Form = form.New(c, c.T(fmt.Sprintf("为 %s %s 绑定授权卡", op.OpNo, op.Name), fmt.Sprintf("Bind an authorization card to %s %s", op.OpNo, op.Name)))
	p.Form.Note = c.T("请将卡放到读卡器上,或输入卡号后按回车", "Put the card on the reader, or type its number and press enter")
	p.Form.Text(c.T("卡号", "Card no"), "", 20, false, "")
	p.Status = status.Line{}
}

func (p *bindingsPage) readCard() tea.Cmd {
	p.readSeq++
	p.reading = true
	seq, c := p.readSeq, p.C
	return func() tea.Msg { return bindingsReadMsg{seq, common.ReadCard(c)} }
}

func (p *bindingsPage) bind() tea.Cmd {
	c, op, cardNo := p.C, p.formOp, p.Form.Value(0)
	if cardNo == "" {
		p.Form.Err = c.T("请输入卡号或放卡", "type a card number or put the card on the reader")
		return nil
	}
	actor := c.Actor
	done := listpage.Change{Form: true, Note: c.T(fmt.Sprintf("已将卡 %s 绑定到 %s %s", cardNo, op.OpNo, op.Name),
		fmt.Sprintf("Card %s is now %s %s's authorization card", cardNo, op.OpNo, op.Name))}
	return p.Change(done, func(ctx context.Context) error { return c.Svc.BindCard(ctx, actor, op.ID, cardNo) })
}

func (p *bindingsPage) unbind(op app.OperatorInfo, cardNo string) tea.Cmd {
	c, actor := p.C, p.C.Actor
	done := listpage.Change{Note: c.T(fmt.Sprintf("已解除 %s %s 的授权卡 %s", op.OpNo, op.Name, cardNo),
		fmt.Sprintf("Card %s unbound from %s %s", cardNo, op.OpNo, op.Name))}
	return p.Change(done, func(ctx context.Context) error { return c.Svc.UnbindCard(ctx, actor, op.ID) })
}

func (p *bindingsPage) Title() string { return p.C.T("授权卡", "Auth") }
