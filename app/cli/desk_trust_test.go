package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/sitecert"
)

// Issue 11.3: a desk given a host and no fingerprint shows the clerk the certificate's
// fingerprint the first time and trusts it only on "yes"; it remembers it, asks no more, and
// refuses the host when it later presents another certificate. Nothing is sent to a host
// before its certificate is trusted.
func TestDeskTrustsAHostOnFirstUseOnlyWhenTheClerkConfirms(t *testing.T) {
	_, url, stop, _, fp := serveSelfSigned(t)
	defer stop()
	ctx := context.Background()
	known := filepath.Join(t.TempDir(), "cfg", "cardcenter", "known_hosts")
	connect := func(answer string) (string, error) {
		var out bytes.Buffer
		trust := deskTrust{knownHosts: known, in: strings.NewReader(answer), out: &out}
		d, err := connectDesk(ctx, []string{url}, nil, false, trust, 5*time.Second)
		if err == nil {
			if _, err = d.Login(ctx, "clerk1", "clerk-pass-1"); err != nil {
				t.Fatalf("login through the confirmed host: %v", err)
			}
		}
		return out.String(), err
	}

	// The clerk declines, or nobody is there to answer: refused, nothing remembered.
	for _, answer := range []string{"no\n", ""} {
		shown, err := connect(answer)
		if !errors.Is(err, app.CodeHostCertUntrusted) {
			t.Fatalf("answer %q: %v", answer, err)
		}
		if !strings.Contains(shown, fp.String()) {
			t.Fatalf("the prompt did not show the fingerprint %s:\n%s", fp, shown)
		}
		if _, err := os.Stat(known); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("a declined host was remembered (%v)", err)
		}
	}
	// Yes: trusted, remembered privately with the fingerprint shown.
	shown, err := connect("yes\n")
	if err != nil || !strings.Contains(shown, fp.String()) {
		t.Fatalf("yes: %v\n%s", err, shown)
	}
	fi, err := os.Stat(known)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("known hosts file %v %v", fi, err)
	}
	if b, _ := os.ReadFile(known); !strings.Contains(string(b), strings.TrimPrefix(url, "https://")+" "+fp.String()) {
		t.Fatalf("known hosts holds %q", b)
	}
	// Next time: no question, no answer needed.
	if shown, err := connect(""); err != nil || shown != "" {
		t.Fatalf("a known host was asked about again (%v):\n%s", err, shown)
	}
	// The host now presents another certificate: the remembered pin refuses it, and no
	// prompt offers to accept it.
	var other sitecert.Fingerprint
	copy(other[:], fp[:])
	other[31] ^= 0xff
	b, _ := os.ReadFile(known)
	if err := os.WriteFile(known, []byte(strings.Replace(string(b), fp.String(), other.String(), 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if shown, err := connect("yes\n"); !errors.Is(err, app.CodeHostCertMismatch) || shown != "" {
		t.Fatalf("a changed certificate: %v\n%s", err, shown)
	}
}

// Issue 11.3: a site that signs its hosts' certificates gives its desks the CA file
// instead of fingerprints; a host whose certificate another CA signed is refused, and --ca
// with fingerprints is a usage error.
func TestDeskTrustsTheHostsTheSiteCASigned(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	s.Store.Close()
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "host.pem"), filepath.Join(dir, "host.key")
	writeSelfSigned(t, certFile, keyFile) // its own CA: the site's CA file is the certificate
	url, stop := startServe(t, s.Path, "--tls-cert", certFile, "--tls-key", keyFile)
	defer stop()
	ctx := context.Background()
	d, err := connectDesk(ctx, []string{url}, nil, false, deskTrust{caFile: certFile}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Login(ctx, "clerk1", "clerk-pass-1"); err != nil {
		t.Fatal(err)
	}
	otherCA := filepath.Join(dir, "other.pem")
	writeSelfSigned(t, otherCA, filepath.Join(dir, "other.key"))
	if _, err := connectDesk(ctx, []string{url}, nil, false, deskTrust{caFile: otherCA}, 5*time.Second); err == nil {
		t.Fatal("a host the site CA did not sign was trusted")
	}
	notPEM := filepath.Join(dir, "empty.pem")
	os.WriteFile(notPEM, []byte("no certificate here\n"), 0o600)
	if _, err := connectDesk(ctx, []string{url}, nil, false, deskTrust{caFile: notPEM}, 5*time.Second); !errors.Is(err, app.CodeBadInput) {
		t.Fatalf("a CA file without a certificate: %v", err)
	}
	fp := sitecert.Fingerprint{1}
	if _, err := connectDesk(ctx, []string{url}, []string{fp.String()}, false, deskTrust{caFile: certFile}, 5*time.Second); !errors.Is(err, app.CodeBadInput) {
		t.Fatalf("--ca with --pin-sha256: %v", err)
	}
}

// The answer to the first-use prompt is read up to its newline and no further: the keys
// typed after it belong to the desk's screen.
func TestFirstUseAnswerLeavesTheRestForTheScreen(t *testing.T) {
	r := strings.NewReader("yes\nclerk\t")
	if got := readLine(r); got != "yes" {
		t.Fatalf("read %q", got)
	}
	rest := make([]byte, 16)
	n, _ := r.Read(rest)
	if string(rest[:n]) != "clerk\t" {
		t.Fatalf("left %q", rest[:n])
	}
}
