package cli

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/deskapi"
	"cardcenter/app/sitecert"
)

// Issue 11.1: serve answers desks beside POS terminals, on the same TLS listener with the
// same pinned certificate, and says how a desk connects; a desk pinned to the certificate
// logs in and works; one pinned to another sends nothing.
func TestServeAnswersDesksBesideTheTerminals(t *testing.T) {
	s, url, stop, lines, fp := serveSelfSigned(t)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(strings.Join(lines(), "\n"), "desks: cardcenter desk --host "+url+" --pin-sha256 "+fp.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not say how a desk connects: %q", lines())
		}
		time.Sleep(10 * time.Millisecond)
	}
	ctx := context.Background()
	d, err := deskapi.Connect(ctx, url, deskapi.Options{Pin: &fp, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	a, err := d.Login(ctx, "clerk1", "clerk-pass-1")
	if err != nil || a.User != "clerk1" {
		t.Fatalf("login %+v %v", a, err)
	}
	if _, err := d.CardQuestions(ctx, a, apptest.UserCard(0)); err != nil {
		t.Fatal(err)
	}
	if d.Today() != "2026-03-02" && d.Today() != time.Now().In(d.Settings().Location).Format(app.DayLayout) {
		t.Errorf("today %s", d.Today())
	}
	// The POS API is still there.
	resp, err := sitecert.PinnedClient(&fp, 5*time.Second).Get(url + "/v1/health")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("health %v %v", resp, err)
	}
	resp.Body.Close()
	var wrong sitecert.Fingerprint
	copy(wrong[:], fp[:])
	wrong[0] ^= 1
	if _, err := deskapi.Connect(ctx, url, deskapi.Options{Pin: &wrong, Timeout: 5 * time.Second}); !errors.Is(err, app.CodeHostCertMismatch) {
		t.Errorf("wrong pin: %v", err)
	}
	// cardcenter desk --host checks its flags and the host before the screen opens.
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--host", url, "--db", s.Path}, "--host or --db"},
		{[]string{"--pin-sha256", fp.String()}, "go with --host"},
		{[]string{"--host", strings.Replace(url, "https://", "http://", 1), "--pin-sha256", fp.String()}, "needs an https:// host"},
		{[]string{"--host", "http://192.0.2.1:8620"}, string(app.CodePlainHTTPRefused)},
		{[]string{"--host", url, "--pin-sha256", wrong.String()}, string(app.CodeHostCertMismatch)},
	} {
		var out bytes.Buffer
		code := run(ctx, append([]string{"desk"}, c.args...), &out, &out)
		if code == 0 || !strings.Contains(out.String(), c.want) {
			t.Errorf("desk %q: exit %d %s", c.args, code, out.String())
		}
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exit %d", code)
	}
}
