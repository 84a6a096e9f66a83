package sitecert_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/sitecert"
)

// Peek shows the fingerprint the host presents and writes no request to it: the host's
// handler is never reached.
func TestPeekReadsTheFingerprintAndSendsNothing(t *testing.T) {
	site, err := sitecert.MakeOrLoad(filepath.Join(t.TempDir(), "tls"), now, nil)
	if err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int64
	url := serveTLS(t, site, &hits)
	fp, err := sitecert.Peek(context.Background(), url, 5*time.Second)
	if err != nil || fp != site.Fingerprint {
		t.Fatalf("peek %s %v, want %s", fp, err, site.Fingerprint)
	}
	if hits.Load() != 0 {
		t.Fatalf("peek reached the handler %d times", hits.Load())
	}
	if _, err := sitecert.Peek(context.Background(), strings.Replace(url, "https", "http", 1), time.Second); !errors.Is(err, app.CodeBadInput) {
		t.Fatalf("peek at http: %v", err)
	}
}

// The known-hosts file keeps each host once, in the order met, readable by its owner only;
// a line it cannot read, or a host listed twice, is refused rather than guessed at; a host
// already known keeps its fingerprint whatever is remembered later.
func TestKnownHostsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cfg", "known_hosts")
	k, err := sitecert.LoadKnownHosts(path)
	if err != nil {
		t.Fatal(err)
	}
	a, b := sitecert.Fingerprint{0xaa}, sitecert.Fingerprint{0xbb}
	if err := k.Remember("https://10.0.0.7:8620", a); err != nil {
		t.Fatal(err)
	}
	if err := k.Remember("https://host.example", b); err != nil {
		t.Fatal(err)
	}
	if err := k.Remember("https://10.0.0.7:8620/", b); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v %v", fi, err)
	}
	again, err := sitecert.LoadKnownHosts(path)
	if err != nil {
		t.Fatal(err)
	}
	if fp, ok := again.Lookup("https://10.0.0.7:8620"); !ok || fp != a {
		t.Fatalf("10.0.0.7: %s %v", fp, ok)
	}
	if fp, ok := again.Lookup("https://host.example:443"); !ok || fp != b {
		t.Fatalf("host.example: %s %v", fp, ok)
	}
	if _, ok := again.Lookup("https://10.0.0.8:8620"); ok {
		t.Fatal("an unknown host was found")
	}
	for name, text := range map[string]string{
		"garbled": "10.0.0.7:8620\n",
		"twice":   "h:1 " + a.String() + "\nh:1 " + b.String() + "\n",
		"not hex": "h:1 zz\n",
	} {
		bad := filepath.Join(t.TempDir(), name)
		os.WriteFile(bad, []byte(text), 0o600)
		if _, err := sitecert.LoadKnownHosts(bad); err == nil {
			t.Errorf("%s: read", name)
		}
	}
}
