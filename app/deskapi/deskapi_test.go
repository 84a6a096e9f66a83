package deskapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/deskapi"
	"cardcenter/app/deskapi/deskapitest"
	"cardcenter/app/posapi"
	"cardcenter/app/sitecert"
)

// Every method of app.Desk is served: by name under /v1/desk/, by the login endpoint, or
// (Settings, Today, Clock) by the client from GET /v1/desk/settings. A method added to Desk
// is served without new server code (reflection); this test fails if it is not, or if the
// strict decoder cannot describe one of its parameters (NewServer panics).
func TestEveryDeskMethodIsServed(t *testing.T) {
	w := newWorld(t)
	srv := deskapi.NewServer(w.site.Svc, nil)
	served := map[string]bool{}
	for _, m := range srv.Methods() {
		served[m] = true
	}
	pin := w.host.Pin
	hc := sitecert.PinnedClient(&pin, 0)
	desk := reflect.TypeFor[app.Desk]()
	for i := 0; i < desk.NumMethod(); i++ {
		name := desk.Method(i).Name
		switch name {
		case "Settings", "Today", "Clock":
			continue // the client's own, from GET /v1/desk/settings
		case "Login":
			continue // POST /v1/desk/login, TestLoginAndSessions
		}
		if !served[name] {
			t.Errorf("Desk.%s is not served", name)
			continue
		}
		// Reachable on the host, and without a session refused before anything else: only
		// NeedsFirstAdmin answers anyone, CreateFirstAdmin nobody.
		resp, err := hc.Post(w.host.URL+deskapi.PathPrefix+name, "application/json", strings.NewReader("[]"))
		if err != nil {
			t.Fatal(err)
		}
		var ans struct{ Error deskapi.WireError }
		json.NewDecoder(resp.Body).Decode(&ans)
		resp.Body.Close()
		want := posapi.CodeUnauthenticated
		switch name {
		case "NeedsFirstAdmin":
			want = ""
		case "CreateFirstAdmin":
			want = app.CodePermission
		}
		if ans.Error.Code != want {
			t.Errorf("POST %s%s without a session: %d %q, want %q", deskapi.PathPrefix, name, resp.StatusCode, ans.Error.Code, want)
		}
	}
	if len(served) < 35 {
		t.Fatalf("only %d methods served", len(served))
	}
}

// The client is a whole Desk: what the screens see through it is what they see in process.
func TestClientAnswersAsTheLedgerDoes(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	req := w.cancelled(50 * app.Yuan)
	admin, aa := w.host.Login("admin")

	if got, want := admin.Settings(), w.site.Svc.Settings(); got.BalanceCeiling != want.BalanceCeiling ||
		got.ReversalDelay != want.ReversalDelay || got.Cutoff != want.Cutoff || got.MaxWrongPINs != want.MaxWrongPINs ||
		got.WriteUnknownAfter != want.WriteUnknownAfter || got.CaseAfter != want.CaseAfter {
		t.Errorf("settings %+v, host has %+v", got, want)
	}
	if admin.Today() != w.site.Svc.Today() {
		t.Errorf("today %s, host says %s", admin.Today(), w.site.Svc.Today())
	}
	if _, off := admin.Clock().Now().In(admin.Settings().Location).Zone(); off != 8*3600 {
		t.Errorf("location offset %d", off)
	}

	items, err := admin.AwaitingDesk(ctx, aa, req.CardNo)
	if err != nil || len(items) != 1 || items[0].Recharge.Serial != req.Serial || items[0].Reason != app.DeskCancelReported {
		t.Fatalf("awaiting %+v %v", items, err)
	}
	want, _ := w.site.Svc.AwaitingDesk(ctx, w.site.Admin, req.CardNo)
	if !items[0].Recharge.BookedAt.Equal(want[0].Recharge.BookedAt) || items[0].Recharge.Amount != want[0].Recharge.Amount {
		t.Errorf("recharge %+v, ledger %+v", items[0].Recharge, want[0].Recharge)
	}
	rep, err := admin.Report(ctx, aa, w.site.Svc.Today(), w.site.Svc.Today())
	if err != nil || rep.Total.Recharges.Amount != 50*app.Yuan {
		t.Fatalf("report %+v %v", rep.Total, err)
	}
	// Two results: the device and its secret.
	d, secret, err := admin.RegisterDevice(ctx, aa, app.DeviceInput{ID: "P9", Name: "新充值机", Model: app.ModelRechargePOS, Location: "二食堂"})
	if err != nil || d.ID != "P9" || len(secret) != 32 {
		t.Fatalf("register %+v %d %v", d, len(secret), err)
	}
	if dev, err := w.site.Svc.DeviceWithKey(ctx, "P9"); err != nil || !bytes.Equal(dev.Secret, secret) {
		t.Errorf("the host keeps another secret: %v", err)
	}
	// A refusal is the ledger's typed error.
	_, err = admin.CardDetail(ctx, aa, "29999999")
	if !errors.Is(err, app.CodeUnknownCard) {
		t.Errorf("unknown card: %v", err)
	}
	if ae, ok := app.AsError(err); !ok || ae.ZH == "" || ae.EN == "" {
		t.Errorf("refusal without messages: %#v", err)
	}
	// The whole repair over the host: the card is credited once, the ledger says repaired.
	clerk, ca := w.host.Login("clerk1")
	rd := w.reader(w.card, new(sync.Mutex))
	dc, err := app.LookAtCard(ctx, clerk, ca, rd)
	if err != nil || len(dc.Items) != 1 || dc.Items[0].Action != app.DeskWrite || dc.Card.CardNo() != req.CardNo {
		t.Fatalf("look %+v %v", dc, err)
	}
	rc, err := app.RepairCard(ctx, clerk, ca, rd, dc.Items[0].Recharge.ID, dc.Card)
	if err != nil || rc.Outcome != app.RepairWritten || rc.Clerk != "clerk1" {
		t.Fatalf("repair %+v %v", rc, err)
	}
	if got := w.read(w.card).Purse.Balance; got != int64(62*app.Yuan) {
		t.Errorf("balance %d", got)
	}
	dc, err = app.LookAtCard(ctx, clerk, ca, rd)
	if err != nil || len(dc.Items) != 0 || len(dc.Repaired) != 1 {
		t.Fatalf("second look %+v %v", dc, err)
	}
	if w.site.RechargeOf(dc.Repaired[0].RechargeID).CardWrite != app.WriteRepaired || rd.credits.Load() != 1 {
		t.Errorf("ledger %+v, credits %d", w.site.RechargeOf(dc.Repaired[0].RechargeID), rd.credits.Load())
	}
}

// Issue 11.6: the host builds every call's actor from the session alone. A client handed
// an actor that names someone else (an admin) with a clerk's session acts as the clerk: the
// admin's calls are refused, the clerk's records carry the clerk.
func TestAForgedNameOrRoleIsIgnored(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	req := w.cancelled(30 * app.Yuan)
	clerk, ca := w.host.Login("clerk1")
	forged := app.Actor{User: "admin", Role: app.RoleAdmin, Session: ca.Session}

	if _, err := clerk.Audit(ctx, forged, 10); !errors.Is(err, app.CodePermission) {
		t.Errorf("audit as a forged admin: %v", err)
	}
	if err := clerk.SetCardStatus(ctx, forged, apptest.UserCard(1), app.CardLost); !errors.Is(err, app.CodePermission) {
		t.Errorf("card status as a forged admin: %v", err)
	}
	if w.site.CardOf(apptest.UserCard(1)).Status != app.CardNormal {
		t.Error("a forged admin changed a card")
	}
	rd := w.reader(w.card, new(sync.Mutex))
	dc, err := app.LookAtCard(ctx, clerk, forged, rd)
	if err != nil || len(dc.Items) != 1 {
		t.Fatalf("look %+v %v", dc, err)
	}
	rc, err := app.RepairCard(ctx, clerk, forged, rd, dc.Items[0].Recharge.ID, dc.Card)
	if err != nil {
		t.Fatal(err)
	}
	if rc.Clerk != "clerk1" {
		t.Errorf("receipt clerk %q", rc.Clerk)
	}
	rp, err := w.site.Svc.RepairOf(ctx, w.site.Admin, dc.Items[0].Recharge.ID)
	if err != nil || rp.Staff != "clerk1" {
		t.Errorf("repair by %q (%v), want clerk1", rp.Staff, err)
	}
	if a := w.site.LastAudit(); a.Actor != "clerk1" {
		t.Errorf("last audit by %q: %+v", a.Actor, a)
	}
	if w.site.RechargeOf(dc.Items[0].Recharge.ID).Serial != req.Serial {
		t.Error("another recharge was repaired")
	}
	// No session at all: refused before the ledger is asked.
	if _, err := clerk.Audit(ctx, app.Actor{User: "admin", Role: app.RoleAdmin}, 10); !errors.Is(err, posapi.CodeUnauthenticated) {
		t.Errorf("no session: %v", err)
	}
}

// Two desks on the same recharge, each with a reader on the same card, confirm together
// over the host: the card takes exactly one credit, the ledger holds one repair, and the
// other desk is told (the card changed, or the recharge is repaired already). The card is
// what makes it once: its write is a compare-and-write on the purse the desk read, and the
// ledger's intent is resumed only by a desk whose card shows the credit absent.
func TestTwoDesksOnOneRechargeWriteOnce(t *testing.T) {
	for round := range 10 {
		w := newWorld(t)
		ctx := context.Background()
		w.site.Staff("clerk2", app.RoleClerk)
		w.cancelled(40 * app.Yuan)
		before := w.read(w.card).Purse
		var held sync.Mutex
		readers := []*countingReader{w.reader(w.card, &held), w.reader(w.card, &held)}
		var errs [2]error
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, user := range []string{"clerk1", "clerk2"} {
			d, a := w.host.Login(user)
			dc, err := app.LookAtCard(ctx, d, a, readers[i])
			if err != nil || len(dc.Items) != 1 {
				t.Fatalf("look %+v %v", dc, err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = app.RepairCard(ctx, d, a, readers[i], dc.Items[0].Recharge.ID, dc.Card)
			}()
		}
		close(start)
		wg.Wait()
		after := w.read(w.card).Purse
		if after.Counter != before.Counter+1 || after.Balance != before.Balance+int64(40*app.Yuan) {
			t.Fatalf("round %d: card %+v → %+v (%v)", round, before, after, errs)
		}
		if n := readers[0].credits.Load() + readers[1].credits.Load(); n != 1 {
			t.Fatalf("round %d: %d credits (%v)", round, n, errs)
		}
		for _, err := range errs {
			if err != nil && !errors.Is(err, app.CodeCardChanged) && !errors.Is(err, app.CodeAlreadyRepaired) &&
				!errors.Is(err, app.CodeRepairInProgress) {
				t.Errorf("round %d: the other desk: %v", round, err)
			}
		}
		if l := w.site.Ledger(); l.Repairs != 1 || l.Repaired != 1 {
			t.Fatalf("round %d: ledger %+v", round, l)
		}
	}
}

func TestLoginAndSessions(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	d := w.host.Connect()
	if _, err := d.Login(ctx, "clerk1", "wrong"); !errors.Is(err, app.CodeBadCredentials) {
		t.Errorf("wrong password: %v", err)
	}
	a, err := d.Login(ctx, "clerk1", deskapitest.Password("clerk1"))
	if err != nil || a.User != "clerk1" || a.Role != app.RoleClerk || !strings.HasPrefix(a.Session, "ccs_") {
		t.Fatalf("login %+v %v", a, err)
	}
	if _, err := d.CardQuestions(ctx, a, apptest.UserCard(0)); err != nil {
		t.Fatal(err)
	}
	if err := d.Logout(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := d.Logout(ctx, a); err != nil {
		t.Errorf("a second logout: %v", err)
	}
	if _, err := d.CardQuestions(ctx, a, apptest.UserCard(0)); !errors.Is(err, app.CodeSessionEnded) {
		t.Errorf("after logout: %v", err)
	}
	// A session ends after 30 minutes idle, and at once when its account is disabled.
	admin, _ := w.host.Login("admin")
	b, _ := d.Login(ctx, "clerk1", deskapitest.Password("clerk1"))
	w.site.Clock.Advance(31 * time.Minute)
	if _, err := d.CardQuestions(ctx, b, apptest.UserCard(0)); !errors.Is(err, app.CodeSessionEnded) {
		t.Errorf("after 31 idle minutes: %v", err)
	}
	b, _ = d.Login(ctx, "clerk1", deskapitest.Password("clerk1"))
	if err := w.site.Svc.SetStaffEnabled(ctx, w.site.Admin, "clerk1", false); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CardQuestions(ctx, b, apptest.UserCard(0)); !errors.Is(err, app.CodeSessionEnded) {
		t.Errorf("after the account was disabled: %v", err)
	}
	// The first admin is made at the host, never across the network.
	if _, err := admin.CreateFirstAdmin(ctx, "x", "x", "x-pass-1234"); !errors.Is(err, app.CodePermission) {
		t.Errorf("first admin over the network: %v", err)
	}
	need, err := admin.NeedsFirstAdmin(ctx)
	if err != nil || need {
		t.Errorf("needs first admin %v %v", need, err)
	}
}

// The strict decoder: the body is exactly the method's arguments, every object with its
// exact field names once each, valid UTF-8, bounded.
func TestStrictBodies(t *testing.T) {
	w := newWorld(t)
	_, a := w.host.Login("admin")
	pin := w.host.Pin
	hc := sitecert.PinnedClient(&pin, 0)
	post := func(path, auth, body string) (int, deskapi.WireError) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, w.host.URL+path, strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var ans struct{ Error deskapi.WireError }
		json.Unmarshal(b, &ans)
		return resp.StatusCode, ans.Error
	}
	bearer := "Bearer " + a.Session
	dev := `{"ID":"P8","Name":"n","Model":"0201","Location":"l"}`
	for _, c := range []struct {
		name, path, auth, body string
		status                 int
		code                   app.Code
		detail                 string
	}{
		{"ok", "RegisterDevice", bearer, "[" + dev + "]", 200, "", ""},
		{"no token", "Devices", "", "[]", 401, posapi.CodeUnauthenticated, ""},
		{"not bearer", "Devices", "Basic " + a.Session, "[]", 401, posapi.CodeUnauthenticated, ""},
		{"unknown token", "Devices", "Bearer ccs_nosuchtoken", "[]", 401, app.CodeSessionEnded, ""},
		{"not an array", "Device", bearer, `{"id":"P1"}`, 400, posapi.CodeMalformed, "want an array"},
		{"too few", "Device", bearer, `[]`, 400, posapi.CodeMalformed, "0 arguments, want 1"},
		{"too many", "Device", bearer, `["P1","P2"]`, 400, posapi.CodeMalformed, "more than 1 arguments"},
		{"wrong type", "Device", bearer, `[1]`, 400, posapi.CodeMalformed, "[0]: want a string"},
		{"null", "Device", bearer, `[null]`, 400, posapi.CodeMalformed, "[0]: want a string"},
		{"trailing", "Device", bearer, `["P1"] x`, 400, posapi.CodeMalformed, ""},
		{"case variant", "RegisterDevice", bearer, `[{"id":"P8","Name":"n","Model":"0201","Location":"l"}]`, 400, posapi.CodeMalformed, "[0].id: unknown field"},
		{"duplicate", "RegisterDevice", bearer, `[{"ID":"P8","ID":"P7","Name":"n","Model":"0201","Location":"l"}]`, 400, posapi.CodeMalformed, "[0].ID: duplicate"},
		{"missing field", "RegisterDevice", bearer, `[{"ID":"P8","Name":"n","Model":"0201"}]`, 400, posapi.CodeMalformed, "[0].Location: missing"},
		{"bad utf-8", "Device", bearer, "[\"P\xff\"]", 400, posapi.CodeMalformed, "not valid UTF-8"},
		{"control char", "Device", bearer, "[\"P\\u0000\"]", 400, posapi.CodeMalformed, "control character"},
		{"long string", "Device", bearer, `["` + strings.Repeat("x", deskapi.MaxString+1) + `"]`, 400, posapi.CodeMalformed, "at most 1000"},
		{"int overflow", "Audit", bearer, `[99999999999999999999]`, 400, posapi.CodeMalformed, "64 bits"},
		{"float", "Audit", bearer, `[1.5]`, 400, posapi.CodeMalformed, ""},
		{"too large", "Device", bearer, `["` + strings.Repeat("x", deskapi.MaxBody) + `"]`, 413, posapi.CodeBodyTooLarge, ""},
		{"no such method", "Nope", bearer, `[]`, 404, posapi.CodeNotFoundPath, ""},
		{"ledger refusal", "Device", bearer, `["P404"]`, 422, app.CodeUnknownDevice, ""},
		{"login unknown field", "login", "", `{"user":"admin","password":"admin-pass-1","role":"admin"}`, 400, posapi.CodeMalformed, "role: unknown field"},
		{"login duplicate", "login", "", `{"user":"clerk1","user":"admin","password":"admin-pass-1"}`, 400, posapi.CodeMalformed, "user: duplicate"},
		{"login case", "login", "", `{"User":"admin","password":"admin-pass-1"}`, 400, posapi.CodeMalformed, "User: unknown"},
	} {
		path := deskapi.PathPrefix + c.path
		status, e := post(path, c.auth, c.body)
		if status != c.status || e.Code != c.code || !strings.Contains(e.Detail, c.detail) {
			t.Errorf("%s: %d %s %q; want %d %s %q", c.name, status, e.Code, e.Detail, c.status, c.code, c.detail)
		}
		if c.code != "" && (e.ZH == "" || e.EN == "" || status != deskapi.StatusOf(c.code)) {
			t.Errorf("%s: %+v with %d", c.name, e, status)
		}
	}
	// A wrong verb is no such endpoint too.
	resp, err := hc.Get(w.host.URL + deskapi.PathPrefix + "Devices")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("GET a method: %d", resp.StatusCode)
	}
}

// A certificate other than the pinned one is refused before anything is sent, with its
// own code; a host that is gone is NO_ANSWER.
func TestPinningAndNoAnswer(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	var other sitecert.Fingerprint
	other[0] = 1
	if _, err := deskapi.Connect(ctx, w.host.URL, deskapi.Options{Pin: &other}); !errors.Is(err, app.CodeHostCertMismatch) {
		t.Errorf("wrong pin: %v", err)
	}
	d, a := w.host.Login("clerk1")
	w.host.Close()
	if _, err := d.CardQuestions(ctx, a, apptest.UserCard(0)); !errors.Is(err, posapi.CodeNoAnswer) {
		t.Errorf("host gone: %v", err)
	}
}

// A desk's clock is the host's: this machine's clock corrected by the offset measured at
// Connect, and the settlement day turns with it (the host's manual clock is months away
// from this machine's here).
func TestTheDeskKeepsTheHostsTime(t *testing.T) {
	w := newWorld(t)
	pin := w.host.Pin
	d, err := deskapi.Connect(context.Background(), w.host.URL, deskapi.Options{Pin: &pin})
	if err != nil {
		t.Fatal(err)
	}
	if skew := d.Clock().Now().Sub(w.site.Clock.Now()); skew < -time.Second || skew > time.Second {
		t.Errorf("the desk's clock is %v off the host's", skew)
	}
	if d.Today() != "2026-03-02" {
		t.Errorf("today %s", d.Today())
	}
	if d.Settings().Location.String() != w.site.Svc.Settings().Location.String() {
		t.Errorf("location %v, host %v", d.Settings().Location, w.site.Svc.Settings().Location)
	}
}

// Many desks at once on one host (go test -race ./app/deskapi): every call answered as
// the ledger would, each desk as its own staff member.
func TestManyDesksAtOnce(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.cancelled(20 * app.Yuan)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 8 {
		user := []string{"clerk1", "admin"}[i%2]
		d, a := w.host.Login(user)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				qs, err := d.CardQuestions(ctx, a, apptest.UserCard(0))
				if err != nil || len(qs) != 1 {
					errs <- fmt.Errorf("%s: %v %v", user, qs, err)
					return
				}
				_, err = d.Audit(ctx, a, 5)
				if user == "clerk1" && !errors.Is(err, app.CodePermission) || user == "admin" && err != nil {
					errs <- fmt.Errorf("%s audit: %v", user, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
