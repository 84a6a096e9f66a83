package views

import (
	"cardcenter/views/common"

	"charm.land/bubbles/v2/key"

	"cardcenter/app"
)

// devicesKeys are the device screen's keys; the changes are admins' only.
type devicesKeys struct {
	New, Edit, Toggle, Rotate, EndJournal, Reload, Dismiss key.Binding
}

func newDevicesKeys(c *common.Common) devicesKeys {
	admin := c.Actor.Role == app.RoleAdmin
	return devicesKeys{
		New:    admKey(admin, "n", c.T("登记充值机", "register POS"), "n"),
		Edit:   admKey(admin, "e", c.T("修改", "edit"), "e", "enter"),
		Toggle: admKey(admin, "d", c.T("启用/停用", "enable/disable"), "d"),
		Rotate: admKey(admin, "s", c.T("更换密钥", "new secret"), "s"),
		// x: the POS is gone (retired) or replaced with its queue lost.
		EndJournal: admKey(admin, "x", c.T("退役/换机", "retire"), "x"),
		Reload:     admKey(true, "r", c.T("刷新", "reload"), "r"),
		Dismiss:    admKey(true, "enter", c.T("已记下,关闭", "noted, close"), "enter", "esc"),
	}
}
