package sitecert_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/sitecert"
)

var now = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// serveTLS serves a counting handler over real TLS on loopback with the site's certificate.
func serveTLS(t *testing.T, site sitecert.Site, hits *atomic.Int64) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, "ok")
	}), TLSConfig: &tls.Config{Certificates: []tls.Certificate{site.Cert}}}
	go srv.ServeTLS(ln, "", "")
	t.Cleanup(func() { srv.Close() })
	return "https://" + ln.Addr().String()
}

// The first run makes the certificate (a private key in a private directory); every later
// run loads the same one, so the fingerprint the POS terminals pinned stays.
func TestSelfSignedCertificateIsMadeOnceAndKept(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	first, err := sitecert.MakeOrLoad(dir, now, []string{"host.example", "10.0.0.7", "0.0.0.0"})
	if err != nil || !first.Made {
		t.Fatalf("first run: %+v %v", first, err)
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, first.KeyFile: 0o600, first.CertFile: 0o644} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v %v, want mode %v", path, fi.Mode(), err, want)
		}
	}
	again, err := sitecert.MakeOrLoad(dir, now.Add(24*time.Hour), nil)
	if err != nil || again.Made || again.Fingerprint != first.Fingerprint {
		t.Fatalf("second run: made %v fingerprint %s, first %s (%v)", again.Made, again.Fingerprint, first.Fingerprint, err)
	}
	// The fingerprint is the SHA-256 of the certificate's DER, as openssl prints it.
	pemBytes, _ := os.ReadFile(first.CertFile)
	blk, _ := pem.Decode(pemBytes)
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil || sitecert.Of(blk.Bytes) != first.Fingerprint {
		t.Fatalf("fingerprint %s of %v", first.Fingerprint, err)
	}
	if pk, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok || pk.Curve != elliptic.P256() {
		t.Errorf("key %T, want ECDSA P-256", cert.PublicKey)
	}
	if !cert.NotBefore.Before(now) || cert.NotAfter.Before(now.Add(9*365*24*time.Hour)) {
		t.Errorf("validity %v … %v", cert.NotBefore, cert.NotAfter)
	}
	if err := cert.VerifyHostname("host.example"); err != nil {
		t.Error(err)
	}
	if err := cert.VerifyHostname("10.0.0.7"); err != nil {
		t.Error(err)
	}
	if err := cert.VerifyHostname("127.0.0.1"); err != nil {
		t.Error(err)
	}
}

// Over real loopback TLS: a client pinned to the site's certificate talks to it; a client
// pinned to any other refuses in the handshake, with HOST_CERT_MISMATCH, before a single
// request reaches the host.
func TestPinnedClientTrustsExactlyThePinnedCertificate(t *testing.T) {
	site, err := sitecert.MakeOrLoad(t.TempDir()+"/tls", now, nil)
	if err != nil {
		t.Fatal(err)
	}
	other, err := sitecert.MakeOrLoad(t.TempDir()+"/tls", now, nil)
	if err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int64
	url := serveTLS(t, site, &hits)

	pin := site.Fingerprint
	resp, err := sitecert.PinnedClient(&pin, 5*time.Second).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || hits.Load() != 1 {
		t.Fatalf("pinned: HTTP %d, %d requests", resp.StatusCode, hits.Load())
	}

	wrong := other.Fingerprint
	_, err = sitecert.PinnedClient(&wrong, 5*time.Second).Post(url, "application/json", strings.NewReader(`{"pin":"123456"}`))
	var mm *sitecert.MismatchError
	if !errors.As(err, &mm) || !errors.Is(err, app.CodeHostCertMismatch) || mm.Got != site.Fingerprint || mm.Want != wrong {
		t.Fatalf("wrong pin: %v", err)
	}
	if ae, ok := app.AsError(err); !ok || ae.ZH == "" || ae.EN == "" {
		t.Fatalf("the refusal is not typed: %v", err)
	}
	if hits.Load() != 1 {
		t.Fatalf("a request reached the host through a wrong pin (%d requests)", hits.Load())
	}
	// Unpinned, a self-signed host is not trusted either (the system's roots do not know it).
	if _, err := sitecert.PinnedClient(nil, 5*time.Second).Get(url); err == nil || hits.Load() != 1 {
		t.Fatalf("an unpinned client trusted the self-signed host: %v", err)
	}
}

func TestFingerprintIsReadAsOpensslPrintsIt(t *testing.T) {
	var f sitecert.Fingerprint
	for i := range f {
		f[i] = byte(i * 7)
	}
	s := f.String()
	if len(s) != 95 || strings.ToUpper(s) != s || strings.Count(s, ":") != 31 {
		t.Fatalf("String %q", s)
	}
	for _, in := range []string{s, strings.ToLower(s), strings.ReplaceAll(s, ":", ""), "SHA256 Fingerprint=" + s,
		"sha256:" + strings.ReplaceAll(s, ":", ""), "  " + s + "\n"} {
		if got, err := sitecert.ParseFingerprint(in); err != nil || got != f {
			t.Errorf("%q: %s %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "AB:CD", s + ":00", strings.Replace(s, "0", "g", 1), "md5:" + s} {
		if _, err := sitecert.ParseFingerprint(bad); !errors.Is(err, app.CodeBadInput) {
			t.Errorf("%q: %v, want BAD_INPUT", bad, err)
		}
	}
}

// A private key others can read, a directory others can use, a certificate whose key is
// gone: refused, never used or silently replaced.
func TestUnsafeCertificateFilesAreRefused(t *testing.T) {
	dir := t.TempDir() + "/tls"
	site, err := sitecert.MakeOrLoad(dir, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(site.KeyFile, 0o640)
	if _, err := sitecert.MakeOrLoad(dir, now, nil); !errors.Is(err, app.CodeUnsafeFile) {
		t.Errorf("key 0640: %v", err)
	}
	os.Chmod(site.KeyFile, 0o600)
	os.Chmod(dir, 0o750)
	if _, err := sitecert.MakeOrLoad(dir, now, nil); !errors.Is(err, app.CodeUnsafeFile) {
		t.Errorf("dir 0750: %v", err)
	}
	os.Chmod(dir, 0o700)
	os.Rename(site.KeyFile, site.KeyFile+".moved")
	os.Symlink(site.KeyFile+".moved", site.KeyFile)
	if _, err := sitecert.MakeOrLoad(dir, now, nil); !errors.Is(err, app.CodeUnsafeFile) {
		t.Errorf("key a symlink: %v", err)
	}
	os.Remove(site.KeyFile)
	if _, err := sitecert.MakeOrLoad(dir, now, nil); !errors.Is(err, app.CodeUnsafeFile) {
		t.Errorf("certificate without its key: %v", err)
	}
	// A key without its certificate is what a crash between the two writes leaves: no one
	// can have pinned it, so a new pair is made.
	os.Rename(site.KeyFile+".moved", site.KeyFile)
	os.Remove(site.CertFile)
	again, err := sitecert.MakeOrLoad(dir, now, nil)
	if err != nil || !again.Made || again.Fingerprint == site.Fingerprint {
		t.Errorf("key without certificate: %+v %v", again.Made, err)
	}
}

func TestPlainHTTPOnlyOnLoopback(t *testing.T) {
	for _, tc := range []struct {
		addr          string
		tls, insecure bool
		want          app.Code
	}{
		{"127.0.0.1:8620", false, false, ""},
		{"127.9.9.9:8620", false, false, ""},
		{"localhost:8620", false, false, ""},
		{"[::1]:8620", false, false, ""},
		{"0.0.0.0:8620", false, false, app.CodePlainHTTPRefused},
		{":8620", false, false, app.CodePlainHTTPRefused},
		{"[::]:8620", false, false, app.CodePlainHTTPRefused},
		{"192.168.1.5:8620", false, false, app.CodePlainHTTPRefused},
		{"host.example:8620", false, false, app.CodePlainHTTPRefused},
		{"0.0.0.0:8620", true, false, ""},
		{"0.0.0.0:8620", false, true, ""},
		{"8620", false, false, app.CodeBadInput},
	} {
		err := sitecert.CheckListen(tc.addr, tc.tls, tc.insecure)
		if tc.want == "" && err != nil || tc.want != "" && !errors.Is(err, tc.want) {
			t.Errorf("listen %s tls %v insecure %v: %v, want %q", tc.addr, tc.tls, tc.insecure, err, tc.want)
		}
	}
	for _, tc := range []struct {
		url              string
		pinned, insecure bool
		want             app.Code
	}{
		{"http://127.0.0.1:8620", false, false, ""},
		{"http://localhost:8620", false, false, ""},
		{"https://10.0.0.7:8620", true, false, ""},
		{"https://cardcenter.example", false, false, ""},
		{"http://10.0.0.7:8620", false, false, app.CodePlainHTTPRefused},
		{"http://10.0.0.7:8620", false, true, ""},
		{"http://127.0.0.1:8620", true, false, app.CodeBadInput},
		{"ftp://10.0.0.7", false, false, app.CodeBadInput},
		{"10.0.0.7:8620", false, false, app.CodeBadInput},
	} {
		err := sitecert.CheckHostURL(tc.url, tc.pinned, tc.insecure)
		if tc.want == "" && err != nil || tc.want != "" && !errors.Is(err, tc.want) {
			t.Errorf("host %s pinned %v insecure %v: %v, want %q", tc.url, tc.pinned, tc.insecure, err, tc.want)
		}
	}
}
