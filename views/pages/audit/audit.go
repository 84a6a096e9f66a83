package audit

import (
	"cardcenter/views/common"
	"cardcenter/views/components/form"
	"cardcenter/views/components/listpage"
	"cardcenter/views/components/status"
	"cardcenter/views/components/table"
	"context"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"cardcenter/app"
)

// auditLimit is how many entries the screen loads at a time (newest first).
const auditLimit = 500

// auditPage: who changed what, when. An admin narrows the log by person and by kind (a
// query to the ledger), and "/" filters the loaded lines by any text.
type auditPage struct {
	listpage.Base
	keys         auditKeys
	rows         []app.AuditEntry
	user, action string // the query in force ("" = anyone, any kind)
}

func New(c *common.Common) common.Page {
	p := &auditPage{keys: newAuditKeys(c)}
	p.Base = listpage.New(c, []table.Col{{Title: c.T("时间", "When"), Width: 16}, {Title: c.T("人员", "Who"), Width: 10}, {Title: c.T("类别", "Kind"), Width: 14},
		{Title: c.T("对象", "Subject"), Width: 14}, {Title: c.T("详情", "Detail"), Width: 0}}, c.T("没有记录", "no entries"))
	return p
}

func (p *auditPage) Init() tea.Cmd { return p.load() }

func (p *auditPage) load() tea.Cmd {
	c, user, action := p.C, p.user, p.action
	return listpage.Load(&p.Base, func(svc app.Desk, ctx context.Context, actor app.Actor) ([]app.AuditEntry, error) {
		return svc.AuditFiltered(ctx, c.Actor, user, action, auditLimit)
	})
}

func (p *auditPage) Update(msg tea.Msg) (common.Page, tea.Cmd) {
	switch msg := msg.(type) {
	case listpage.RowsMsg[app.AuditEntry]:
		if listpage.Apply(&p.Base, msg, &p.rows, p.cells, nil) {
			p.Status = status.Line{}
		}
		return p, nil
	case tea.KeyPressMsg:
		return p, p.key(msg)
	}
	return p, nil
}

func (p *auditPage) key(k tea.KeyPressMsg) tea.Cmd {
	if cmd, taken := p.RouteKey(k, p.submit); taken {
		return cmd
	}
	switch {
	case key.Matches(k, p.keys.Reload):
		return p.load()
	case key.Matches(k, p.keys.Clear):
		p.user, p.action = "", ""
		return p.load()
	case key.Matches(k, p.keys.Choose):
		p.openForm()
	}
	return nil
}

func (p *auditPage) openForm() {
	c := p.C
	choices := []string{c.T("全部", "all")}
	pick := 0
	for i, k := range auditKinds {
		choices = append(choices, c.T(k.zh, k.en))
		if k.action == p.action {
			pick = i + 1
		}
	}
	p.Form = form.New(c, c.T("查询审计日志", "Query the audit log"))
	p.Form.Note = c.T("人员留空为全部;类别用 ←→ 选择", "Leave the person empty for anyone; pick the kind with ←→")
	p.Form.Text(c.T("人员", "Person"), p.user, 20, false, c.T("账号名,如 admin", "user name, e.g. admin"))
	p.Form.Choose(c.T("类别", "Kind"), choices, pick)
}

func (p *auditPage) submit() tea.Cmd {
	p.user, p.action = p.Form.Value(0), ""
	if i := p.Form.Picked(1); i > 0 {
		p.action = auditKinds[i-1].action
	}
	p.Form = nil
	return p.load()
}

func (p *auditPage) Title() string { return p.C.T("审计日志", "Audit") }
