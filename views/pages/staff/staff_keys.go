package staff

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
		New:           common.Key(admin, "n", c.T("新建", "new"), "n"),
		ResetPassword: common.Key(admin, "r", c.T("重置密码", "reset password"), "r"),
		Unlock:        common.Key(admin, "u", c.T("解锁", "unlock"), "u"),
		Enable:        common.Key(admin, "d", c.T("停用/启用", "on/off"), "d"),
		Role:          common.Key(admin, "o", c.T("角色", "role"), "o"),
		Reload:        common.Key(true, "ctrl+r", c.T("刷新", "reload"), "ctrl+r"),
	}
}
