package reports

import (
	"cardcenter/views/common"

	"charm.land/bubbles/v2/key"

	"cardcenter/app"
)

// reportsKeys are the reports screen's keys. 日结 is for supervisors and admins only.
type reportsKeys struct {
	Today, History, Range, Reload, Chart key.Binding
	CSV, XLSX, Settle                    key.Binding
	// Mode and Export stand for ←/→ and c/x in the short help bar.
	Mode, Export                         key.Binding
	Up, Down, PageUp, PageDown, Top, End key.Binding
	// While the range is edited:
	NextField, Run, Cancel key.Binding
}

func newReportsKeys(c *common.Common) reportsKeys {
	settle := c.Actor.Role == app.RoleSupervisor || c.Actor.Role == app.RoleAdmin
	nb := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	k := reportsKeys{
		Today:     nb("←", c.T("当日报表", "today"), "left"),
		History:   nb("→", c.T("结算报表", "history"), "right"),
		Range:     nb("e", c.T("改日期", "dates"), "e"),
		Reload:    nb("r", c.T("刷新", "reload"), "r"),
		Chart:     nb("g", c.T("图表", "chart"), "g"),
		CSV:       nb("c", "CSV", "c"),
		XLSX:      nb("x", "XLSX", "x"),
		Settle:    nb("s", c.T("日结", "settle"), "s"),
		Up:        nb("↑", c.T("上滚", "up"), "up", "k"),
		Down:      nb("↓", c.T("下滚", "down"), "down", "j"),
		PageUp:    nb("pgup", c.T("上页", "page up"), "pgup"),
		PageDown:  nb("pgdn", c.T("下页", "page down"), "pgdown", "space"),
		Top:       nb("home", c.T("顶部", "top"), "home"),
		End:       nb("end", c.T("底部", "bottom"), "end"),
		Mode:      nb("←/→", c.T("当日/结算", "switch"), "left", "right"),
		Export:    nb("c/x", c.T("导出", "export"), "c", "x"),
		NextField: nb("tab", c.T("下一栏", "next field"), "tab", "shift+tab"),
		Run:       nb("enter", c.T("查询", "show"), "enter"),
		Cancel:    nb("esc", c.T("取消", "cancel"), "esc"),
	}
	k.Settle.SetEnabled(settle)
	return k
}
