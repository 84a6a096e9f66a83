package operators

import (
	"cardcenter/views/common"

	"charm.land/bubbles/v2/key"
)

// operatorsKeys are the operator screen's keys; the changes are admins' only.
type operatorsKeys struct {
	New, Edit, ResetPIN key.Binding
}

func newOperatorsKeys(c *common.Common) operatorsKeys {
	return operatorsKeys{
		New:      common.AdminKey(c, "n", c.T("新建操作员", "new operator"), "n"),
		Edit:     common.AdminKey(c, "e", c.T("修改", "edit"), "e", "enter"),
		ResetPIN: common.AdminKey(c, "p", c.T("重置 PIN", "reset PIN"), "p"),
	}
}
