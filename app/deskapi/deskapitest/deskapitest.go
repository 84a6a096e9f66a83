// Package deskapitest starts a desk API host on a real loopback TLS socket for tests, over a
// real ledger (apptest), and connects desks to it with the host's certificate pinned, as
// cardcenter desk --host --pin-sha256 does.
package deskapitest

import (
	"context"
	"net/http/httptest"
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
