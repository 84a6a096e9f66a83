package views

import (
	"cardcenter/views/common"

	"charm.land/bubbles/v2/key"

	"cardcenter/app"
)

// bindingsKeys are the authorization card screen's keys; the changes are admins' only.
type bindingsKeys struct {
	Bind, Unbind, Reload key.Binding
}

func newBindingsKeys(c *common.Common) bindingsKeys {
	admin := c.Actor.Role == app.RoleAdmin
	return bindingsKeys{
		Bind:   admKey(admin, "b", c.T("绑定授权卡", "bind card"), "b"),
		Unbind: admKey(admin, "u", c.T("解绑", "unbind"), "u"),
		Reload: admKey(true, "r", c.T("刷新", "reload"), "r"),
	}
}

// admKey is a key binding that works only when enabled (the help bar then leaves it out).
func admKey(enabled bool, help, desc string, keys ...string) key.Binding {
	b := key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	b.SetEnabled(enabled)
	return b
}
