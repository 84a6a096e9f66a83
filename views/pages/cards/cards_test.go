package cards_test

import (
	"cardcenter/views/common"
	"cardcenter/views/pages/cards"
	"context"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/views/viewtest"
)

func TestAdmCardsScreens(t *testing.T) {
	for _, lang := range viewtest.Langs {
		t.Run(lang, func(t *testing.T) {
			_, p := viewtest.OpenPage(t, lang, viewtest.Admin, cards.New)
			viewtest.Shot(t, p, "empty")
			p = viewtest.Keys(p, "/")
			p = viewtest.TypePage(p, apptest.AuthCard(0))
			p = viewtest.Shot(t, p, "card", "enter")
			viewtest.Shot(t, p, "confirm", "l")
		})
	}
}

func TestAdmSetACardLost(t *testing.T) {
	d, p := viewtest.OpenPage(t, "zh", viewtest.Admin, cards.New)
	ctx := context.Background()
	p = viewtest.Keys(p, "/")
	p = viewtest.TypePage(p, apptest.UserCard(1))
	p = viewtest.Keys(p, "enter")
	viewtest.Want(t, p, "学生2 (S000002)", "正常", "B2000002")
	p = viewtest.Keys(p, "l")
	viewtest.Want(t, p, "将卡 20000002(学生2)由「正常」改为「挂失」?")
	p = viewtest.Keys(p, "n")
	if c, _ := d.Site.Svc.CardByNo(ctx, app.SystemActor, apptest.UserCard(1)); c.Status != app.CardNormal {
		t.Fatal("n changed the status")
	}
	p = viewtest.Keys(p, "l", "y")
	viewtest.Want(t, p, "卡 20000002 已设为「挂失」", "状态      挂失")
	if c, _ := d.Site.Svc.CardByNo(ctx, app.SystemActor, apptest.UserCard(1)); c.Status != app.CardLost {
		t.Fatalf("status %s", c.Status)
	}
	if e := d.Site.LastAudit(); e.Action != "card_status" || e.Detail != "normal→lost" || e.Actor != "admin" {
		t.Fatalf("audit %+v", e)
	}
	// Back to normal.
	p = viewtest.Keys(p, "o", "y")
	viewtest.Want(t, p, "卡 20000002 已设为「正常」")
}

func TestAdmCardFromTheReaderAndTheAuthCardWarning(t *testing.T) {
	d, p := viewtest.OpenPage(t, "en", viewtest.Admin, cards.New)
	ctx := context.Background()
	card := d.Cards.Issue(t, []byte{0xA1, 0x00, 0x00, 0x02}, apptest.AuthCard(1), 0)
	d.Cards.Put(card)
	p = viewtest.DrivePage(p, common.ReaderMsg{State: app.ReaderCard})
	viewtest.WantNot(t, p, "80000002") // laid on the reader: not read until asked
	p = viewtest.Keys(p, "c")
	viewtest.Want(t, p, "80000002", "of operator OP02 充值员2", "the reader")
	p = viewtest.Keys(p, "f")
	viewtest.Want(t, p, "Set card 80000002 (操作员2) from normal to frozen?", "OP02 充值员2's authorization card: it will no longer authorize a POS")
	p = viewtest.Keys(p, "y")
	viewtest.Want(t, p, "Card 80000002 is now frozen")
	if c, _ := d.Site.Svc.CardByNo(ctx, app.SystemActor, apptest.AuthCard(1)); c.Status != app.CardFrozen {
		t.Fatalf("status %s", c.Status)
	}
	_, err := d.Site.Svc.Authorize(ctx, app.AuthorizeRequest{DeviceID: "P1", Serial: d.Site.NextSerial("P1"), CardNo: apptest.AuthCard(1), PIN: apptest.PIN})
	apptest.WantCode(t, err, app.CodeCardFrozen)
}

func TestAdmCardLookUpRefusals(t *testing.T) {
	d, p := viewtest.OpenPage(t, "zh", viewtest.Admin, cards.New)
	p = viewtest.Keys(p, "c")
	viewtest.Want(t, p, "读卡器上没有卡")
	p = viewtest.Keys(p, "/")
	p = viewtest.TypePage(p, "29999999")
	p = viewtest.Keys(p, "enter")
	viewtest.Want(t, p, "卡号不存在")
	// A card whose UID is not the one on record.
	card := d.Cards.Issue(t, []byte{0xDE, 0xAD, 0xBE, 0xEF}, apptest.UserCard(0), 0)
	d.Cards.Put(card)
	p = viewtest.DrivePage(p, common.ReaderMsg{State: app.ReaderCard})
	p = viewtest.Keys(p, "c")
	viewtest.Want(t, p, "20000001: 卡片与系统记录不符")
	viewtest.WantNot(t, p, "持卡人")
}
