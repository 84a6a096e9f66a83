package app_test

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
)

func TestBindingsListsEveryOperatorWithTheirCardAndItsStatus(t *testing.T) {
	s := apptest.New(t, apptest.Options{Operators: 3})
	must(t, s.Svc.UnbindCard(ctx, s.Admin, s.Ops[1].ID))
	must(t, s.Svc.SetCardStatus(ctx, s.Admin, apptest.AuthCard(2), app.CardLost))
	rows, err := s.Svc.Bindings(ctx, app.SystemActor)
	must(t, err)
	if len(rows) != 3 {
		t.Fatalf("got %d rows, want 3", len(rows))
	}
	want := []struct {
		op     string
		bound  bool
		card   string
		status app.CardStatus
	}{{"OP01", true, apptest.AuthCard(0), app.CardNormal}, {"OP02", false, "", ""}, {"OP03", true, apptest.AuthCard(2), app.CardLost}}
	for i, w := range want {
		r := rows[i]
		if r.Operator.OpNo != w.op || r.Bound != w.bound || r.Binding.CardNo != w.card || r.Binding.CardStatus != w.status {
			t.Errorf("row %d = %+v, want %+v", i, r, w)
		}
		if w.bound && (r.Binding.BoundBy != "admin" || !r.Binding.BoundAt.Equal(apptest.Start)) {
			t.Errorf("row %d bound by %q at %v", i, r.Binding.BoundBy, r.Binding.BoundAt)
		}
	}
}

func TestRotateDeviceSecretChangesItAndNeverWritesItToTheAudit(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	before, err := s.Svc.DeviceWithKey(ctx, "P1")
	must(t, err)
	secret, err := s.Svc.RotateDeviceSecret(ctx, s.Admin, "P1")
	must(t, err)
	after, err := s.Svc.DeviceWithKey(ctx, "P1")
	must(t, err)
	if len(secret) != 32 || !bytes.Equal(after.Secret, secret) || bytes.Equal(before.Secret, after.Secret) {
		t.Fatalf("secret not rotated: before %x after %x returned %x", before.Secret, after.Secret, secret)
	}
	if after.Name != before.Name || after.Model != before.Model || after.Enabled != before.Enabled {
		t.Fatalf("rotation changed more than the secret: %+v → %+v", before, after)
	}
	e := s.LastAudit()
	if e.Action != "device_rotate_secret" || e.Subject != "device:P1" || e.Actor != "admin" {
		t.Fatalf("audit entry %+v", e)
	}
	all, err := s.Svc.Audit(ctx, app.SystemActor, 1000)
	must(t, err)
	for _, e := range all {
		line := e.Subject + " " + e.Detail
		if strings.Contains(strings.ToLower(line), hex.EncodeToString(secret)) || strings.Contains(line, string(secret)) {
			t.Fatalf("audit entry holds the secret: %+v", e)
		}
	}

	apptest.WantCode(t, func() error { _, err := s.Svc.RotateDeviceSecret(ctx, s.Clerk, "P2"); return err }(), app.CodePermission)
	apptest.WantCode(t, func() error { _, err := s.Svc.RotateDeviceSecret(ctx, s.Admin, "NOPE"); return err }(), app.CodeUnknownDevice)
	if p2, _ := s.Svc.DeviceWithKey(ctx, "P2"); bytes.Equal(p2.Secret, secret) {
		t.Fatal("P2 changed")
	}
}

func TestAuditFilteredByPersonAndKind(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	a2 := s.Staff("admin2", app.RoleAdmin)
	must(t, s.Svc.SetDeviceEnabled(ctx, a2, "P1", false))
	must(t, s.Svc.SetDeviceEnabled(ctx, s.Admin, "P2", false))
	must(t, s.Svc.SetCardStatus(ctx, a2, apptest.UserCard(0), app.CardLost))

	got := func(user, action string, limit int) []string {
		t.Helper()
		es, err := s.Svc.AuditFiltered(ctx, s.Admin, user, action, limit)
		must(t, err)
		var out []string
		for _, e := range es {
			out = append(out, e.Actor+" "+e.Action+" "+e.Subject)
		}
		return out
	}
	if g := strings.Join(got("admin2", "", 10), "|"); g != "admin2 card_status card:20000001|admin2 device_enable device:P1" {
		t.Errorf("by person: %s", g)
	}
	if g := strings.Join(got("", "device_enable", 10), "|"); g != "admin device_enable device:P2|admin2 device_enable device:P1" {
		t.Errorf("by kind: %s", g)
	}
	if g := strings.Join(got("admin2", "device_enable", 10), "|"); g != "admin2 device_enable device:P1" {
		t.Errorf("by both: %s", g)
	}
	if g := got("", "", 2); len(g) != 2 || g[0] != "admin2 card_status card:20000001" {
		t.Errorf("no filter, limit 2: %v", g)
	}
	if g := got("nobody", "", 10); len(g) != 0 {
		t.Errorf("unknown person: %v", g)
	}
	_, err := s.Svc.AuditFiltered(ctx, s.Clerk, "", "", 10)
	apptest.WantCode(t, err, app.CodePermission)
	_, err = s.Svc.AuditFiltered(ctx, s.Admin, "", "", 0)
	apptest.WantCode(t, err, app.CodeBadInput)
}

func TestCardDetailNamesHolderAndTheOperatorOfAnAuthorizationCard(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	d, err := s.Svc.CardDetail(ctx, app.SystemActor, apptest.AuthCard(1))
	must(t, err)
	if d.Card.CardNo != apptest.AuthCard(1) || d.Holder.Name != "操作员2" || d.BoundTo.OpNo != "OP02" {
		t.Fatalf("auth card detail %+v", d)
	}
	d, err = s.Svc.CardDetail(ctx, app.SystemActor, apptest.UserCard(0))
	must(t, err)
	if d.Holder.Name != "学生1" || d.BoundTo.ID != 0 || d.Card.Status != app.CardNormal {
		t.Fatalf("user card detail %+v", d)
	}
	_, err = s.Svc.CardDetail(ctx, app.SystemActor, "99999999")
	apptest.WantCode(t, err, app.CodeUnknownCard)
}
