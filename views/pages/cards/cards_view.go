package cards

import (
	"cardcenter/views/common"
	"cardcenter/views/components/confirm"
	"strings"

	"charm.land/bubbles/v2/key"

	"cardcenter/app"
)

func (p *cardsPage) View() string {
	c := p.c
	th := c.Theme
	lines := []string{th.Muted.Render(c.T("按 / 输入卡号查询,或将卡放到读卡器上后按 c 读卡", "Press / to type a card number, or put the card on the reader and press c"))}
	field := th.Muted.Render(p.field.Value())
	if p.typing {
		field = p.field.View()
	}
	lines = append(lines, th.Emphasis.Render(c.T("查询卡号 ", "Find card "))+field, "")
	if p.looking {
		lines = append(lines, th.Muted.Render(c.T("正在查询…", "looking it up…")))
	} else if d := p.shown; d != nil {
		row := func(label, v string) string { return th.Muted.Render(common.Cell(label, 10)) + v }
		st := common.CardStatusName(c, d.Card.Status)
		if d.Card.Status == app.CardNormal {
			st = th.Good.Render(st)
		} else {
			st = th.Bad.Render(st)
		}
		holder := d.Holder.Name + " (" + d.Holder.HolderNo + ")"
		lines = append(lines,
			row(c.T("卡号", "Card no"), th.Emphasis.Render(d.Card.CardNo)),
			row(c.T("持卡人", "Holder"), holder),
			row(c.T("部门", "Dept"), d.Holder.Dept),
			row(c.T("状态", "Status"), st),
			row("UID", d.Card.UID))
		if d.BoundTo.ID != 0 {
			lines = append(lines, row(c.T("授权卡", "Auth card"), c.T("充值操作员 ", "of operator ")+d.BoundTo.OpNo+" "+d.BoundTo.Name))
		}
		src := c.T("输入卡号", "typed number")
		if p.read != nil {
			src = c.T("读卡器", "the reader")
		}
		lines = append(lines, row(c.T("来源", "From"), src))
	}
	lines = append(lines, "")
	if p.asking != nil {
		lines = append(lines, confirm.View(c, p.asking))
	} else {
		lines = append(lines, p.status.View(c.Theme))
	}
	return strings.Join(lines, "\n")
}

func (p *cardsPage) ShortHelp() []key.Binding {
	switch {
	case p.asking != nil:
		return []key.Binding{p.confirm.Yes, p.confirm.No}
	case p.typing:
		return []key.Binding{p.keys.Done}
	case p.shown == nil:
		return []key.Binding{p.keys.Find, p.keys.Read}
	}
	var keys []key.Binding
	for _, s := range p.keys.Set {
		keys = append(keys, s.Binding)
	}
	return append(keys, p.keys.Find, p.keys.Read)
}

func (p *cardsPage) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }
