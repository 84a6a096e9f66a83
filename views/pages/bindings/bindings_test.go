package bindings_test

import (
	"cardcenter/views/common"
	"cardcenter/views/pages/bindings"
	"context"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/views/viewtest"
)

func TestAdmBindingsScreens(t *testing.T) {
	for _, lang := range viewtest.Langs {
		t.Run(lang, func(t *testing.T) {
			d, p := viewtest.OpenPage(t, lang, viewtest.Admin, bindings.New)
			if err := d.Site.Svc.UnbindCard(context.Background(), d.Site.Admin, d.Site.Ops[1].ID); err != nil {
				t.Fatal(err)
			}
			p = viewtest.Shot(t, p, "list", "r")
			p = viewtest.Shot(t, p, "bind", "down", "b")
			viewtest.Shot(t, p, "unbind", "esc", "up", "u")
		})
	}
}

func TestAdmBindByTyping(t *testing.T) {
	d, p := viewtest.OpenPage(t, "zh", viewtest.Admin, bindings.New)
	ctx := context.Background()
	if err := d.Site.Svc.UnbindCard(ctx, d.Site.Admin, d.Site.Ops[1].ID); err != nil {
		t.Fatal(err)
	}
	p = viewtest.Keys(p, "r", "down", "b")
	p = viewtest.TypePage(p, apptest.UserCard(2))
	p = viewtest.Keys(p, "enter")
	viewtest.Want(t, p, "已将卡 20000003 绑定到 OP02", "20000003")
	rows, err := d.Site.Svc.Bindings(ctx, app.SystemActor)
	if err != nil || !rows[1].Bound || rows[1].Binding.CardNo != apptest.UserCard(2) {
		t.Fatalf("not bound: %+v %v", rows, err)
	}
	if e := d.Site.LastAudit(); e.Action != "card_bind" || e.Actor != "admin" {
		t.Fatalf("audit %+v", e)
	}
}

func TestAdmBindByReader(t *testing.T) {
	d, p := viewtest.OpenPage(t, "en", viewtest.Admin, bindings.New)
	ctx := context.Background()
	if err := d.Site.Svc.UnbindCard(ctx, d.Site.Admin, d.Site.Ops[1].ID); err != nil {
		t.Fatal(err)
	}
	card := d.Cards.Issue(t, []byte{0xB2, 0x00, 0x00, 0x04}, apptest.UserCard(3), 0)
	p = viewtest.Keys(p, "r", "down", "b")
	viewtest.Want(t, p, "Put the card on the reader")
	d.Cards.Put(card)
	p = viewtest.DrivePage(p, common.ReaderMsg{State: app.ReaderCard})
	viewtest.Want(t, p, "Card on the reader: 20000004", "20000004")
	p = viewtest.Keys(p, "enter")
	viewtest.Want(t, p, "Card 20000004 is now OP02")
	rows, _ := d.Site.Svc.Bindings(ctx, app.SystemActor)
	if rows[1].Binding.CardNo != apptest.UserCard(3) {
		t.Fatalf("not bound: %+v", rows[1])
	}
}

func TestAdmBindRefusalsInPlainWords(t *testing.T) {
	d, p := viewtest.OpenPage(t, "zh", viewtest.Admin, bindings.New)
	ctx := context.Background()
	s := d.Site
	// OP01 already has a card: OPERATOR_ALREADY_HAS_CARD.
	p = viewtest.Keys(p, "b")
	p = viewtest.TypePage(p, apptest.UserCard(0))
	p = viewtest.Keys(p, "enter")
	viewtest.Want(t, p, "该操作员已绑定授权卡")
	p = viewtest.Keys(p, "esc")
	// OP02 freed, then given OP01's card: CARD_BOUND_TO_OTHER_OPERATOR.
	if err := s.Svc.UnbindCard(ctx, s.Admin, s.Ops[1].ID); err != nil {
		t.Fatal(err)
	}
	p = viewtest.Keys(p, "r", "down", "b")
	p = viewtest.TypePage(p, apptest.AuthCard(0))
	p = viewtest.Keys(p, "enter")
	viewtest.Want(t, p, "该卡已绑定其他操作员")
	// A lost card, then an unknown one.
	if err := s.Svc.SetCardStatus(ctx, s.Admin, apptest.UserCard(1), app.CardLost); err != nil {
		t.Fatal(err)
	}
	for range apptest.AuthCard(0) {
		p = viewtest.Keys(p, "backspace")
	}
	p = viewtest.TypePage(p, apptest.UserCard(1))
	p = viewtest.Keys(p, "enter")
	viewtest.Want(t, p, "卡已挂失")
	for range apptest.UserCard(1) {
		p = viewtest.Keys(p, "backspace")
	}
	p = viewtest.TypePage(p, "29999999")
	p = viewtest.Keys(p, "enter")
	viewtest.Want(t, p, "卡号不存在")
	if rows, _ := s.Svc.Bindings(ctx, app.SystemActor); rows[1].Bound {
		t.Fatalf("a refused bind bound: %+v", rows[1])
	}
}

func TestAdmBindReadsAnUnknownCardAndSaysSo(t *testing.T) {
	d, p := viewtest.OpenPage(t, "zh", viewtest.Admin, bindings.New)
	card := d.Cards.Issue(t, []byte{0xC0, 0xFF, 0xEE, 0x01}, "29999999", 0)
	d.Cards.Put(card)
	p = viewtest.DrivePage(p, common.ReaderMsg{State: app.ReaderCard})
	p = viewtest.Keys(p, "down", "b") // the card is already on the reader: read at once
	viewtest.Want(t, p, "29999999: 卡号不存在")
}

func TestAdmUnbindAsksAndDefaultsToNo(t *testing.T) {
	d, p := viewtest.OpenPage(t, "zh", viewtest.Admin, bindings.New)
	ctx := context.Background()
	p = viewtest.Keys(p, "u")
	viewtest.Want(t, p, "解除 OP01 充值员1 的授权卡 80000001?")
	p = viewtest.Keys(p, "enter") // the default: no
	if rows, _ := d.Site.Svc.Bindings(ctx, app.SystemActor); !rows[0].Bound {
		t.Fatal("enter unbound the card")
	}
	p = viewtest.Keys(p, "u", "y")
	viewtest.Want(t, p, "已解除 OP01 充值员1 的授权卡 80000001", "未绑定")
	if rows, _ := d.Site.Svc.Bindings(ctx, app.SystemActor); rows[0].Bound {
		t.Fatal("y did not unbind")
	}
}
