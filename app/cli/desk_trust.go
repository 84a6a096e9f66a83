package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"cardcenter/app"
	"cardcenter/app/sitecert"
)

// deskTrust is how a desk was told to trust its hosts: a fingerprint each (--pin-sha256),
// the site CA (--ca), or, with neither, the known-hosts file and the clerk at the keyboard.
type deskTrust struct {
	caFile     string
	knownHosts string
	in         io.Reader // where the clerk's answer to a first-use prompt comes from
	out        io.Writer
}

// trust gives every https host without a pin the CA, or else the fingerprint this desk
// remembers for it, or else the one the clerk confirms now, the first time this desk meets
// it. A remembered fingerprint that the host no longer presents is HOST_CERT_MISMATCH at
// the handshake: a replaced certificate is accepted by removing its line, never by a key.
func (t deskTrust) trust(ctx context.Context, hosts []pinnedHost, timeout time.Duration) error {
	pinned := false
	for _, h := range hosts {
		pinned = pinned || h.Pin != nil
	}
	if t.caFile != "" {
		if pinned {
			return app.E(app.CodeBadInput, "--ca or --pin-sha256, not both: the site CA or the fingerprints say whom to trust")
		}
		pool, err := sitecert.LoadCA(t.caFile)
		if err != nil {
			return err
		}
		for i := range hosts {
			hosts[i].CA = pool
		}
		return nil
	}
	var known *sitecert.KnownHosts
	for i, h := range hosts {
		if h.Pin != nil || !strings.HasPrefix(h.URL, "https://") {
			continue
		}
		if known == nil {
			var err error
			if known, err = sitecert.LoadKnownHosts(t.knownHosts); err != nil {
				return err
			}
		}
		if fp, ok := known.Lookup(h.URL); ok {
			hosts[i].Pin = &fp
			continue
		}
		fp, err := sitecert.Peek(ctx, h.URL, timeout)
		if err != nil {
			return fmt.Errorf("first contact with %s: %w", h.URL, err)
		}
		if !t.confirm(h.URL, fp) {
			return app.E(app.CodeHostCertUntrusted, "%s presents certificate %s", h.URL, fp)
		}
		if err := known.Remember(h.URL, fp); err != nil {
			return err
		}
		hosts[i].Pin = &fp
	}
	return nil
}

// confirm shows the clerk the fingerprint and asks, as ssh does on first contact.
func (t deskTrust) confirm(url string, fp sitecert.Fingerprint) bool {
	fmt.Fprintf(t.out, "首次连接主机 First contact with the host %s\n", url)
	fmt.Fprintf(t.out, "  证书 SHA-256 certificate fingerprint:\n  %s\n", fp)
	fmt.Fprintln(t.out, "请与主机上 cardcenter serve 打印的指纹逐位核对。Compare it, pair by pair, with the one cardcenter serve printed on the host.")
	fmt.Fprintf(t.out, "信任并记住此主机? 输入 yes / Trust and remember it in %s? Type yes: ", t.knownHosts)
	ans := strings.ToLower(strings.TrimSpace(readLine(t.in)))
	fmt.Fprintln(t.out)
	return ans == "yes" || ans == "是"
}

// readLine reads up to a newline one byte at a time: a buffered reader would take keys
// typed ahead that belong to the desk's screen, which reads the same terminal next.
func readLine(r io.Reader) string {
	var b strings.Builder
	one := make([]byte, 1)
	for b.Len() < 256 {
		n, err := r.Read(one)
		if n == 1 {
			if one[0] == '\n' {
				break
			}
			b.WriteByte(one[0])
		}
		if err != nil {
			break
		}
	}
	return b.String()
}

// defaultKnownHosts is the desk's known-hosts file under the user's config directory.
func defaultKnownHosts() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "cardcenter-known-hosts"
	}
	return filepath.Join(dir, "cardcenter", "known_hosts")
}
