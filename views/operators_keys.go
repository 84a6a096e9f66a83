package views

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
		New:      admKey(admin, "n", c.T("新建操作员", "new operator"), "n"),
		Edit:     admKey(admin, "e", c.T("修改", "edit"), "e", "enter"),
		ResetPIN: admKey(admin, "p", c.T("重置 PIN", "reset PIN"), "p"),
		Reload:   admKey(true, "r", c.T("刷新", "reload"), "r"),
	}
}
