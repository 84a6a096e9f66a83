package devices_test

import (
	"bytes"
	"cardcenter/views/pages/devices"
	"context"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/provision"
	"cardcenter/views/viewtest"
)

func TestAdmDevicesScreens(t *testing.T) {
	for _, lang := range viewtest.Langs {
		t.Run(lang, func(t *testing.T) {
			_, p := viewtest.OpenPage(t, lang, viewtest.Admin, devices.New)
			viewtest.Shot(t, p, "list")
			p = viewtest.Shot(t, p, "register", "n")
			p = viewtest.Shot(t, p, "edit", "esc", "down", "e")
			p = viewtest.Shot(t, p, "disable", "esc", "d")
			p = viewtest.Keys(p, "n", "x") // P1
			viewtest.Shot(t, p, "retire")
			p = viewtest.TypePage(viewtest.Keys(p, "tab"), "机壳损坏,已报废")
			p = viewtest.Shot(t, p, "retire_confirm", "enter")
			p = viewtest.Keys(p, "y")
			viewtest.Want(t, p, map[string]string{"zh": "已登记 P1 退役", "en": "P1 recorded retired"}[lang])
			viewtest.Shot(t, p, "retired")
		})
	}
}

// An admin records a POS retired: the question says what follows and defaults to No; yes
// disables the POS, shows it as retired, releases its write-unknown recharge to the desk
// and opens a case for a supervisor to check the cash.
func TestAdmRetireADevice(t *testing.T) {
	for _, kind := range []app.JournalEndKind{app.JournalRetired, app.JournalReplaced} {
		t.Run(string(kind), func(t *testing.T) {
			d, p := viewtest.OpenPage(t, "en", viewtest.Admin, devices.New)
			ctx := context.Background()
			s := d.Site
			_, res := s.Recharge(s.Authorize("P1", 0), apptest.UserCard(0), 40*app.Yuan) // its answer never reached the POS
			s.Clock.Advance(s.Cfg.WriteUnknownAfter)
			held := func() bool {
				items, err := s.Svc.AwaitingDesk(ctx, app.SystemActor, apptest.UserCard(0))
				if err != nil || len(items) != 1 {
					t.Fatalf("desk items %+v %v", items, err)
				}
				return items[0].Hold != nil && items[0].Hold.Code == app.CodeAwaitingPOS
			}
			if !held() {
				t.Fatal("fixture: the recharge is not held for its POS")
			}
			p = viewtest.Keys(p, "down", "x")
			viewtest.Want(t, p, "Record a POS retired or replaced: P1")
			if kind == app.JournalReplaced {
				p = viewtest.Keys(p, "right")
			}
			p = viewtest.Keys(p, "tab", "enter")
			flat := strings.ReplaceAll(viewtest.PageScreen(p), "\n", " ") // the question wraps
			for _, w := range []string{"nothing at or below serial 2 will come from it", "write-unknown recharges are released to the desk",
				"a supervisor must check the cash"} {
				if !strings.Contains(flat, w) {
					t.Fatalf("the question lacks %q:\n%s", w, viewtest.PageScreen(p))
				}
			}
			p = viewtest.Keys(p, "enter")                           // the default: No
			viewtest.Want(t, p, "Record a POS retired or replaced") // the form stays, nothing recorded
			if !held() {
				t.Fatal("the default answer recorded the journal end")
			}
			p = viewtest.Keys(p, "enter", "y") // an empty note: the ledger refuses
			viewtest.Want(t, p, "a reason is required")
			p = viewtest.TypePage(p, "screen broken")
			p = viewtest.Keys(p, "enter", "y")
			if held() {
				t.Fatal("the recharge is still held for its POS")
			}
			dev, err := s.Svc.DeviceWithKey(ctx, "P1")
			if err != nil {
				t.Fatal(err)
			}
			if want := kind == app.JournalReplaced; dev.Enabled != want {
				t.Fatalf("P1 enabled %v after %s", dev.Enabled, kind)
			}
			state := map[app.JournalEndKind]string{app.JournalRetired: "P1       retired", app.JournalReplaced: "P1       enabled"}[kind]
			viewtest.Want(t, p, "P1 recorded "+string(kind)+" (up to serial 2)", state)
			if a := s.LastAudit(); a.Action != "device_"+string(kind) || a.Subject != "device:P1" || a.Detail != "journal ended at serial 2 ("+string(kind)+"): screen broken" {
				t.Fatalf("audit %+v", a)
			}
			cases, err := s.Svc.Exceptions(ctx, viewtest.Admin)
			if err != nil || len(cases) != 1 || cases[0].Case.Kind != app.CaseJournalReleased || cases[0].Case.RechargeID != res.RechargeID {
				t.Fatalf("cases %+v %v", cases, err)
			}
		})
	}
}

func TestAdmRegisterAndDisableADevice(t *testing.T) {
	d, p := viewtest.OpenPage(t, "zh", viewtest.Admin, devices.New)
	ctx := context.Background()
	p = viewtest.Keys(p, "n")
	viewtest.Want(t, p, "登记设备", "0201")
	p = viewtest.TypePage(p, "P3")
	p = viewtest.Keys(p, "enter")
	p = viewtest.TypePage(p, "二食堂充值机")
	p = viewtest.Keys(p, "enter", "enter") // the model stays 0201
	p = viewtest.TypePage(p, "二食堂")
	p = viewtest.Keys(p, "enter")
	dev, err := d.Site.Svc.DeviceWithKey(ctx, "P3")
	if err != nil || dev.Model != app.ModelRechargePOS || dev.Name != "二食堂充值机" || dev.Location != "二食堂" || !dev.Enabled {
		t.Fatalf("P3 = %+v, %v", dev, err)
	}
	// The secret the POS needs is written to its provisioning file (0600), never shown.
	file := provision.FileName(d.C.ProvisionDir, "P3")
	viewtest.Want(t, p, "设备 P3 的新密钥已写入文件", file)
	viewtest.WantNot(t, p, hex.EncodeToString(dev.Secret))
	wantSecretFile(t, file, dev.Secret)
	p = viewtest.Keys(p, "enter")
	viewtest.WantNot(t, p, hex.EncodeToString(dev.Secret))
	viewtest.Want(t, p, "已登记设备 P3", "P3       启用     0201-增值机", "4/4")

	// The cursor is on P3; disable it: enter is No, y disables.
	p = viewtest.Keys(p, "d")
	viewtest.Want(t, p, "停用设备 P3 二食堂充值机?")
	p = viewtest.Keys(p, "enter")
	if dev, _ := d.Site.Svc.DeviceWithKey(ctx, "P3"); !dev.Enabled {
		t.Fatal("the default answer disabled P3")
	}
	p = viewtest.Keys(p, "d", "y")
	viewtest.Want(t, p, "已停用设备 P3", "P3       停用     0201-增值机", "4/4")
	if dev, _ := d.Site.Svc.DeviceWithKey(ctx, "P3"); dev.Enabled {
		t.Fatal("P3 still enabled")
	}
	if e := d.Site.LastAudit(); e.Action != "device_enable" || e.Subject != "device:P3" || e.Detail != "enabled=false" {
		t.Fatalf("audit %+v", e)
	}
}

func TestAdmRegisterRefusalsStayInTheForm(t *testing.T) {
	_, p := viewtest.OpenPage(t, "en", viewtest.Admin, devices.New)
	p = viewtest.Keys(p, "n")
	p = viewtest.TypePage(p, "P1")
	p = viewtest.Keys(p, "enter")
	p = viewtest.TypePage(p, "again")
	p = viewtest.Keys(p, "enter", "enter", "enter")
	viewtest.Want(t, p, "Register a device", "record already exists")
	p = viewtest.Keys(p, "esc")
	viewtest.WantNot(t, p, "Register a device")
}

func TestAdmRotateSecret(t *testing.T) {
	d, p := viewtest.OpenPage(t, "en", viewtest.Admin, devices.New)
	ctx := context.Background()
	before, _ := d.Site.Svc.DeviceWithKey(ctx, "P1")
	p = viewtest.Keys(p, "down", "s") // C1, P1, P2 by id: P1 is second
	viewtest.Want(t, p, "New secret for P1 一食堂充值机?")
	p = viewtest.Keys(p, "n")
	if now, _ := d.Site.Svc.DeviceWithKey(ctx, "P1"); !bytes.Equal(now.Secret, before.Secret) {
		t.Fatal("n rotated the secret")
	}
	p = viewtest.Keys(p, "s", "y")
	after, _ := d.Site.Svc.DeviceWithKey(ctx, "P1")
	if bytes.Equal(after.Secret, before.Secret) {
		t.Fatal("y did not rotate the secret")
	}
	file := provision.FileName(d.C.ProvisionDir, "P1")
	s := viewtest.Want(t, p, "New secret of device P1 written to its file", file)
	if strings.Contains(s, hex.EncodeToString(before.Secret)) || strings.Contains(s, hex.EncodeToString(after.Secret)) {
		t.Fatal("a secret is shown on the screen")
	}
	wantSecretFile(t, file, after.Secret)
	if !p.Capturing() {
		t.Fatal("the secret can be left behind with tab")
	}
	p = viewtest.Keys(p, "esc")
	viewtest.Want(t, p, "New secret for P1")
	viewtest.WantNot(t, p, hex.EncodeToString(after.Secret))
	if e := d.Site.LastAudit(); e.Action != "device_rotate_secret" || strings.Contains(e.Detail, hex.EncodeToString(after.Secret)) {
		t.Fatalf("audit %+v", e)
	}
}

// wantSecretFile: the provisioning file holds the device's secret, readable by its owner only.
func wantSecretFile(t *testing.T, path string, secret []byte) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s has mode %v, want 0600", path, fi.Mode().Perm())
	}
	got, err := provision.Read(path)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("%s holds %x (%v), want the device's secret", path, got, err)
	}
}
