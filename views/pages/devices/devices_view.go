package devices

import (
	"cardcenter/views/common"
	"strings"

	"charm.land/bubbles/v2/key"

	"cardcenter/app"
)

// admModelName shows a device model with its name when the card center knows it.
func admModelName(c *common.Common, m string) string {
	if m == app.ModelRechargePOS {
		return m + c.T("-增值机", " recharge")
	}
	return m
}

// cells is a device's row of the table.
func (p *devicesPage) cells(d devRow) []string {
	c := p.C
	st := c.T("启用", "enabled")
	switch {
	case d.retired():
		st = c.T("退役", "retired")
	case !d.Enabled:
		st = c.T("停用", "disabled")
	}
	return []string{d.ID, st, admModelName(c, d.Model), d.Name, d.Location}
}

func (p *devicesPage) View() string {
	c := p.C
	if p.provisioned != "" {
		th := c.Theme
		return strings.Join([]string{
			th.Title.Render(c.T("设备 "+p.secretOf+" 的新密钥已写入文件", "New secret of device "+p.secretOf+" written to its file")),
			"",
			th.Emphasis.Render(p.provisioned),
			"",
			th.Warn.Render(c.T("仅本用户可读(0600)。请把该文件拷到这台充值机(--secret-file),然后删除本机上的副本。",
				"Readable by you only (0600). Copy it to that POS (--secret-file), then delete it here.")),
			th.Muted.Render(c.T("密钥不在屏幕上显示,数据库中只存加密后的密钥。", "The secret is never shown; the ledger keeps it sealed.")),
		}, "\n")
	}
	return p.Body(c.T("终端设备;充值机机型为 0201-增值机", "Terminals; a recharge POS is model 0201"))
}

func (p *devicesPage) ShortHelp() []key.Binding {
	if p.provisioned != "" {
		return []key.Binding{p.keys.Dismiss}
	}
	if p.Asking != nil || p.Form != nil || p.Table.Filtering() {
		return p.HelpWith()
	}
	// Short enough that the desk's tab, ? and q still fit at 80 columns; the rest (e, s,
	// r, /) is in the full help.
	return []key.Binding{p.keys.New, p.keys.Toggle, p.keys.EndJournal}
}

func (p *devicesPage) FullHelp() [][]key.Binding {
	if p.provisioned != "" || p.Asking != nil || p.Form != nil || p.Table.Filtering() {
		return [][]key.Binding{p.ShortHelp()}
	}
	k := p.keys
	return p.FullHelpWith(p.HelpWith(k.New, k.Edit, k.Toggle, k.Rotate, k.EndJournal, p.Reload))
}

// Capturing: the note of the secret file holds the keys until it is dismissed.
func (p *devicesPage) Capturing() bool { return p.provisioned != "" || p.Base.Capturing() }
