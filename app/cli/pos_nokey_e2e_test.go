package cli

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/posapi"
	"cardcenter/app/provision"
	"cardcenter/cardio"
	"cardcenter/cardio/pcsctest"
)

// Issue 11.4 for the POS: a terminal with its device secret file and nothing else — no site
// key in its environment, its config directory or its flags — authorises, reads and
// recharges a card on the vpcd reader through pcscd, the card's keys coming from the host
// (cardcenter serve on loopback) in signed requests. Without an open authorization, or once
// disabled, it gets KEYS_REFUSED; every request is audited on the host; no key reaches the
// POS's disk (journal, log, config).
func TestPOSWithNoSiteKeyGetsCardKeysFromTheHost(t *testing.T) {
	w := newPOSWorld(t) // the host has started with the site key; from here on the POS side has none
	ctx := context.Background()
	posHome := t.TempDir()
	t.Setenv(cardio.SiteKeyEnv, "")
	os.Unsetenv(cardio.SiteKeyEnv)
	t.Setenv("HOME", posHome)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(posHome, ".config"))
	w.journal = filepath.Join(posHome, "pos-P1.json")

	// The secret file written at the device's registration: all a real terminal holds.
	var secret []byte
	w.ledger(func(svc *app.Service) {
		d, err := svc.DeviceWithKey(ctx, "P1")
		if err != nil {
			t.Fatal(err)
		}
		secret = d.Secret
	})
	secretFile, err := provision.Write(filepath.Join(posHome, "provision"), "P1", secret)
	if err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(posHome, "pos.log")
	pos := func(action ...string) (int, string) {
		t.Helper()
		args := append([]string{"pos", "--host", w.url, "--device", "P1", "--secret-file", secretFile, "--journal", w.journal,
			"--reader", pcsctest.Reader0, "--card-wait", "5s", "--retry-for", "10s", "--log", logFile}, action...)
		var out, errb bytes.Buffer
		code := run(ctx, args, &out, &errb)
		return code, out.String() + errb.String()
	}
	client := &posapi.Client{BaseURL: w.url, DeviceID: "P1", Secret: secret}
	user, auth := apptest.UserCard(0), apptest.AuthCard(0)
	uid := func(no string) string { return strings.ToUpper(hex.EncodeToString(w.cardUID(no))) }

	// Not authorised: key A for the authorization card (its number is behind it), no key B.
	if _, err := client.CardKeys(ctx, uid(auth), ""); err != nil {
		t.Fatalf("key A before authorization: %v", err)
	}
	if _, err := client.CardKeys(ctx, uid(user), user); !errors.Is(err, app.CodeKeysRefused) {
		t.Fatalf("key B with no open authorization: %v, want KEYS_REFUSED", err)
	}

	w.put(auth)
	if c, out := pos("authorize", "--pin", apptest.PIN); c != 0 {
		t.Fatalf("authorize with no site key: exit %d: %s", c, out)
	}
	w.put(user)
	before := w.balance(user)
	if c, out := pos("recharge", "--amount", "20"); c != 0 || !strings.Contains(out, "充值成功") {
		t.Fatalf("recharge with no site key: exit %d: %s", c, out)
	}
	if got := w.balance(user); got != before+20*app.Yuan {
		t.Fatalf("card holds %d fen, want %d", got, before+20*app.Yuan)
	}
	if r := w.report(); r.Total.Recharges.Count != 1 || r.Total.Recharges.Amount != 20*app.Yuan {
		t.Fatalf("report: %+v", r.Total.Recharges)
	}

	// A UID that is not the card's on record: no key B, even under the authorization.
	if _, err := client.CardKeys(ctx, uid(apptest.UserCard(1)), user); !errors.Is(err, app.CodeKeysRefused) {
		t.Fatalf("key B for another card's UID: %v, want KEYS_REFUSED", err)
	}

	// Disabled: no key at all, so the card is not even read.
	w.ledger(func(svc *app.Service) { must(t, svc.SetDeviceEnabled(ctx, w.site.Admin, "P1", false)) })
	for _, cardNo := range []string{"", user} {
		if _, err := client.CardKeys(ctx, uid(user), cardNo); !errors.Is(err, app.CodeKeysRefused) {
			t.Fatalf("disabled terminal, card_no %q: %v, want KEYS_REFUSED", cardNo, err)
		}
	}

	// Every request is an audit row on the host: granted and refused.
	w.ledger(func(svc *app.Service) {
		granted, err := svc.AuditFiltered(ctx, app.SystemActor, "terminal:P1", "card_keys", 100)
		must(t, err)
		refused, err := svc.AuditFiltered(ctx, app.SystemActor, "terminal:P1", "card_keys_refused", 100)
		must(t, err)
		var writes int
		for _, e := range granted {
			if strings.HasPrefix(e.Detail, "write") && strings.Contains(e.Subject, user) {
				writes++
			}
		}
		if len(granted) < 3 || writes != 1 || len(refused) != 4 {
			t.Fatalf("audit: %d granted (%d writes of %s), %d refused; want ≥ 3 (1), 4", len(granted), writes, user, len(refused))
		}
	})
	if _, err := os.Stat(logFile); err != nil {
		t.Fatalf("the POS wrote no log: %v", err)
	}
	noKeysUnder(t, posHome, w.key, w.cardUID(auth), w.cardUID(user))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
