package bindings

import (
	"cardcenter/views/common"

	"charm.land/bubbles/v2/key"

	"cardcenter/app"
)

// cells is an operator's row of the table, with its card if one is bound.
func (p *bindingsPage) cells(r app.OperatorCard) []string {
	c := p.C
	card, st, at, by := c.T("未绑定", "none"), "", "", ""
	if r.Bound {
		card, st, at, by = r.Binding.CardNo, common.CardStatusName(c, r.Binding.CardStatus), common.FormatTime(c, r.Binding.BoundAt), r.Binding.BoundBy
	}
	return []string{r.Operator.OpNo, r.Operator.Name, card, st, at, by}
}

func (p *bindingsPage) View() string {
	c := p.C
	if p.Form != nil {
		s := p.Form.View()
		if p.reading {
			s += "\n\n" + c.Theme.Muted.Render(c.T("正在读卡…", "reading the card…"))
		} else if p.reader == app.ReaderNoPCSC || p.reader == app.ReaderNone {
			s += "\n\n" + c.Theme.Muted.Render(c.T("读卡器不可用,请输入卡号", "the reader is not available: type the number"))
		}
		return s
	}
	return p.Body(c.T("每位充值操作员至多一张授权卡,每张卡只属于一位操作员", "One authorization card per operator, one operator per card"))
}

func (p *bindingsPage) ShortHelp() []key.Binding {
	return p.HelpWith(p.keys.Bind, p.keys.Unbind, p.Reload)
}

func (p *bindingsPage) FullHelp() [][]key.Binding { return p.FullHelpWith(p.ShortHelp()) }
