package staff

import (
	"cardcenter/views/common"

	"charm.land/bubbles/v2/key"
)

// staffKeys are the staff screen's keys; the changes are admins' only. Its list's Reload
// is ctrl+r (New): r resets a password.
type staffKeys struct {
	New, ResetPassword, Unlock, Enable, Role key.Binding
}

func newStaffKeys(c *common.Common) staffKeys {
	return staffKeys{
		New:           common.AdminKey(c, "n", c.T("新建", "new"), "n"),
		ResetPassword: common.AdminKey(c, "r", c.T("重置密码", "reset password"), "r"),
		Unlock:        common.AdminKey(c, "u", c.T("解锁", "unlock"), "u"),
		Enable:        common.AdminKey(c, "d", c.T("停用/启用", "on/off"), "d"),
		Role:          common.AdminKey(c, "o", c.T("角色", "role"), "o"),
	}
}
