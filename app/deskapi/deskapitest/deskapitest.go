// Package deskapitest starts a desk API host on a real loopback TLS socket for tests, over a
// real ledger (apptest), and connects desks to it with the host's certificate pinned, as
// cardcenter desk --host --pin-sha256 does.
package deskapitest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cardcenter/app"
	"cardcenter/app/deskapi"
	"cardcenter/app/sitecert"
)

// Host is a desk API server on 127.0.0.1 with a TLS certificate of its own.
type Host struct {
	T   testing.TB
	URL string
	Pin sitecert.Fingerprint
	Svc deskapi.Ledger
	srv *httptest.Server
}

// Start serves svc's desk API until the test ends.
func Start(t testing.TB, svc deskapi.Ledger) *Host {
	t.Helper()
	srv := httptest.NewTLSServer(deskapi.NewServer(svc, nil))
	t.Cleanup(srv.Close)
	return &Host{T: t, URL: srv.URL, Pin: sitecert.Of(srv.Certificate().Raw), Svc: svc, srv: srv}
}

// Cut says what becomes of one call to a desk method on a host that StartCutting serves.
type Cut int

const (
	Pass       Cut = iota // answered as usual
	LoseAnswer            // done by the ledger, and the connection dropped before the answer
	LoseCall              // the connection dropped before the ledger saw the call
)

// Cuts are the two ways a call is lost, for a test to run once each.
var Cuts = []Cut{LoseAnswer, LoseCall}

func (c Cut) String() string {
	switch c {
	case LoseAnswer:
		return "answer lost"
	case LoseCall:
		return "call lost"
	}
	return "passed"
}

// StartCutting is Start with a network that may cut each call to a desk method (the path
// PathPrefix+method) on its way in or its way out, as cut decides.
func StartCutting(t testing.TB, svc deskapi.Ledger, cut func(method string) Cut) *Host {
	t.Helper()
	real := deskapi.NewServer(svc, nil)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch cut(strings.TrimPrefix(r.URL.Path, deskapi.PathPrefix)) {
		case LoseCall:
			panic(http.ErrAbortHandler)
		case LoseAnswer:
			real.ServeHTTP(httptest.NewRecorder(), r)
			panic(http.ErrAbortHandler)
		}
		real.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return &Host{T: t, URL: srv.URL, Pin: sitecert.Of(srv.Certificate().Raw), Svc: svc, srv: srv}
}

// Connect is a new desk on the host (its own connections), its clock the host's: host and
// desk share this process, so the host's manual clock is the desk's too.
func (h *Host) Connect() *deskapi.Client {
	h.T.Helper()
	pin := h.Pin
	c, err := deskapi.Connect(context.Background(), h.URL, deskapi.Options{Pin: &pin, Clock: h.Svc.Clock()})
	if err != nil {
		h.T.Fatal(err)
	}
	return c
}

// Password is a staff member's password on an apptest site: the fixture's own admin and
// clerk1 have theirs, every account apptest.Site.Staff makes has user + "-pass-1".
func Password(user string) string {
	switch user {
	case "clerk1":
		return "clerk-pass-1"
	}
	return user + "-pass-1"
}

// Login is a new desk on the host with user logged in (see Password).
func (h *Host) Login(user string) (*deskapi.Client, app.Actor) {
	h.T.Helper()
	c := h.Connect()
	a, err := c.Login(context.Background(), user, Password(user))
	if err != nil {
		h.T.Fatalf("login %s: %v", user, err)
	}
	return c, a
}

// Close stops the host: every desk's next call gets no answer.
func (h *Host) Close() { h.srv.Close() }

// CloseClientConnections cuts every open connection (a network failure mid-session).
func (h *Host) CloseClientConnections() { h.srv.CloseClientConnections() }
