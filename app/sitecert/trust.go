package sitecert

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
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

// The three ways a desk trusts its host, strongest first: the fingerprint given at setup
// (--pin-sha256, PinnedTLS); the site's own certificate authority (--ca, CAClient), for a
// site that signs its hosts' certificates; and, with neither, the fingerprint the clerk
// confirmed the first time this machine met the host, remembered in a known-hosts file as
// ssh does (KnownHosts, Peek).

// LoadCA reads a site CA file: one or more PEM certificates. A file with none in it is
// refused rather than trusting nothing (every handshake would fail with a puzzling error).
func LoadCA(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("site CA: %w", err)
	}
	pool := x509.NewCertPool()
	n := 0
	for rest := b; ; {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, app.E(app.CodeBadInput, "site CA %s: certificate %d: %v", path, n+1, err)
		}
		pool.AddCert(c)
		n++
	}
	if n == 0 {
		return nil, app.E(app.CodeBadInput, "site CA %s holds no PEM certificate", path)
	}
	return pool, nil
}

// CAClient is an HTTP client that trusts exactly the certificates the site CA signed, for
// the host name in the URL (a CA-signed certificate names its host, so the name is checked,
// unlike a pin).
func CAClient(pool *x509.CertPool, timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}
	return &http.Client{Timeout: timeout, Transport: tr}
}

// Peek completes a TLS handshake with the host of an https URL and returns the fingerprint
// of the certificate it presents, trusting nothing and writing no request: what a clerk is
// shown to compare with the fingerprint the host printed.
func Peek(ctx context.Context, hostURL string, timeout time.Duration) (Fingerprint, error) {
	addr, err := hostPort(hostURL)
	if err != nil {
		return Fingerprint{}, err
	}
	// Nothing is sent on this connection and nothing it says is believed: the fingerprint
	// only goes before a person's eyes.
	d := tls.Dialer{Config: &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: true}}
	// One bound for the dial and the handshake.
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := d.DialContext(cctx, "tcp", addr)
	if err != nil {
		return Fingerprint{}, fmt.Errorf("reach %s: %w", addr, err)
	}
	defer conn.Close()
	certs := conn.(*tls.Conn).ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return Fingerprint{}, app.E(app.CodeHostCertUntrusted, "%s presented no certificate", addr)
	}
	return Of(certs[0].Raw), nil
}

// hostPort is the host:port an https URL reaches (443 when it names none): the key of the
// known-hosts file.
func hostPort(hostURL string) (string, error) {
	u, err := url.Parse(hostURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return "", app.E(app.CodeBadInput, "%q is not an https://HOST:PORT URL", hostURL)
	}
	if u.Port() == "" {
		return net.JoinHostPort(u.Hostname(), "443"), nil
	}
	return u.Host, nil
}

// KnownHosts is the file of hosts this machine has met and whose certificates a person
// confirmed: one line per host, "HOST:PORT FINGERPRINT". It is private (0600), written
// whole through a file renamed over it.
type KnownHosts struct {
	Path  string
	hosts map[string]Fingerprint
	order []string
}

// LoadKnownHosts reads the file at path; a file not there yet is an empty list.
func LoadKnownHosts(path string) (*KnownHosts, error) {
	k := &KnownHosts{Path: path, hosts: map[string]Fingerprint{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return k, nil
	}
	if err != nil {
		return nil, fmt.Errorf("known hosts: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Fields(text)
		if len(f) != 2 {
			return nil, app.E(app.CodeBadInput, "%s line %d: want \"HOST:PORT FINGERPRINT\"", path, line)
		}
		fp, err := ParseFingerprint(f[1])
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, line, err)
		}
		if _, dup := k.hosts[f[0]]; dup {
			return nil, app.E(app.CodeBadInput, "%s line %d: %s is listed twice", path, line, f[0])
		}
		k.hosts[f[0]] = fp
		k.order = append(k.order, f[0])
	}
	return k, nil
}

// Lookup is the fingerprint remembered for the host of an https URL.
func (k *KnownHosts) Lookup(hostURL string) (Fingerprint, bool) {
	addr, err := hostPort(hostURL)
	if err != nil {
		return Fingerprint{}, false
	}
	fp, ok := k.hosts[addr]
	return fp, ok
}

// Remember adds the host of an https URL with its confirmed fingerprint and writes the file.
// A host already there keeps its line: replacing a certificate is a decision taken by
// removing the line, never by a prompt.
func (k *KnownHosts) Remember(hostURL string, fp Fingerprint) error {
	addr, err := hostPort(hostURL)
	if err != nil {
		return err
	}
	if _, ok := k.hosts[addr]; ok {
		return nil
	}
	k.hosts[addr] = fp
	k.order = append(k.order, addr)
	var b strings.Builder
	b.WriteString("# cardcenter hosts whose certificates were confirmed at this desk (HOST:PORT SHA-256)\n")
	for _, h := range k.order {
		fmt.Fprintf(&b, "%s %s\n", h, k.hosts[h])
	}
	dir := filepath.Dir(k.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("known hosts: %w", err)
	}
	if err := localfile.WriteAtomic(k.Path, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("known hosts: %w", err)
	}
	return nil
}
