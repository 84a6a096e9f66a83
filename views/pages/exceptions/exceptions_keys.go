package exceptions

import (
	"cardcenter/views/common"

	"charm.land/bubbles/v2/key"
)

// exceptionsKeys are the exceptions screen's keys. The decisions are only enabled for an
// open case, for supervisors and admins (setKeys), so the help bar offers what works now.
type exceptionsKeys struct {
	Open, Back                 key.Binding
	Approve, Close, Adjust     key.Binding
	Reload, ScrollUp, ScrollDn key.Binding
}

func newExceptionsKeys(c *common.Common, allowed bool) exceptionsKeys {
	return exceptionsKeys{
		Open:     common.Key(allowed, "enter", c.T("详情", "open"), "enter"),
		Back:     common.Key(allowed, "esc", c.T("返回", "back"), "esc"),
		Approve:  common.Key(allowed, "a", c.T("批准补写", "approve"), "a"),
		Close:    common.Key(allowed, "c", c.T("结案", "close"), "c"),
		Adjust:   common.Key(allowed, "m", c.T("长短款", "adjust"), "m"),
		Reload:   common.Key(allowed, "r", c.T("刷新", "reload"), "r"),
		ScrollUp: common.Key(allowed, "↑/k", c.T("上滚", "scroll up"), "up", "k"),
		ScrollDn: common.Key(allowed, "↓/j", c.T("下滚", "scroll down"), "down", "j"),
	}
}

// setKeys enables the keys that work now.
func (p *exceptionsPage) setKeys() {
	k := &p.keys
	_, has := p.current()
	k.Open.SetEnabled(p.allowed && !p.detail && has)
	k.Back.SetEnabled(p.allowed && p.detail)
	k.ScrollUp.SetEnabled(p.allowed && p.detail)
	k.ScrollDn.SetEnabled(p.allowed && p.detail)
	k.Reload.SetEnabled(p.allowed)
	open := p.decidable()
	k.Approve.SetEnabled(open)
	k.Close.SetEnabled(open)
	k.Adjust.SetEnabled(open)
}

// ShortHelp is short enough that the desk's tab, ? and q still fit at 80 columns; reload,
// filter and scroll are in the full help (and scrolling on the facts' last line).
func (p *exceptionsPage) ShortHelp() []key.Binding {
	if !p.allowed {
		return nil
	}
	k := p.keys
	switch {
	case p.Asking != nil || p.Form != nil:
		return p.HelpWith()
	case p.detail:
		return []key.Binding{k.Approve, k.Close, k.Adjust, k.Back}
	}
	return []key.Binding{k.Open, k.Approve, k.Close, k.Adjust}
}

func (p *exceptionsPage) FullHelp() [][]key.Binding {
	if !p.allowed {
		return nil
	}
	k := p.keys
	switch {
	case p.Asking != nil || p.Form != nil:
		return [][]key.Binding{p.ShortHelp()}
	case p.detail:
		return [][]key.Binding{p.ShortHelp(), {k.ScrollUp, k.ScrollDn, k.Reload}}
	}
	return p.FullHelpWith(append(p.ShortHelp(), k.Reload))
}
