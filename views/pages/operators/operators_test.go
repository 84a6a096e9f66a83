package operators_test

import (
	"cardcenter/views/pages/operators"
	"context"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/views/viewtest"
)

// lockOperator types wrong PINs for operator i on P1 until the PIN locks.
func lockOperator(t *testing.T, s *apptest.Site, i int) {
	t.Helper()
	for n := 0; n < s.Cfg.MaxWrongPINs; n++ {
		_, err := s.Svc.Authorize(context.Background(), app.AuthorizeRequest{DeviceID: "P1", Serial: s.NextSerial("P1"),
			CardNo: apptest.AuthCard(i), PIN: "000000"})
		if err == nil {
			t.Fatal("a wrong PIN authorized")
		}
	}
	if o := s.OperatorOf(i); o.WrongPINs < s.Cfg.MaxWrongPINs {
		t.Fatalf("not locked: %+v", o)
	}
}

func TestAdmOperatorsScreens(t *testing.T) {
	for _, lang := range viewtest.Langs {
		t.Run(lang, func(t *testing.T) {
			d, p := viewtest.OpenPage(t, lang, viewtest.Admin, operators.New)
			lockOperator(t, d.Site, 1)
			d.Site.EditOperator(0, func(in *app.OperatorInput) { in.DailyMax, in.DesignatedDevice, in.Merchant = 2000*app.Yuan, "P1", true })
			p = viewtest.Shot(t, p, "list", "r")
			p = viewtest.Shot(t, p, "new", "n")
			p = viewtest.Shot(t, p, "edit", "esc", "e")
			viewtest.Shot(t, p, "pin", "esc", "down", "p")
		})
	}
}

func TestAdmCreateOperator(t *testing.T) {
	d, p := viewtest.OpenPage(t, "zh", viewtest.Admin, operators.New)
	p = viewtest.Keys(p, "n")
	p = viewtest.Fill(p, "OP09", "新充值员", "2468", "2468", "500", "P2")
	p = viewtest.Keys(p, "space", "enter", "enter") // merchant: yes; enabled stays yes; submit
	viewtest.Want(t, p, "已新建操作员 OP09", "OP09   新充值员   500.00       P2       是    是", "3/3")
	ops, _ := d.Site.Svc.Operators(context.Background(), app.SystemActor)
	o := ops[2]
	if o.OpNo != "OP09" || o.DailyMax != 500*app.Yuan || o.DesignatedDevice != "P2" || !o.Merchant || !o.Enabled {
		t.Fatalf("created %+v", o)
	}
	if e := d.Site.LastAudit(); e.Action != "operator_create" || e.Subject != "operator:OP09" || e.Actor != "admin" {
		t.Fatalf("audit %+v", e)
	}
}

func TestAdmOperatorFormChecksBeforeAsking(t *testing.T) {
	d, p := viewtest.OpenPage(t, "en", viewtest.Admin, operators.New)
	p = viewtest.Keys(p, "n")
	p = viewtest.Fill(p, "OP09", "New", "2468", "2469", "", "")
	p = viewtest.Keys(p, "enter", "enter")
	viewtest.Want(t, p, "the two PINs differ")
	p = viewtest.Keys(p, "up", "up", "up", "up", "backspace")
	p = viewtest.TypePage(p, "8")
	p = viewtest.Keys(p, "tab")
	p = viewtest.TypePage(p, "12.50")
	p = viewtest.Keys(p, "tab", "tab", "tab", "enter")
	viewtest.Want(t, p, "the daily maximum must be whole yuan")
	// A designated device that is not a recharge POS: the app's refusal, in the form.
	p = viewtest.Keys(p, "up", "up", "up")
	for range "12.50" {
		p = viewtest.Keys(p, "backspace")
	}
	p = viewtest.Keys(p, "tab")
	p = viewtest.TypePage(p, "C1")
	p = viewtest.Keys(p, "tab", "tab", "enter")
	viewtest.Want(t, p, "device model is not 0201 recharge POS")
	if ops, _ := d.Site.Svc.Operators(context.Background(), app.SystemActor); len(ops) != 2 {
		t.Fatalf("a refused form created an operator: %+v", ops)
	}
}

func TestAdmResetALockedPIN(t *testing.T) {
	d, p := viewtest.OpenPage(t, "zh", viewtest.Admin, operators.New)
	lockOperator(t, d.Site, 1)
	p = viewtest.Keys(p, "r")
	viewtest.Want(t, p, "OP02   充值员2    不限         任一     否    是   已锁定")
	p = viewtest.Keys(p, "down", "p")
	p = viewtest.NewSecret(t, p, "7777", "两次输入的 PIN 不一致")
	viewtest.Want(t, p, "已重置 OP02 的 PIN,已解除锁定")
	viewtest.WantNot(t, p, "已锁定")
	if o := d.Site.OperatorOf(1); o.WrongPINs != 0 {
		t.Fatalf("still locked: %+v", o)
	}
	// The new PIN authorizes OP02's card at a POS.
	if _, err := d.Site.Svc.Authorize(context.Background(), app.AuthorizeRequest{DeviceID: "P2", Serial: d.Site.NextSerial("P2"),
		CardNo: apptest.AuthCard(1), PIN: "7777"}); err != nil {
		t.Fatalf("the new PIN: %v", err)
	}
	if es, _ := d.Site.Svc.AuditFiltered(context.Background(), d.Site.Admin, "admin", "operator_reset_pin", 10); len(es) != 1 ||
		es[0].Subject != "operator:2" {
		t.Fatalf("audit %+v", es)
	}
}
