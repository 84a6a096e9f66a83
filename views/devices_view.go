package views

import (
	"strings"

	"charm.land/bubbles/v2/key"

	"cardcenter/app"
)

// admModelName shows a device model with its name when the card center knows it.
func admModelName(c *Common, m string) string {
	if m == app.ModelRechargePOS {
		return m + c.T("-增值机", " recharge")
	}
	return m
}

func (p *devicesPage) tableRows() [][]string {
	c := p.c
	out := make([][]string, len(p.rows))
	for i, d := range p.rows {
		st := c.T("启用", "enabled")
		switch {
		case d.retired():
			st = c.T("退役", "retired")
		case !d.Enabled:
			st = c.T("停用", "disabled")
		}
		out[i] = []string{d.ID, st, admModelName(c, d.Model), d.Name, d.Location}
	}
	return out
}

func (p *devicesPage) View() string {
	c := p.c
	if p.secret != nil {
		th := c.Theme
		return strings.Join([]string{
			th.Title.Render(c.T("设备 "+p.secretOf+" 的新密钥", "New secret of device "+p.secretOf)),
			th.Warn.Render(c.T("只显示这一次:请现在写入该充值机,关闭后无法再查看", "Shown this once: provision the POS now; it cannot be shown again")),
			"",
			th.Emphasis.Render(secretHex(p.secret)),
			"",
			th.Muted.Render(c.T("(32 字节,十六进制)", "(32 bytes, hex)")),
		}, "\n")
	}
	return p.view(c.T("终端设备;充值机机型为 0201-增值机", "Terminals; a recharge POS is model 0201"))
}

func (p *devicesPage) ShortHelp() []key.Binding {
	if p.secret != nil {
		return []key.Binding{p.keys.Dismiss}
	}
	if p.asking != nil || p.form != nil || p.table.Filtering() {
		return p.shortHelp()
	}
	// Short enough that the desk's tab, ? and q still fit at 80 columns; the rest (e, s,
	// r, /) is in the full help.
	return []key.Binding{p.keys.New, p.keys.Toggle, p.keys.EndJournal}
}

func (p *devicesPage) FullHelp() [][]key.Binding {
	if p.secret != nil || p.asking != nil || p.form != nil || p.table.Filtering() {
		return [][]key.Binding{p.ShortHelp()}
	}
	k := p.keys
	return p.fullHelp(p.shortHelp(k.New, k.Edit, k.Toggle, k.Rotate, k.EndJournal, k.Reload))
}

// Capturing: the one-time secret holds the keys until it is dismissed.
func (p *devicesPage) Capturing() bool { return p.secret != nil || p.admBase.Capturing() }
