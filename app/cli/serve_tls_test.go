package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/posapi"
	"cardcenter/app/provision"
	"cardcenter/app/sitecert"
	"cardcenter/cardio"
)

// serve --tls-cert/--tls-key answers over HTTPS, and only over HTTPS.
func TestServeOverTLS(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	s.Store.Close()
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "host.pem"), filepath.Join(dir, "host.key")
	pool := writeSelfSigned(t, certFile, keyFile)

	url, stop := startServe(t, s.Path, "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("serve says %q", url)
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(url + "/v1/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("health over TLS: HTTP %d", resp.StatusCode)
	}
	if resp, err := http.Get("http://" + strings.TrimPrefix(url, "https://") + "/v1/health"); err == nil && resp.StatusCode == 200 {
		t.Fatal("plain HTTP answered on the TLS port")
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exit %d", code)
	}
}

func writeSelfSigned(t *testing.T, certFile, keyFile string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "cardcenter host"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

// certificateLine waits for serve to print its certificate's fingerprint and returns the
// lines printed after "serving …".
// serveSelfSigned starts serve on the fixture's ledger (closed here: serve opens it) with a
// self-signed certificate, and gives the site, what startServeOut gives, and the
// certificate's fingerprint as serve printed it.
func serveSelfSigned(t *testing.T) (s *apptest.Site, url string, stop func() int, lines func() []string, fp sitecert.Fingerprint) {
	t.Helper()
	s = apptest.New(t, apptest.Options{})
	s.Store.Close()
	url, stop, lines = startServeOut(t, s.Path, "--tls-self-signed", filepath.Join(t.TempDir(), "tls"))
	fp, _ = certificateLine(t, lines)
	return s, url, stop, lines, fp
}

func certificateLine(t *testing.T, lines func() []string) (sitecert.Fingerprint, []string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ls := lines()
		for _, l := range ls {
			if fp, ok := strings.CutPrefix(l, "certificate sha256 "); ok {
				f, err := sitecert.ParseFingerprint(fp)
				if err != nil {
					t.Fatal(err)
				}
				return f, ls
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve printed no fingerprint: %q", ls)
		}
		time.Sleep(10 * time.Millisecond) // serve prints from its own goroutine
	}
}

// Issue 9.5: serve makes a self-signed site certificate on its first run (a private key in
// a private directory), prints its fingerprint, and serves with the same one after a
// restart; a POS pinned to it talks to the host over real TLS, a POS pinned to another
// certificate sends nothing and calls it HOST_CERT_MISMATCH — no answer, so its queue stays.
func TestServeSelfSignedCertificateIsPinnedByThePOS(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	dev, err := s.Svc.DeviceWithKey(context.Background(), "P1")
	if err != nil {
		t.Fatal(err)
	}
	s.Store.Close()
	dir := filepath.Join(t.TempDir(), "tls")
	url, stop, lines := startServeOut(t, s.Path, "--tls-self-signed", dir)
	fp, out := certificateLine(t, lines)
	if !strings.HasPrefix(url, "https://") || !strings.Contains(strings.Join(out, "\n"), "made a self-signed site certificate in "+dir+"; give every POS its fingerprint: --pin-sha256 "+fp.String()) {
		t.Fatalf("serve said %s then %q", url, out)
	}
	if fi, err := os.Stat(filepath.Join(dir, sitecert.KeyName)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v %v", fi, err)
	}
	pinned := &posapi.Client{BaseURL: url, DeviceID: "P1", Secret: dev.Secret, HTTP: sitecert.PinnedClient(&fp, 5*time.Second)}
	if _, err := pinned.Summary(context.Background()); !errors.Is(err, app.CodeNotAuthorized) || errors.Is(err, posapi.ErrNoAnswer) {
		t.Fatalf("pinned client: want the host's own answer DEVICE_NOT_AUTHORIZED, got %v", err)
	}
	var wrong sitecert.Fingerprint
	copy(wrong[:], fp[:])
	wrong[0] ^= 1
	other := &posapi.Client{BaseURL: url, DeviceID: "P1", Secret: dev.Secret, HTTP: sitecert.PinnedClient(&wrong, 5*time.Second)}
	_, err = other.Reverse(context.Background(), app.ReverseRequest{DeviceID: "P1", Serial: 9, OrigSerial: 8, CardNo: apptest.UserCard(0), Amount: app.Yuan})
	if !errors.Is(err, posapi.ErrNoAnswer) || posapi.Reason(err) == nil || posapi.Reason(err).Code != app.CodeHostCertMismatch {
		t.Fatalf("wrong pin: want no answer, HOST_CERT_MISMATCH, got %v", err)
	}
	// And `cardcenter pos` itself, pinned and not.
	secretFile, err := provision.Write(t.TempDir(), "P1", dev.Secret)
	if err != nil {
		t.Fatal(err)
	}
	posRun := func(pin string) (int, string) {
		// A new journal: the POS first asks the host which serials P1 has used.
		journal := filepath.Join(t.TempDir(), "pos-P1.json")
		var b bytes.Buffer
		code := run(context.Background(), []string{"pos", "--host", url, "--pin-sha256", pin, "--device", "P1",
			"--secret-file", secretFile, "--journal", journal, "--retry-for", "0s", "start"}, &b, &b)
		return code, b.String()
	}
	if code, out := posRun(fp.String()); code != 0 || !strings.Contains(out, "开机完成") {
		t.Fatalf("pos pinned: exit %d %s", code, out)
	}
	if code, out := posRun(wrong.String()); code == 0 || !strings.Contains(out, string(app.CodeHostCertMismatch)) {
		t.Fatalf("pos with a wrong pin: exit %d %s", code, out)
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exit %d", code)
	}
	s.Reopen()
	if n := s.Count(`SELECT COUNT(*) FROM reversals`); n != 0 {
		t.Fatalf("a reversal sent through a wrong pin was recorded (%d)", n)
	}
	s.Store.Close()

	// The second run reuses the certificate: same fingerprint, nothing made.
	url2, stop2, lines2 := startServeOut(t, s.Path, "--tls-self-signed", dir)
	fp2, out2 := certificateLine(t, lines2)
	if fp2 != fp || strings.Contains(strings.Join(out2, "\n"), "made a self-signed") {
		t.Fatalf("restart: %s %q, first %s", fp2, out2, fp)
	}
	pinned.BaseURL = url2
	if _, err := pinned.Summary(context.Background()); !errors.Is(err, app.CodeNotAuthorized) {
		t.Fatalf("pinned client after a restart: %v", err)
	}
	if code := stop2(); code != 0 {
		t.Fatalf("serve exit %d", code)
	}
}

// Issue 9.5: plain HTTP on an address other than loopback is refused at start, before
// anything listens, unless the loud flag says so; TLS on any address is fine.
func TestServeRefusesPlainHTTPOffLoopback(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	s.Store.Close()
	t.Setenv(cardio.SiteKeyEnv, apptest.SiteKey.Hex())
	for _, listen := range []string{"0.0.0.0:0", ":0", "[::]:0"} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var out, errb bytes.Buffer
		code := run(ctx, []string{"serve", "--db", s.Path, "--listen", listen}, &out, &errb)
		cancel()
		if code != 2 || !strings.Contains(errb.String(), string(app.CodePlainHTTPRefused)) || strings.Contains(out.String(), "serving") {
			t.Errorf("--listen %s: exit %d, %q %q", listen, code, out.String(), errb.String())
		}
	}
	// Loudly allowed: it serves, and says what it costs.
	url, stop := startServe(t, s.Path, "--listen", "0.0.0.0:0", "--"+sitecert.InsecureFlag)
	if !strings.HasPrefix(url, "http://0.0.0.0:") && !strings.HasPrefix(url, "http://[::]:") {
		t.Fatalf("serve says %q", url)
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exit %d", code)
	}
	// TLS on every interface.
	url, stop = startServe(t, s.Path, "--listen", "0.0.0.0:0", "--tls-self-signed", filepath.Join(t.TempDir(), "tls"))
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("serve says %q", url)
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exit %d", code)
	}
}

// The POS side of the same rule: no plain HTTP to another machine, a pin only with https,
// and a pin that is not a fingerprint — each refused before anything is sent.
func TestPOSRefusesAHostItCannotTrust(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code app.Code
	}{
		{[]string{"--host", "http://10.1.2.3:8620"}, app.CodePlainHTTPRefused},
		{[]string{"--host", "http://127.0.0.1:8620", "--pin-sha256", strings.Repeat("ab", 32)}, app.CodeBadInput},
		{[]string{"--host", "https://10.1.2.3:8620", "--pin-sha256", "ab:cd"}, app.CodeBadInput},
	} {
		var out bytes.Buffer
		args := append(append([]string{"pos", "--device", "P1", "--secret-file", "/nonexistent"}, tc.args...), "start")
		if code := run(context.Background(), args, &out, &out); code != 2 || !strings.Contains(out.String(), string(tc.code)) {
			t.Errorf("%v: exit %d %q, want %s", tc.args, code, out.String(), tc.code)
		}
	}
}

// The doc's recipe for a person: the fingerprint serve prints is the one openssl prints of
// the certificate file, and `cardcenter sign --cacert` prints a curl command that talks to
// the self-signed host.
func TestSelfSignedHostWithOpensslAndCurl(t *testing.T) {
	for _, tool := range []string{"curl", "openssl", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	s := apptest.New(t, apptest.Options{})
	s.Store.Close()
	dir := filepath.Join(t.TempDir(), "tls")
	url, stop, lines := startServeOut(t, s.Path, "--tls-self-signed", dir)
	defer stop()
	fp, _ := certificateLine(t, lines)
	out, err := exec.Command("openssl", "x509", "-in", filepath.Join(dir, sitecert.CertName), "-noout", "-fingerprint", "-sha256").Output()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := sitecert.ParseFingerprint(string(out)); err != nil || got != fp {
		t.Fatalf("openssl says %q, serve said %s", out, fp)
	}
	var cmd bytes.Buffer
	if code := run(context.Background(), []string{"sign", "--db", s.Path, "--device", "P1", "--url", url,
		"--cacert", filepath.Join(dir, sitecert.CertName), "--path", posapi.PathSummary}, &cmd, &cmd); code != 0 {
		t.Fatalf("sign: %s", cmd.String())
	}
	answer, err := exec.Command("sh", "-c", cmd.String()).CombinedOutput()
	if err != nil || !strings.Contains(string(answer), `"code":"DEVICE_NOT_AUTHORIZED"`) {
		t.Fatalf("curl: %v %s\n%s", err, answer, cmd.String())
	}
}
