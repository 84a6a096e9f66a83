package views_test

import (
	"cardcenter/views/common"
	"context"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/views"
	"cardcenter/views/viewtest"
)

func TestAdmCardsScreens(t *testing.T) {
	for _, lang := range admLangs {
		t.Run(lang, func(t *testing.T) {
			_, p := admPage(t, lang, admActor, views.NewCardsPage)
			t.Run("empty", func(t *testing.T) { admGolden(t, p) })
			p = admKeys(p, "/")
			p = viewtest.TypePage(p, apptest.AuthCard(0))
			p = admKeys(p, "enter")
			t.Run("card", func(t *testing.T) { admGolden(t, p) })
			p = admKeys(p, "l")
			t.Run("confirm", func(t *testing.T) { admGolden(t, p) })
		})
	}
}

func TestAdmSetACardLost(t *testing.T) {
	d, p := admPage(t, "zh", admActor, views.NewCardsPage)
	ctx := context.Background()
	p = admKeys(p, "/")
	p = viewtest.TypePage(p, apptest.UserCard(1))
	p = admKeys(p, "enter")
	admWant(t, p, "学生2 (S000002)", "正常", "B2000002")
	p = admKeys(p, "l")
	admWant(t, p, "将卡 20000002(学生2)由「正常」改为「挂失」?")
	p = admKeys(p, "n")
	if c, _ := d.Site.Svc.CardByNo(ctx, app.SystemActor, apptest.UserCard(1)); c.Status != app.CardNormal {
		t.Fatal("n changed the status")
	}
	p = admKeys(p, "l", "y")
	admWant(t, p, "卡 20000002 已设为「挂失」", "状态      挂失")
	if c, _ := d.Site.Svc.CardByNo(ctx, app.SystemActor, apptest.UserCard(1)); c.Status != app.CardLost {
		t.Fatalf("status %s", c.Status)
	}
	if e := d.Site.LastAudit(); e.Action != "card_status" || e.Detail != "normal→lost" || e.Actor != "admin" {
		t.Fatalf("audit %+v", e)
	}
	// Back to normal.
	p = admKeys(p, "o", "y")
	admWant(t, p, "卡 20000002 已设为「正常」")
}

func TestAdmCardFromTheReaderAndTheAuthCardWarning(t *testing.T) {
	d, p := admPage(t, "en", admActor, views.NewCardsPage)
	ctx := context.Background()
	card := d.Cards.Issue(t, []byte{0xA1, 0x00, 0x00, 0x02}, apptest.AuthCard(1), 0)
	d.Cards.Put(card)
	p = viewtest.DrivePage(p, common.ReaderMsg{State: app.ReaderCard})
	admWantNot(t, p, "80000002") // laid on the reader: not read until asked
	p = admKeys(p, "c")
	admWant(t, p, "80000002", "of operator OP02 充值员2", "the reader")
	p = admKeys(p, "f")
	admWant(t, p, "Set card 80000002 (操作员2) from normal to frozen?", "OP02 充值员2's authorization card: it will no longer authorize a POS")
	p = admKeys(p, "y")
	admWant(t, p, "Card 80000002 is now frozen")
	if c, _ := d.Site.Svc.CardByNo(ctx, app.SystemActor, apptest.AuthCard(1)); c.Status != app.CardFrozen {
		t.Fatalf("status %s", c.Status)
	}
	_, err := d.Site.Svc.Authorize(ctx, app.AuthorizeRequest{DeviceID: "P1", Serial: d.Site.NextSerial("P1"), CardNo: apptest.AuthCard(1), PIN: apptest.PIN})
	apptest.WantCode(t, err, app.CodeCardFrozen)
}

func TestAdmCardLookUpRefusals(t *testing.T) {
	d, p := admPage(t, "zh", admActor, views.NewCardsPage)
	p = admKeys(p, "c")
	admWant(t, p, "读卡器上没有卡")
	p = admKeys(p, "/")
	p = viewtest.TypePage(p, "29999999")
	p = admKeys(p, "enter")
	admWant(t, p, "卡号不存在")
	// A card whose UID is not the one on record.
	card := d.Cards.Issue(t, []byte{0xDE, 0xAD, 0xBE, 0xEF}, apptest.UserCard(0), 0)
	d.Cards.Put(card)
	p = viewtest.DrivePage(p, common.ReaderMsg{State: app.ReaderCard})
	p = admKeys(p, "c")
	admWant(t, p, "20000001: 卡片与系统记录不符")
	admWantNot(t, p, "持卡人")
}
