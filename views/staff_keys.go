package views

import (
	"cardcenter/views/common"

	"charm.land/bubbles/v2/key"

	"cardcenter/app"
)

// staffKeys are the staff screen's keys; the changes are admins' only. Reload is ctrl+r
// here: r resets a password.
type staffKeys struct {
	New, ResetPassword, Unlock, Enable, Role, Reload key.Binding
}

func newStaffKeys(c *common.Common) staffKeys {
	admin := c.Actor.Role == app.RoleAdmin
	return staffKeys{
		New:           admKey(admin, "n", c.T("新建", "new"), "n"),
		ResetPassword: admKey(admin, "r", c.T("重置密码", "reset password"), "r"),
		Unlock:        admKey(admin, "u", c.T("解锁", "unlock"), "u"),
		Enable:        admKey(admin, "d", c.T("停用/启用", "on/off"), "d"),
		Role:          admKey(admin, "o", c.T("角色", "role"), "o"),
		Reload:        admKey(true, "ctrl+r", c.T("刷新", "reload"), "ctrl+r"),
	}
}
