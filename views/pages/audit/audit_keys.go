package audit

import (
	"cardcenter/views/common"

	"charm.land/bubbles/v2/key"
)

// auditKeys are the audit log screen's keys (the screen is admins' only).
type auditKeys struct {
	Choose, Clear, Reload key.Binding
}

func newAuditKeys(c *common.Common) auditKeys {
	return auditKeys{
		Choose: common.AdminKey(c, "f", c.T("按人员/类别查询", "by person / kind"), "f"),
		Clear:  common.AdminKey(c, "a", c.T("全部记录", "all entries"), "a"),
		Reload: common.AdminKey(c, "r", c.T("刷新", "reload"), "r"),
	}
}

// auditKind is a kind of audit entry with its name in both languages.
type auditKind struct{ action, zh, en string }

// auditKinds are the actions the ledger writes to the audit log.
var auditKinds = []auditKind{
	{"device_register", "登记设备", "device added"},
	{"device_update", "修改设备", "device edited"},
	{"device_enable", "启停设备", "device on/off"},
	{"device_rotate_secret", "更换设备密钥", "device secret"},
	{"card_issue", "发卡", "card issued"},
	{"card_status", "卡状态", "card status"},
	{"card_bind", "绑定授权卡", "card bound"},
	{"card_unbind", "解绑授权卡", "card unbound"},
	{"operator_create", "新建操作员", "operator added"},
	{"operator_update", "修改操作员", "operator edit"},
	{"operator_reset_pin", "重置 PIN", "PIN reset"},
	{"pin_locked", "PIN 锁定", "PIN locked"},
	{"staff_create", "新建账号", "staff added"},
	{"staff_enable", "启停账号", "staff on/off"},
	{"staff_role", "变更角色", "role changed"},
	{"staff_reset_password", "重置密码", "password reset"},
	{"staff_unlock", "解锁账号", "staff unlocked"},
	{"staff_locked", "账号锁定", "staff locked"},
	{"login", "登录", "login"},
	{"login_failed", "登录失败", "login failed"},
	{"password_change", "修改密码", "password set"},
	{"password_change_failed", "改密失败", "pw change fail"},
	{"repair_intent", "补写开始", "repair begun"},
	{"repair_written", "补写完成", "repair written"},
	{"repair_found_on_card", "卡上已有", "found on card"},
	{"settle_day", "日结", "day settled"},
	{"batch_record_refused", "批上送拒收", "batch refused"},
	{"duplicate_conflict", "流水号冲突", "serial clash"},
}

// auditKindName names an action; an action the desk does not know shows as written.
func auditKindName(c *common.Common, action string) string {
	for _, k := range auditKinds {
		if k.action == action {
			return c.T(k.zh, k.en)
		}
	}
	return action
}
