package audit_test

import (
	"cardcenter/views/pages/audit"
	"cardcenter/views/viewtest"
	"context"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
)

// The zh desk shows each audit detail the ledger writes in Chinese words, money in yuan:
// the detail line under the cursor is the newest entry's.
func TestAuditDetailsInTheZhDeskShowYuanAndChineseWords(t *testing.T) {
	d, p := viewtest.OpenPage(t, "zh", viewtest.Admin, audit.New)
	s, ctx := d.Site, context.Background()
	steps := []struct {
		do         func() error
		want, nope []string
	}{
		{func() error {
			_, err := s.Svc.CreateOperator(ctx, s.Admin, app.OperatorInput{OpNo: "OP9", Name: "李", PIN: "123456", DailyMax: 500 * app.Yuan, Enabled: true})
			return err
		}, []string{"名称=李 每日最大充值金额=500.00 元 指定设备=不限"}, []string{"daily_max", "50000", "name="}},
		{func() error { return s.Svc.SetDeviceEnabled(ctx, s.Admin, "P2", false) }, []string{"启用=否"}, []string{"enabled", "false"}},
		{func() error { return s.Svc.SetCardStatus(ctx, s.Admin, apptest.UserCard(2), app.CardLost) }, []string{"正常→挂失"}, []string{"normal", "lost"}},
		{func() error { return s.Svc.CreateStaff(ctx, s.Admin, "zhou", "周", app.RoleSupervisor, "zhou-pass-1") }, []string{"角色=主管"}, []string{"role=", "supervisor"}},
		{func() error {
			return s.Svc.UpdateDevice(ctx, s.Admin, app.DeviceInput{ID: "P1", Name: "新名", Model: app.ModelRechargePOS, Location: "二食堂"})
		}, []string{"名称 一食堂充值机→新名 机型 0201→0201 位置 一食堂→二食堂"}, []string{"name ", "model", "location"}},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatal(err)
		}
		p = viewtest.Keys(p, "r")
		viewtest.Want(t, p, st.want...)
		viewtest.WantNot(t, p, st.nope...)
	}
}

// The ledger's own details (repairs, PIN locks, settlement) read the same way.
func TestAuditDetailOfRepairsAndLocksInChinese(t *testing.T) {
	for detail, want := range map[string]string{
		"card 20260001 balance 3520 counter 2":           "卡号 20260001 卡余额 35.20 元 交易计数 2",
		"repair 7 ref RP126 balance 13520 counter 3":     "补写记录 7 凭条号 RP126 卡余额 135.20 元 交易计数 3",
		"5 wrong PINs in a row":                          "连续 5 次 PIN 错误",
		"3 operator rows":                                "3 名操作员的报表已冻结",
		"wrong_pins 4→0":                                 "PIN 错误次数 4→0",
		"name=张 daily_max=0 merchant=true enabled=false": "名称=张 每日最大充值金额=0.00 元 充值商户操作员=是 启用=否",
		// Desk accounts (issue 9.12).
		"wrong password 2 of 5":             "密码错误第 2 次(连续 5 次即锁定)",
		"5 wrong passwords in a row":        "连续 5 次密码错误",
		"wrong_tries 3→0 locked=true→false": "密码错误次数 3→0 锁定=是→否",
		"role admin→clerk":                  "角色 管理员→柜员",
		"no such account":                   "无此账号",
		"locked":                            "账号已锁定",
	} {
		if got := audit.DetailText("zh", "", detail); got != want {
			t.Errorf("%q: got %q, want %q", detail, got, want)
		}
		if got := audit.DetailText("en", "", detail); got != detail {
			t.Errorf("en %q: got %q", detail, got)
		}
	}
}
