package app_test

import (
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
)

// The fixture's cards carry the UIDs A1000001… (authorization) and B2000001… (user).
func uidOf(t *testing.T, s *apptest.Site, cardNo string) string {
	t.Helper()
	return s.CardOf(cardNo).UID
}

func keysHost(t *testing.T) *apptest.Site {
	s := apptest.New(t, apptest.Options{Operators: 1})
	s.Svc.ServeCardKeys(apptest.SiteKey)
	return s
}

// wantKeys checks an answer holds exactly the site key's derivation for the UID.
func wantKeys(t *testing.T, got app.CardSectorKeys, uidHex string, write bool) {
	t.Helper()
	uid, _ := hex.DecodeString(uidHex)
	a, b := apptest.SiteKey.SectorKeys(uid)
	ga, gb, err := got.For(uidHex, write)
	if err != nil {
		t.Fatal(err)
	}
	if ga != a {
		t.Errorf("key A %X, want the derived %X", ga, a)
	}
	if write && gb != b {
		t.Errorf("key B %X, want the derived %X", gb, b)
	}
	if !write && got.B != "" {
		t.Errorf("a read was given key B")
	}
}

// lastKeysAudit is the newest audit row, which must be about a key request of requester.
func lastKeysAudit(t *testing.T, s *apptest.Site, requester string, refused bool) app.AuditEntry {
	t.Helper()
	e := s.LastAudit()
	want := "card_keys"
	if refused {
		want = "card_keys_refused"
	}
	if e.Action != want || e.Actor != requester {
		t.Fatalf("last audit %+v, want %s by %s", e, want, requester)
	}
	return e
}

func TestCardKeys_DeskGetsTheKeysOfItsCardOnly(t *testing.T) {
	s := keysHost(t)
	card := apptest.UserCard(0)
	uid := uidOf(t, s, card)

	read, err := s.Svc.CardKeys(ctx, s.Clerk, app.CardKeyRequest{UID: uid})
	must(t, err)
	wantKeys(t, read, uid, false)
	lastKeysAudit(t, s, "staff:clerk1", false)

	write, err := s.Svc.CardKeys(ctx, s.Clerk, app.CardKeyRequest{UID: uid, CardNo: card})
	must(t, err)
	wantKeys(t, write, uid, true)
	if e := lastKeysAudit(t, s, "staff:clerk1", false); !strings.Contains(e.Subject, card) {
		t.Errorf("audit subject %q does not name the card", e.Subject)
	}
	if strings.Contains(s.LastAudit().Detail, write.B) || strings.Contains(s.LastAudit().Detail, write.A) {
		t.Fatal("a key reached the audit log")
	}

	other := uidOf(t, s, apptest.UserCard(1))
	lost := apptest.UserCard(2)
	must(t, s.Svc.SetCardStatus(ctx, s.Admin, lost, app.CardLost))
	super := s.Staff("super1", app.RoleSupervisor)
	gone := s.Staff("gone1", app.RoleClerk)
	must(t, s.Svc.SetStaffEnabled(ctx, s.Admin, "gone1", false))
	for name, c := range map[string]struct {
		actor app.Actor
		req   app.CardKeyRequest
		also  app.Code
	}{
		"UID of another card":       {s.Clerk, app.CardKeyRequest{UID: other, CardNo: card}, ""},
		"unknown card":              {s.Clerk, app.CardKeyRequest{UID: uid, CardNo: "29999999"}, ""},
		"lost card":                 {s.Clerk, app.CardKeyRequest{UID: uidOf(t, s, lost), CardNo: lost}, app.CodeCardLost},
		"not a UID":                 {s.Clerk, app.CardKeyRequest{UID: "B2"}, ""},
		"a supervisor":              {super, app.CardKeyRequest{UID: uid, CardNo: card}, app.CodePermission},
		"a disabled account":        {gone, app.CardKeyRequest{UID: uid}, app.CodeSessionEnded},
		"an account never made":     {app.Actor{User: "intruder", Role: app.RoleClerk}, app.CardKeyRequest{UID: uid}, app.CodeSessionEnded},
		"claims a role not its own": {app.Actor{User: "clerk1", Role: app.RoleAdmin}, app.CardKeyRequest{UID: uid}, app.CodeSessionEnded},
	} {
		before := s.Ledger()
		got, err := s.Svc.CardKeys(ctx, c.actor, c.req)
		if !errors.Is(err, app.CodeKeysRefused) {
			t.Errorf("%s: got %+v, %v; want KEYS_REFUSED", name, got, err)
			continue
		}
		if ae, ok := app.AsError(err); !ok || ae.Code != app.CodeKeysRefused {
			t.Errorf("%s: errors.As gives %v, want the KEYS_REFUSED", name, ae)
		}
		if c.also != "" && !errors.Is(err, c.also) {
			t.Errorf("%s: %v does not say %s", name, err, c.also)
		}
		if got != (app.CardSectorKeys{}) {
			t.Errorf("%s: refused, yet keys came back", name)
		}
		after := s.Ledger()
		if after.Audit != before.Audit+1 {
			t.Errorf("%s: %d audit rows added, want 1", name, after.Audit-before.Audit)
		}
		lastKeysAudit(t, s, "staff:"+c.actor.User, true)
	}
}

// An ended session (logged out) gets no keys, whatever the account.
func TestCardKeys_EndedSessionGetsNone(t *testing.T) {
	s := keysHost(t)
	actor, err := s.Svc.Login(ctx, "clerk1", "clerk-pass-1")
	must(t, err)
	uid := uidOf(t, s, apptest.UserCard(0))
	_, err = s.Svc.CardKeys(ctx, actor, app.CardKeyRequest{UID: uid})
	must(t, err)
	must(t, s.Svc.Logout(ctx, actor))
	_, err = s.Svc.CardKeys(ctx, actor, app.CardKeyRequest{UID: uid})
	if !errors.Is(err, app.CodeKeysRefused) || !errors.Is(err, app.CodeSessionEnded) {
		t.Fatalf("after logout: %v, want KEYS_REFUSED (session ended)", err)
	}
	lastKeysAudit(t, s, "staff:clerk1", true)
}

// A service that holds no site key (a desk's own, a tool's) gives none.
func TestCardKeys_NoSiteKeyNoKeys(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	_, err := s.Svc.CardKeys(context.Background(), s.Clerk, app.CardKeyRequest{UID: uidOf(t, s, apptest.UserCard(0))})
	if !errors.Is(err, app.CodeKeysRefused) {
		t.Fatalf("got %v, want KEYS_REFUSED", err)
	}
}

func TestCardKeys_POSGetsKeyBOnlyUnderAnOpenAuthorization(t *testing.T) {
	s := keysHost(t)
	auth, card := apptest.AuthCard(0), apptest.UserCard(0)
	req := func(device, cardNo, uid string) app.DeviceCardKeyRequest {
		return app.DeviceCardKeyRequest{DeviceID: device, UID: uid, CardNo: cardNo}
	}
	refused := func(name string, r app.DeviceCardKeyRequest, also app.Code) {
		t.Helper()
		before := s.Ledger()
		got, err := s.Svc.DeviceCardKeys(ctx, r)
		if !errors.Is(err, app.CodeKeysRefused) || (also != "" && !errors.Is(err, also)) {
			t.Fatalf("%s: got %+v, %v; want KEYS_REFUSED (%s)", name, got, err, also)
		}
		if s.Ledger().Audit != before.Audit+1 {
			t.Fatalf("%s: not audited", name)
		}
		lastKeysAudit(t, s, "terminal:"+r.DeviceID, true)
	}

	// Not authorised yet: the authorization card can be read (its number is behind key
	// A), nothing can be written.
	got, err := s.Svc.DeviceCardKeys(ctx, req("P1", "", uidOf(t, s, auth)))
	must(t, err)
	wantKeys(t, got, uidOf(t, s, auth), false)
	lastKeysAudit(t, s, "terminal:P1", false)
	refused("no open authorization", req("P1", card, uidOf(t, s, card)), app.CodeNotAuthorized)

	s.Authorize("P1", 0)
	got, err = s.Svc.DeviceCardKeys(ctx, req("P1", card, uidOf(t, s, card)))
	must(t, err)
	wantKeys(t, got, uidOf(t, s, card), true)
	lastKeysAudit(t, s, "terminal:P1", false)
	refused("UID of another card", req("P1", card, uidOf(t, s, apptest.UserCard(1))), "")
	refused("authorised on another POS", req("P2", card, uidOf(t, s, card)), app.CodeNotAuthorized)
	must(t, s.Svc.SetCardStatus(ctx, s.Admin, apptest.UserCard(1), app.CardFrozen))
	refused("frozen card", req("P1", apptest.UserCard(1), uidOf(t, s, apptest.UserCard(1))), app.CodeCardFrozen)

	must(t, s.Svc.SetDeviceEnabled(ctx, s.Admin, "P1", false))
	refused("disabled terminal, read", req("P1", "", uidOf(t, s, card)), app.CodeDeviceDisabled)
	refused("disabled terminal, write", req("P1", card, uidOf(t, s, card)), app.CodeDeviceDisabled)
}
