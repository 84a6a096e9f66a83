package devices

import (
	"cardcenter/views/common"

	"charm.land/bubbles/v2/key"
)

// devicesKeys are the device screen's keys; the changes are admins' only.
type devicesKeys struct {
	New, Edit, Toggle, Rotate, EndJournal, Dismiss key.Binding
}

func newDevicesKeys(c *common.Common) devicesKeys {
	return devicesKeys{
		New:    common.AdminKey(c, "n", c.T("登记充值机", "register POS"), "n"),
		Edit:   common.AdminKey(c, "e", c.T("修改", "edit"), "e", "enter"),
		Toggle: common.AdminKey(c, "d", c.T("启用/停用", "enable/disable"), "d"),
		Rotate: common.AdminKey(c, "s", c.T("更换密钥", "new secret"), "s"),
		// x: the POS is gone (retired) or replaced with its queue lost.
		EndJournal: common.AdminKey(c, "x", c.T("退役/换机", "retire"), "x"),
		Dismiss:    common.Key(true, "enter", c.T("已记下,关闭", "noted, close"), "enter", "esc"),
	}
}
