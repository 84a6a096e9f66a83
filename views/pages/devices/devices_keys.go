package devices

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
		New:    common.Key(admin, "n", c.T("登记充值机", "register POS"), "n"),
		Edit:   common.Key(admin, "e", c.T("修改", "edit"), "e", "enter"),
		Toggle: common.Key(admin, "d", c.T("启用/停用", "enable/disable"), "d"),
		Rotate: common.Key(admin, "s", c.T("更换密钥", "new secret"), "s"),
		// x: the POS is gone (retired) or replaced with its queue lost.
		EndJournal: common.Key(admin, "x", c.T("退役/换机", "retire"), "x"),
		Reload:     common.Key(true, "r", c.T("刷新", "reload"), "r"),
		Dismiss:    common.Key(true, "enter", c.T("已记下,关闭", "noted, close"), "enter", "esc"),
	}
}
