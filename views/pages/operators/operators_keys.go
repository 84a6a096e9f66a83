package operators

import (
	"cardcenter/views/common"

	"charm.land/bubbles/v2/key"

	"cardcenter/app"
)

// operatorsKeys are the operator screen's keys; the changes are admins' only.
type operatorsKeys struct {
	New, Edit, ResetPIN, Reload key.Binding
}

func newOperatorsKeys(c *common.Common) operatorsKeys {
	admin := c.Actor.Role == app.RoleAdmin
	return operatorsKeys{
		New:      common.Key(admin, "n", c.T("新建操作员", "new operator"), "n"),
		Edit:     common.Key(admin, "e", c.T("修改", "edit"), "e", "enter"),
		ResetPIN: common.Key(admin, "p", c.T("重置 PIN", "reset PIN"), "p"),
		Reload:   common.Key(true, "r", c.T("刷新", "reload"), "r"),
	}
}
