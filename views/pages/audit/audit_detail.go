package audit

import (
	"cardcenter/views/common"
	"regexp"
	"strconv"
	"strings"

	"cardcenter/app"
)

// The ledger writes audit details in one language-neutral form (key=value and short English
// words, amounts in fen), and a supervisor reading them at the zh desk should not have to
// convert fen or guess at "daily_max". auditDetail renders a detail in the desk's language:
// known keys and words in Chinese, money as yuan, booleans as 是/否, card statuses and roles
// by their desk names. Anything it does not know is shown as written.

// auditMoneyKeys hold fen.
var auditMoneyKeys = map[string]bool{"daily_max": true, "balance": true, "amount": true}

var auditKeyNames = map[string][2]string{
	"name":        {"名称", "name"},
	"model":       {"机型", "model"},
	"location":    {"位置", "location"},
	"enabled":     {"启用", "enabled"},
	"holder":      {"持卡人编号", "holder"},
	"uid":         {"UID", "uid"},
	"daily_max":   {"每日最大充值金额", "daily max"},
	"designated":  {"指定设备", "designated device"},
	"merchant":    {"充值商户操作员", "merchant"},
	"role":        {"角色", "role"},
	"wrong_pins":  {"PIN 错误次数", "wrong PINs"},
	"wrong_tries": {"密码错误次数", "wrong passwords"},
	"locked":      {"锁定", "locked"},
	"card":        {"卡号", "card"},
	"balance":     {"卡余额", "balance"},
	"counter":     {"交易计数", "counter"},
	"repair":      {"补写记录", "repair"},
	"ref":         {"凭条号", "ref"},
	"amount":      {"金额", "amount"},
}

var (
	auditWrongPINs = regexp.MustCompile(`^(\d+) wrong PINs in a row$`)
	auditOpRows    = regexp.MustCompile(`^(\d+) operator rows$`)
	// A desk account's wrong password (staff.go passwordTry).
	auditWrongPassword  = regexp.MustCompile(`^wrong password (\d+) of (\d+)$`)
	auditWrongPasswords = regexp.MustCompile(`^(\d+) wrong passwords in a row$`)
)

func auditDetail(c *common.Common, action, detail string) string {
	if c.Lang == "en" {
		return detail
	}
	if m := auditWrongPINs.FindStringSubmatch(detail); m != nil {
		return "连续 " + m[1] + " 次 PIN 错误"
	}
	if m := auditOpRows.FindStringSubmatch(detail); m != nil {
		return m[1] + " 名操作员的报表已冻结"
	}
	if m := auditWrongPassword.FindStringSubmatch(detail); m != nil {
		return "密码错误第 " + m[1] + " 次(连续 " + m[2] + " 次即锁定)"
	}
	if m := auditWrongPasswords.FindStringSubmatch(detail); m != nil {
		return "连续 " + m[1] + " 次密码错误"
	}
	switch detail {
	case "secret rotated":
		return "已更换设备密钥"
	case "no such account":
		return "无此账号"
	case "disabled":
		return "账号已停用"
	case "locked":
		return "账号已锁定"
	}
	if action == "duplicate_conflict" {
		return "后到报文类别: " + auditMessageKind(detail)
	}
	toks := strings.Split(detail, " ")
	for i := 0; i < len(toks); i++ {
		tok := toks[i]
		if k, v, ok := strings.Cut(tok, "="); ok {
			if _, known := auditKeyNames[k]; known {
				toks[i] = auditKeyNames[k][0] + "=" + auditValue(c, k, v)
			}
			continue
		}
		if k, v, ok := strings.Cut(tok, ":"); ok && k == "card" {
			toks[i] = "卡号 " + v
			continue
		}
		if name, known := auditKeyNames[tok]; known && i+1 < len(toks) {
			// "balance 3520", "name 旧→新": a key word and its value.
			toks[i] = name[0]
			toks[i+1] = auditValue(c, tok, toks[i+1])
			i++
			continue
		}
		if from, to, ok := strings.Cut(tok, "→"); ok {
			toks[i] = auditValue(c, "", from) + "→" + auditValue(c, "", to)
		}
	}
	return strings.Join(toks, " ")
}

// auditValue renders one value; "a→b" renders both sides.
func auditValue(c *common.Common, key, v string) string {
	if from, to, ok := strings.Cut(v, "→"); ok {
		return auditValue(c, key, from) + "→" + auditValue(c, key, to)
	}
	if auditMoneyKeys[key] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return app.FormatYuan(app.Fen(n)) + " 元"
		}
	}
	switch v {
	case "true":
		return common.YesNo(c, true)
	case "false":
		return common.YesNo(c, false)
	case "":
		if key == "designated" {
			return "不限"
		}
		return v
	}
	if st := app.CardStatus(v); st.Valid() {
		return common.CardStatusName(c, st)
	}
	if r := app.Role(v); r == app.RoleClerk || r == app.RoleSupervisor || r == app.RoleAdmin {
		return common.RoleName(c, r)
	}
	return v
}

func auditMessageKind(kind string) string {
	names := map[string]string{app.KindAuthorize: "授权", app.KindRecharge: "充值", app.KindConfirm: "确认写卡",
		app.KindCancel: "撤销", app.KindReverse: "冲正", "offline_recharge": "脱机充值"}
	if n, ok := names[kind]; ok {
		return n
	}
	return kind
}

// AuditDetailText renders an audit detail for lang, as the audit screen shows it (for
// exports and tests).
func DetailText(lang, action, detail string) string {
	return auditDetail(&common.Common{Lang: lang}, action, detail)
}
