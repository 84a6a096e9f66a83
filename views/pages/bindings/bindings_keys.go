package bindings

import (
	"cardcenter/views/common"

	"charm.land/bubbles/v2/key"
)

// bindingsKeys are the authorization card screen's keys; the changes are admins' only.
type bindingsKeys struct {
	Bind, Unbind key.Binding
}

func newBindingsKeys(c *common.Common) bindingsKeys {
	return bindingsKeys{
		Bind:   common.AdminKey(c, "b", c.T("绑定授权卡", "bind card"), "b"),
		Unbind: common.AdminKey(c, "u", c.T("解绑", "unbind"), "u"),
	}
}
