package deskapi_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/deskapi"
	"cardcenter/app/deskapi/deskapitest"
	"cardcenter/app/posapi"
	"cardcenter/app/sitecert"
)

// countedHost is a desk API host on its own TLS certificate that counts the POSTs it
// received; one that loses answers reads each POST whole and drops the connection without
// a word (the host died after it got the request).
type countedHost struct {
	srv   *httptest.Server
	pin   sitecert.Fingerprint
	posts atomic.Int32
}

func startCounted(t *testing.T, svc deskapi.Ledger, losesAnswers bool) *countedHost {
	t.Helper()
	h := &countedHost{}
	real := deskapi.NewServer(svc, nil)
	// Each host its own self-signed certificate, as each serve makes one (httptest's
	// certificate is one for every server).
	site, err := sitecert.MakeOrLoad(filepath.Join(t.TempDir(), "tls"), time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	h.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			h.posts.Add(1)
			if losesAnswers {
				io.Copy(io.Discard, r.Body)
				panic(http.ErrAbortHandler)
			}
		}
		real.ServeHTTP(w, r)
	}))
	h.srv.TLS = &tls.Config{Certificates: []tls.Certificate{site.Cert}}
	h.srv.StartTLS()
	t.Cleanup(h.srv.Close)
	h.pin = site.Fingerprint
	return h
}

func (h *countedHost) host() deskapi.Host {
	pin := h.pin
	return deskapi.Host{URL: h.srv.URL, Pin: &pin}
}

// Issue 12.3 for desks: a desk with the site's hosts, each pinned to its own certificate.
// The first is dead, so it connects to A; A dies and the next call goes to B with the same
// session (sessions live in the ledger). A call whose answer was lost after the host got
// it is NO_ANSWER and is not sent to another host, unless it only reads; the desk's next
// call goes there.
func TestDeskFailsOverOnlyWhatNeverReachedAHost(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	ctx := context.Background()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := deskapi.Host{URL: "https://" + ln.Addr().String()}
	ln.Close()
	a, b := startCounted(t, s.Svc, false), startCounted(t, s.Svc, false)
	opts := deskapi.Options{Clock: s.Svc.Clock()}

	d, err := deskapi.ConnectHosts(ctx, []deskapi.Host{dead, a.host(), b.host()}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if d.Current() != a.srv.URL {
		t.Fatalf("connected to %s, want A %s", d.Current(), a.srv.URL)
	}
	clerk, err := d.Login(ctx, "clerk1", deskapitest.Password("clerk1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.CardQuestions(ctx, clerk, apptest.UserCard(0)); err != nil {
		t.Fatal(err)
	}
	if a.posts.Load() != 2 || b.posts.Load() != 0 {
		t.Fatalf("A %d posts, B %d", a.posts.Load(), b.posts.Load())
	}

	a.srv.Close()
	if _, err := d.CardQuestions(ctx, clerk, apptest.UserCard(0)); err != nil {
		t.Fatalf("after A died, on B with the same session: %v", err)
	}
	if d.Current() != b.srv.URL || b.posts.Load() != 1 {
		t.Fatalf("current %s, B %d posts", d.Current(), b.posts.Load())
	}

	// A host that takes the request and dies before answering.
	lost := startCounted(t, s.Svc, true)
	d2, err := deskapi.ConnectHosts(ctx, []deskapi.Host{lost.host(), b.host()}, opts)
	if err != nil {
		t.Fatal(err)
	}
	before := b.posts.Load()
	if err := d2.Logout(ctx, clerk); !errors.Is(err, posapi.CodeNoAnswer) {
		t.Fatalf("a lost answer: want NO_ANSWER, got %v", err)
	}
	if lost.posts.Load() != 1 || b.posts.Load() != before {
		t.Fatalf("the call whose answer was lost went on: lost %d, B %d (was %d)", lost.posts.Load(), b.posts.Load(), before)
	}
	if d2.Current() != b.srv.URL {
		t.Fatalf("the next call goes to %s, want B", d2.Current())
	}
	if _, err := d2.CardQuestions(ctx, clerk, apptest.UserCard(0)); err != nil || b.posts.Load() != before+1 {
		t.Fatalf("next call on B (the session was never ended): %v (B %d posts)", err, b.posts.Load())
	}
	// A read whose answer was lost is asked of the next host at once.
	d3, err := deskapi.ConnectHosts(ctx, []deskapi.Host{lost.host(), b.host()}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d3.CardQuestions(ctx, clerk, apptest.UserCard(0)); err != nil || lost.posts.Load() != 2 || b.posts.Load() != before+2 {
		t.Fatalf("a read after a lost answer: %v (lost %d, B %d posts)", err, lost.posts.Load(), b.posts.Load())
	}
}

// Every name on the read-only list is a Desk method, and none of them is one that may
// write: a misspelt name would silently turn off its failover, a writer on it would be
// sent twice.
func TestDeskReadOnlyMethodsAreDeskMethods(t *testing.T) {
	desk := reflect.TypeFor[app.Desk]()
	for _, name := range deskapi.ReadOnlyMethods() {
		m, ok := desk.MethodByName(name)
		if !ok {
			t.Errorf("%s is not a Desk method", name)
			continue
		}
		for _, w := range []string{"Start", "Complete", "Create", "Set", "Update", "Register", "Rotate", "Reset", "BindCard", "Unbind", "Decide", "Settle", "Log", "End", "Change", "Unlock", "ReadCard"} {
			if strings.HasPrefix(m.Name, w) {
				t.Errorf("%s may write and is on the read-only list", name)
			}
		}
	}
}

// Each host is held to its own pin: a host presenting another certificate is refused in
// the handshake (nothing sent) and the desk goes on to the next; with none left the
// refusal is HOST_CERT_MISMATCH.
func TestDeskHostsArePinnedEachToItsOwnCertificate(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	ctx := context.Background()
	a, b := startCounted(t, s.Svc, false), startCounted(t, s.Svc, false)
	wrongA := deskapi.Host{URL: a.srv.URL, Pin: &b.pin}
	d, err := deskapi.ConnectHosts(ctx, []deskapi.Host{wrongA, b.host()}, deskapi.Options{Clock: s.Svc.Clock()})
	if err != nil {
		t.Fatal(err)
	}
	if d.Current() != b.srv.URL {
		t.Fatalf("connected to %s, want B", d.Current())
	}
	wrongB := deskapi.Host{URL: b.srv.URL, Pin: &a.pin}
	if _, err := deskapi.ConnectHosts(ctx, []deskapi.Host{wrongA, wrongB}, deskapi.Options{}); !errors.Is(err, app.CodeHostCertMismatch) {
		t.Fatalf("want HOST_CERT_MISMATCH, got %v", err)
	}
}
