// Package sitecert is the host's TLS certificate as its clients trust it: a site with no
// certificate authority of its own makes a self-signed certificate once (MakeOrLoad), and
// every recharge POS (and, later, every desk) pins it by its SHA-256 fingerprint
// (PinnedTLS, PinnedClient). It also holds the rule that PINs never travel in clear: a
// plain-HTTP listener or host URL must be on loopback (CheckListen, CheckHostURL).
//
// Nothing here is cryptography of its own: the key is crypto/ecdsa P-256, the certificate
// crypto/x509, the handshake crypto/tls; pinning only compares the SHA-256 of the
// certificate the host presents with the one configured.
package sitecert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"cardcenter/app"
	"cardcenter/app/localfile"
)

// Fingerprint is the SHA-256 of a certificate's DER bytes: what `openssl x509 -noout
// -fingerprint -sha256` prints.
type Fingerprint [sha256.Size]byte

// Of is the fingerprint of a certificate in DER.
func Of(der []byte) Fingerprint { return sha256.Sum256(der) }

// String writes the fingerprint as openssl does: upper-case hex pairs joined by colons.
func (f Fingerprint) String() string {
	h := strings.ToUpper(hex.EncodeToString(f[:]))
	var b strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}

// ParseFingerprint reads 64 hex digits, in either case, with or without colons between
// the pairs (as openssl prints it, or as String writes it); a "sha256:" or "SHA256
// Fingerprint=" prefix is allowed.
func ParseFingerprint(s string) (Fingerprint, error) {
	var f Fingerprint
	t := strings.TrimSpace(s)
	for _, label := range []string{"sha256 fingerprint=", "sha256:", "sha256="} {
		if len(t) > len(label) && strings.EqualFold(t[:len(label)], label) {
			t = t[len(label):]
			break
		}
	}
	t = strings.ReplaceAll(t, ":", "")
	b, err := hex.DecodeString(t)
	if err != nil || len(b) != len(f) {
		return f, app.E(app.CodeBadInput, "certificate fingerprint %q: want the SHA-256 as 64 hex digits (colons allowed)", clip(s))
	}
	copy(f[:], b)
	return f, nil
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// MismatchError is a host whose certificate is not the pinned one. It is found in the TLS
// handshake, before any request is written: nothing was sent.
type MismatchError struct {
	Want, Got Fingerprint
	none      bool // the host presented no certificate at all
}

func (e *MismatchError) Error() string {
	if e.none {
		return fmt.Sprintf("host presented no certificate; pinned %s", e.Want)
	}
	return fmt.Sprintf("host certificate sha256 %s is not the pinned %s", e.Got, e.Want)
}

// Unwrap is the typed refusal, HOST_CERT_MISMATCH, with its messages.
func (e *MismatchError) Unwrap() error { return app.E(app.CodeHostCertMismatch, "%s", e.Error()) }

// PinnedTLS is a client configuration that trusts exactly the certificate with fingerprint
// pin, whoever signed it and whatever names it carries: the site made it and told its
// clients its fingerprint, so neither a chain nor a name adds anything. The check runs in
// the handshake, on every connection (resumed ones too), before a request is written.
func PinnedTLS(pin Fingerprint) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		// The chain and the name are not what is trusted: the pin is, in VerifyConnection.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return &MismatchError{Want: pin, none: true}
			}
			if got := Of(cs.PeerCertificates[0].Raw); got != pin {
				return &MismatchError{Want: pin, Got: got}
			}
			return nil
		},
	}
}

// PinnedClient is an HTTP client whose every connection is TLS to a host with the pinned
// certificate (nil pin: the system's roots, as any HTTPS client), each request bounded by
// timeout.
func PinnedClient(pin *Fingerprint, timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if pin != nil {
		tr.TLSClientConfig = PinnedTLS(*pin)
	}
	return &http.Client{Timeout: timeout, Transport: tr}
}

// InsecureFlag is the flag that lets a program talk plain HTTP off loopback anyway. Its
// name says what it costs.
const InsecureFlag = "insecure-plain-http-i-understand-pins-travel-in-clear"

// IsLoopback reports whether host (a name or an address, without port) is this machine
// only: "localhost", or a loopback address. An empty host (every interface) is not.
func IsLoopback(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// CheckListen refuses a plain-HTTP listener on an address that is not loopback: an
// operator's PIN travels in every authorization. tls says the listener serves HTTPS;
// insecure is InsecureFlag.
func CheckListen(addr string, tls, insecure bool) error {
	if tls || insecure {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return app.E(app.CodeBadInput, "--listen %q: %v", addr, err)
	}
	if !IsLoopback(host) {
		return app.E(app.CodePlainHTTPRefused, "--listen %s without --tls-cert/--tls-key or --tls-self-signed (or --%s)", addr, InsecureFlag)
	}
	return nil
}

// CheckHostURL checks a client's host URL: http or https; a pin only with https; plain
// http only to loopback unless insecure.
func CheckHostURL(raw string, pinned, insecure bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return app.E(app.CodeBadInput, "--host %q: want http://HOST:PORT or https://HOST:PORT", clip(raw))
	}
	if pinned && u.Scheme != "https" {
		return app.E(app.CodeBadInput, "--pin-sha256 needs an https:// host, got %s", u.Redacted())
	}
	if u.Scheme == "http" && !insecure && !IsLoopback(u.Hostname()) {
		return app.E(app.CodePlainHTTPRefused, "--host %s: plain HTTP off this machine (use https:// with --pin-sha256, or --%s)", u.Redacted(), InsecureFlag)
	}
	return nil
}

// Files of a self-signed site certificate in its directory.
const (
	CertName = "host.pem"
	KeyName  = "host.key"
)

// Site is a certificate and key as a server loads them, with the certificate's fingerprint.
type Site struct {
	CertFile, KeyFile string
	Cert              tls.Certificate
	Fingerprint       Fingerprint
	Made              bool // made by this call (first run)
}

// Validity of a self-signed site certificate. Pinned clients do not check it; it is long
// so that clients that trust it as a root (curl --cacert) keep working.
const Validity = 10 * 365 * 24 * time.Hour

// MakeOrLoad returns the self-signed site certificate in dir, making it on the first run:
// an ECDSA P-256 key (0600) and a certificate (0644) for names (and localhost, 127.0.0.1,
// ::1), in dir created 0700. Afterwards it loads the same files, so the fingerprint clients
// pinned stays. A key that others can read, a symlink, or a dir others can write is refused
// (UNSAFE_FILE); so is a certificate without its key.
func MakeOrLoad(dir string, now time.Time, names []string) (Site, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Site{}, fmt.Errorf("site certificate directory: %w", err)
	}
	if fi, err := os.Lstat(dir); err != nil || !fi.IsDir() || fi.Mode().Perm()&0o077 != 0 {
		return Site{}, app.E(app.CodeUnsafeFile, "%s must be a directory (not a symlink) that only its owner can use (chmod 700)", dir)
	}
	certFile, keyFile := filepath.Join(dir, CertName), filepath.Join(dir, KeyName)
	_, certErr := os.Lstat(certFile)
	_, keyErr := os.Lstat(keyFile)
	switch {
	case certErr == nil && keyErr == nil:
		return Load(certFile, keyFile)
	case certErr == nil:
		return Site{}, app.E(app.CodeUnsafeFile, "%s exists without its key %s: restore the key, or remove both to make a new certificate (every POS must then pin the new fingerprint)", certFile, keyFile)
	case !errors.Is(certErr, os.ErrNotExist):
		return Site{}, fmt.Errorf("site certificate: %w", certErr)
	}
	// No certificate yet (a key alone is what a crash between the two writes leaves: no
	// client can have pinned it, so it is made again).
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Site{}, fmt.Errorf("site key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return Site{}, fmt.Errorf("site certificate serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "cardcenter host", Organization: []string{"cardcenter site"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(Validity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true, // its own root, for clients that trust it as one
	}
	seen := map[string]bool{}
	for _, n := range append([]string{"localhost", "127.0.0.1", "::1"}, names...) {
		n = strings.TrimSuffix(strings.TrimPrefix(n, "["), "]")
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		if ip := net.ParseIP(n); ip != nil {
			if !ip.IsUnspecified() {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			}
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return Site{}, fmt.Errorf("site certificate: %w", err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return Site{}, fmt.Errorf("site key: %w", err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb})
	clear(kb)
	// The key first, the certificate last: a certificate on disk always has its key.
	if err := localfile.WriteAtomic(keyFile, keyPEM, 0o600); err != nil {
		return Site{}, fmt.Errorf("site certificate: %w", err)
	}
	clear(keyPEM)
	if err := localfile.WriteAtomic(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return Site{}, fmt.Errorf("site certificate: %w", err)
	}
	s, err := Load(certFile, keyFile)
	s.Made = true
	return s, err
}

// Load reads a certificate and its key (PEM), as given with --tls-cert/--tls-key or made by
// MakeOrLoad. The key must be readable by its owner only and not a symlink.
func Load(certFile, keyFile string) (Site, error) {
	keyPEM, err := readPrivate(keyFile)
	if err != nil {
		return Site{}, err
	}
	defer clear(keyPEM)
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return Site{}, fmt.Errorf("site certificate: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return Site{}, app.E(app.CodeBadInput, "%s and %s: %v", certFile, keyFile, err)
	}
	return Site{CertFile: certFile, KeyFile: keyFile, Cert: cert, Fingerprint: Of(cert.Certificate[0])}, nil
}

func readPrivate(path string) ([]byte, error) {
	b, err := localfile.ReadPrivate(path, 1<<20)
	if err != nil {
		return nil, fmt.Errorf("TLS key: %w", err)
	}
	return b, nil
}
