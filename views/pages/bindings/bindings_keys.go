package bindings

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
		Bind:   common.Key(admin, "b", c.T("绑定授权卡", "bind card"), "b"),
		Unbind: common.Key(admin, "u", c.T("解绑", "unbind"), "u"),
		Reload: common.Key(true, "r", c.T("刷新", "reload"), "r"),
	}
}
