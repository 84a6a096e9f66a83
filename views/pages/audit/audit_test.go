package audit_test

import (
	"cardcenter/views/pages/audit"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/views/viewtest"
)

// auditSite adds a second admin who disables P2 and reports a card lost, an hour later.
func auditSite(t *testing.T, d *viewtest.Desk) {
	t.Helper()
	s, ctx := d.Site, context.Background()
	if err := s.Svc.CreateStaff(ctx, s.Admin, "wang", "王老师", app.RoleAdmin, "wang-pass-1"); err != nil {
		t.Fatal(err)
	}
	s.Clock.Advance(time.Hour)
	wang := app.Actor{User: "wang", Role: app.RoleAdmin}
	if err := s.Svc.SetDeviceEnabled(ctx, wang, "P2", false); err != nil {
		t.Fatal(err)
	}
	if err := s.Svc.SetCardStatus(ctx, wang, apptest.UserCard(2), app.CardLost); err != nil {
		t.Fatal(err)
	}
}

func TestAdmAuditScreens(t *testing.T) {
	for _, lang := range viewtest.Langs {
		t.Run(lang, func(t *testing.T) {
			d, p := viewtest.OpenPage(t, lang, viewtest.Admin, audit.New)
			auditSite(t, d)
			p = viewtest.Shot(t, p, "list", "r")
			p = viewtest.Shot(t, p, "query", "f")
			p = viewtest.TypePage(p, "wang")
			viewtest.Shot(t, p, "by_person", "enter", "enter")
		})
	}
}

func TestAdmAuditFilterByPersonKindAndText(t *testing.T) {
	d, p := viewtest.OpenPage(t, "en", viewtest.Admin, audit.New)
	auditSite(t, d)
	p = viewtest.Keys(p, "r")
	viewtest.Want(t, p, "Person: anyone   Kind: any", "card bound", "staff added")
	// By person.
	p = viewtest.Keys(p, "f")
	p = viewtest.TypePage(p, "wang")
	p = viewtest.Keys(p, "enter", "enter")
	s := viewtest.Want(t, p, "Person: wang", "device on/off", "device:P2", "enabled=false", "card status", "normal→lost", "1/2")
	if strings.Contains(s, "card bound") {
		t.Fatalf("another person's entries:\n%s", s)
	}
	// By kind too: ←→ picks it (device on/off is the third kind).
	p = viewtest.Keys(p, "f", "down", "right", "right", "right", "enter")
	s = viewtest.Want(t, p, "Person: wang   Kind: device on/off", "1/1")
	if strings.Contains(s, "normal→lost") {
		t.Fatalf("another kind:\n%s", s)
	}
	// Everyone's device on/off entries: the person cleared.
	p = viewtest.Keys(p, "f")
	for range "wang" {
		p = viewtest.Keys(p, "backspace")
	}
	p = viewtest.Keys(p, "enter", "enter")
	viewtest.Want(t, p, "Person: anyone   Kind: device on/off", "1/1")
	// a: everything again; / filters the loaded lines by text.
	p = viewtest.Keys(p, "a", "/")
	p = viewtest.TypePage(p, "P2")
	s = viewtest.Want(t, p, "filter: P2", "device:P2", "enabled=false")
	if strings.Contains(s, "device:P1") || strings.Contains(s, "card:") {
		t.Fatalf("the text filter kept other lines:\n%s", s)
	}
	if !p.Capturing() {
		t.Fatal("typing a filter must hold tab, q and ?")
	}
	p = viewtest.Keys(p, "enter")
	if p.Capturing() {
		t.Fatal("enter should leave the filter field")
	}
	p = viewtest.Keys(p, "esc")
	viewtest.Want(t, p, "card bound")
}

func TestAdmAuditScrolls(t *testing.T) {
	d, p := viewtest.OpenPage(t, "zh", viewtest.Admin, audit.New)
	s, ctx := d.Site, context.Background()
	for i := 0; i < 40; i++ {
		s.Clock.Advance(time.Minute)
		st := app.CardLost
		if i%2 == 1 {
			st = app.CardNormal
		}
		if err := s.Svc.SetCardStatus(ctx, s.Admin, apptest.UserCard(0), st); err != nil {
			t.Fatal(err)
		}
	}
	p = viewtest.Keys(p, "r")
	total, _ := s.Svc.Audit(ctx, app.SystemActor, 1000)
	viewtest.Fits(t, p, viewtest.Height-3)
	viewtest.Want(t, p, fmt.Sprintf("1/%d", len(total)), "2026-03-02 10:40") // newest first
	p = viewtest.Keys(p, "G")
	viewtest.Want(t, p, fmt.Sprintf("%d/%d", len(total), len(total)), "新建账号")
	viewtest.WantNot(t, p, "2026-03-02 10:40")
	viewtest.Fits(t, p, viewtest.Height-3)
	p = viewtest.Keys(p, "g", "pgdown")
	viewtest.Want(t, p, fmt.Sprintf("%d/%d", 1+viewtest.Height-3-3-2, len(total)))
}

func TestAdmAuditRefusedToANonAdmin(t *testing.T) {
	for _, actor := range []app.Actor{{User: "clerk1", Role: app.RoleClerk}, {User: "boss", Role: app.RoleSupervisor}} {
		_, p := viewtest.OpenPage(t, "zh", actor, audit.New)
		viewtest.Want(t, p, "无此操作权限")
		viewtest.WantNot(t, p, "admin")
		for _, b := range p.ShortHelp() {
			if b.Enabled() && b.Help().Key != "/" {
				t.Errorf("%s has key %s", actor.Role, b.Help().Key)
			}
		}
	}
}
