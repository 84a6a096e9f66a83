package views

import (
	"charm.land/bubbles/v2/key"

	"cardcenter/app"
)

func (p *bindingsPage) tableRows() [][]string {
	c := p.c
	out := make([][]string, len(p.rows))
	for i, r := range p.rows {
		card, st, at, by := c.T("未绑定", "none"), "", "", ""
		if r.Bound {
			card, st, at, by = r.Binding.CardNo, admStatusName(c, r.Binding.CardStatus), admTime(c, r.Binding.BoundAt), r.Binding.BoundBy
		}
		out[i] = []string{r.Operator.OpNo, r.Operator.Name, card, st, at, by}
	}
	return out
}

func (p *bindingsPage) View() string {
	c := p.c
	if p.form != nil {
		s := p.form.View()
		if p.reading {
			s += "\n\n" + c.Theme.Muted.Render(c.T("正在读卡…", "reading the card…"))
		} else if p.reader != app.ReaderCard && p.reader != app.ReaderEmpty && p.reader != app.ReaderUnknown {
			s += "\n\n" + c.Theme.Muted.Render(c.T("读卡器不可用,请输入卡号", "the reader is not available: type the number"))
		}
		return s
	}
	if !p.loaded && p.status.text == "" {
		return c.Theme.Muted.Render(c.T("正在读取…", "loading…"))
	}
	return admListView(c, c.T("每位充值操作员至多一张授权卡,每张卡只属于一位操作员", "One authorization card per operator, one operator per card"),
		p.table.View(), p.asking, p.status)
}

func (p *bindingsPage) ShortHelp() []key.Binding {
	switch {
	case p.asking != nil:
		return []key.Binding{p.confirm.Yes, p.confirm.No}
	case p.form != nil:
		return p.form.help()
	case p.table.Filtering():
		return []key.Binding{p.table.keys.ClearFilter}
	}
	return []key.Binding{p.keys.Bind, p.keys.Unbind, p.table.keys.Filter, p.keys.Reload}
}

func (p *bindingsPage) FullHelp() [][]key.Binding {
	t := p.table.keys
	return [][]key.Binding{p.ShortHelp(), {t.Up, t.Down, t.PageUp, t.PageDown, t.Top, t.Bottom, t.ClearFilter}}
}
