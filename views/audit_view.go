package views

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

func (p *auditPage) tableRows() [][]string {
	c := p.c
	out := make([][]string, len(p.rows))
	for i, e := range p.rows {
		out[i] = []string{admTime(c, e.At), e.Actor, auditKindName(c, e.Action), e.Subject, auditDetail(c, e.Action, e.Detail)}
	}
	return out
}

func (p *auditPage) caption() string {
	c := p.c
	who, kind := c.T("全部", "anyone"), c.T("全部", "any")
	if p.user != "" {
		who = p.user
	}
	if p.action != "" {
		kind = auditKindName(c, p.action)
	}
	return c.T(fmt.Sprintf("人员: %s   类别: %s   最近 %d 条", who, kind, auditLimit),
		fmt.Sprintf("Person: %s   Kind: %s   newest %d", who, kind, auditLimit))
}

// View shows the list; under it, the whole detail of the entry under the cursor (the
// column cuts it), unless there is something to say.
func (p *auditPage) View() string {
	if p.status.text == "" && p.asking == nil && p.form == nil {
		if i, ok := p.table.Selected(); ok && i < len(p.rows) {
			e := p.rows[i]
			line := p.c.T("详情: ", "Detail: ") + e.Subject + "  " + auditDetail(p.c, e.Action, e.Detail)
			if w := max(p.width, 10); lipgloss.Width(line) > w {
				line = ansi.Truncate(line, w, "")
			}
			return admListView(p.c, p.caption(), p.table.View(), nil, admStatus{}) + p.c.Theme.Muted.Render(line)
		}
	}
	return p.view(p.caption())
}

func (p *auditPage) ShortHelp() []key.Binding {
	return p.shortHelp(p.keys.Choose, p.keys.Clear, p.keys.Reload)
}

func (p *auditPage) FullHelp() [][]key.Binding { return p.fullHelp(p.ShortHelp()) }
