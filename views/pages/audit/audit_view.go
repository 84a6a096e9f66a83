package audit

import (
	"cardcenter/views/common"
	"cardcenter/views/components/listpage"
	"cardcenter/views/components/status"
	"fmt"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"cardcenter/app"
)

// cells is an entry's row of the table.
func (p *auditPage) cells(e app.AuditEntry) []string {
	c := p.C
	return []string{common.FormatTime(c, e.At), e.Actor, auditKindName(c, e.Action), e.Subject, auditDetail(c, e.Action, e.Detail)}
}

func (p *auditPage) caption() string {
	c := p.C
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
	if p.Status.Text == "" && p.Asking == nil && p.Form == nil {
		if e, ok := listpage.Selected(&p.Base, p.rows); ok {
			line := p.C.T("详情: ", "Detail: ") + e.Subject + "  " + auditDetail(p.C, e.Action, e.Detail)
			if w := max(p.Width, 10); lipgloss.Width(line) > w {
				line = ansi.Truncate(line, w, "")
			}
			return listpage.View(p.C, p.caption(), p.Table.View(), nil, status.Line{}) + p.C.Theme.Muted.Render(line)
		}
	}
	return p.Body(p.caption())
}

func (p *auditPage) ShortHelp() []key.Binding {
	return p.HelpWith(p.keys.Choose, p.keys.Clear, p.keys.Reload)
}

func (p *auditPage) FullHelp() [][]key.Binding { return p.FullHelpWith(p.ShortHelp()) }
