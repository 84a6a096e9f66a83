package reportfmt

import (
	"strconv"
	"time"

	"cardcenter/app"
)

// CaseHeadings are the columns of the exceptions list (异常处理), one line per open case.
func CaseHeadings(lang string) []string {
	if lang == "en" {
		return []string{"Case", "Kind", "State", "Opened", "Card", "Holder", "POS", "Serial", "Amount", "Operator", "Recharge", "Detail"}
	}
	return []string{"编号", "类型", "状态", "开立时间", "卡号", "持卡人", "设备", "流水", "金额", "操作员", "充值状态", "说明"}
}

// CaseNumeric reports whether column i of the exceptions list holds a number.
func CaseNumeric(i int) bool { return i == 7 || i == 8 }

// Cases is the exceptions list as text cells: headings, then a line per case.
func Cases(cases []app.CaseView, lang string, loc *time.Location) [][]string {
	state := map[app.CaseStatus]string{app.CaseOpen: t(lang, "待处理", "open"), app.CaseApproved: t(lang, "已批准,待柜员写卡", "approved, a clerk writes")}
	out := [][]string{CaseHeadings(lang)}
	for _, c := range cases {
		r := c.Facts.Recharge
		serial, amount, recharge, device := "", "", "", c.Case.DeviceID
		if c.Case.Serial != 0 {
			serial = strconv.FormatInt(c.Case.Serial, 10)
		}
		if r.ID != 0 {
			amount = app.FormatYuan(r.Amount)
			recharge = string(r.Booking) + "/" + string(r.CardWrite)
			if r.LateReversal() {
				recharge += " " + t(lang, "迟到冲正计入 ", "late, counted on ") + r.ReversalDay
			}
		}
		out = append(out, []string{c.Case.Key(), c.Case.Kind.Label(lang), state[c.Status], c.Case.OpenedAt.In(loc).Format(time.DateTime),
			c.Case.CardNo, c.Facts.HolderName, device, serial, amount, c.Facts.OperatorNo, recharge, c.Case.Detail})
	}
	return out
}
