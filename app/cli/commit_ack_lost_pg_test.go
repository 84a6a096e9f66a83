package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/posapi"
	"cardcenter/store"
	"cardcenter/store/pgtest"
)

// ackLosingProxy stands between a host and its PostgreSQL server on loopback. Armed, it
// lets the next COMMIT of a write transaction (one begun without READ ONLY) reach the
// server, waits for the server's reply, and then cuts the connection instead of passing the
// reply on: the transaction is committed and the host never learns it. That is the one
// window a kill or a cut cable cannot aim at: a message taken by the ledger while its host
// answers "no answer".
type ackLosingProxy struct {
	ln     net.Listener
	socket string // the server's Unix socket
	armed  atomic.Bool
	match  atomic.Pointer[[]byte] // armed for a write transaction that ran a statement holding this
	cuts   atomic.Int32
	wg     sync.WaitGroup
}

// arm cuts the acknowledgement of the next commit of a write transaction that ran a
// statement holding sql ("" for any write transaction).
func (p *ackLosingProxy) arm(sql string) {
	m := bytes.ToLower([]byte(sql))
	p.match.Store(&m)
	p.armed.Store(true)
}

func startAckLosingProxy(t *testing.T, socket string) *ackLosingProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &ackLosingProxy{ln: ln, socket: socket}
	t.Cleanup(func() { ln.Close(); p.wg.Wait() })
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("unix", socket)
			if err != nil {
				c.Close()
				continue
			}
			p.wg.Add(1)
			go func() { defer p.wg.Done(); p.serve(c, s) }()
		}
	}()
	return p
}

// ackLosingProxyTo starts a proxy to the PostgreSQL server of dsn (a Unix socket, as
// store/pgtest gives) and returns it with the DSN that reaches the server through it.
func ackLosingProxyTo(t *testing.T, dsn string) (*ackLosingProxy, string) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	proxy := startAckLosingProxy(t, filepath.Join(q.Get("host"), ".s.PGSQL."+q.Get("port")))
	q.Del("host")
	q.Del("port")
	u.RawQuery = q.Encode()
	u.Host = proxy.ln.Addr().String()
	return proxy, u.String()
}

func (p *ackLosingProxy) serve(client, server net.Conn) {
	var dropReply atomic.Bool
	cut := func() { client.Close(); server.Close() }
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := server.Read(buf)
			if n > 0 && dropReply.Load() {
				p.cuts.Add(1)
				cut() // the server has answered the COMMIT: it is durable, and lost
				return
			}
			if n > 0 {
				if _, werr := client.Write(buf[:n]); werr != nil {
					cut()
					return
				}
			}
			if err != nil {
				cut()
				return
			}
		}
	}()
	defer cut()
	// The start-up messages have no type byte: an SSLRequest, then the StartupMessage.
	for {
		msg, err := readUntyped(client)
		if err != nil || forward(server, msg) != nil {
			return
		}
		if binary.BigEndian.Uint32(msg[4:8]) != 80877103 { // not the SSLRequest
			break
		}
	}
	write, matched := false, false
	for {
		typ, msg, err := readTyped(client)
		if err != nil {
			return
		}
		if sql := queryText(typ, msg); sql != nil {
			sql = bytes.ToLower(bytes.TrimSpace(sql))
			var match []byte
			if m := p.match.Load(); m != nil {
				match = *m
			}
			switch {
			case bytes.HasPrefix(sql, []byte("begin")):
				write, matched = !bytes.Contains(sql, []byte("read only")), len(match) == 0
			case bytes.Equal(bytes.TrimSuffix(sql, []byte(";")), []byte("commit")) && write && matched && p.armed.CompareAndSwap(true, false):
				dropReply.Store(true)
			case len(match) > 0 && bytes.Contains(sql, match):
				matched = true
			}
		}
		if forward(server, msg) != nil {
			return
		}
	}
}

func forward(w io.Writer, msg []byte) error { _, err := w.Write(msg); return err }

func readUntyped(r io.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n < 8 || n > 1<<20 {
		return nil, errors.New("bad start-up length")
	}
	msg := make([]byte, n)
	copy(msg, hdr[:])
	_, err := io.ReadFull(r, msg[4:])
	return msg, err
}

func readTyped(r io.Reader) (byte, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[1:])
	if n < 4 || n > 64<<20 {
		return 0, nil, errors.New("bad message length")
	}
	msg := make([]byte, 1+n)
	copy(msg, hdr[:])
	_, err := io.ReadFull(r, msg[5:])
	return hdr[0], msg, err
}

// queryText is the SQL of a simple Query ('Q') or of a Parse ('P': name, then the query).
func queryText(typ byte, msg []byte) []byte {
	body := msg[5:]
	switch typ {
	case 'Q':
		return bytes.TrimRight(body, "\x00")
	case 'P':
		if i := bytes.IndexByte(body, 0); i >= 0 {
			rest := body[i+1:]
			if j := bytes.IndexByte(rest, 0); j >= 0 {
				return rest[:j]
			}
		}
	}
	return nil
}

// hostLedgerOnPostgres is a PostgreSQL site with cards user cards, closed in this process
// so that only the hosts the test starts serve it: the site, POS P1's device (its secret)
// and a connection of the test's own for looking at the rows.
func hostLedgerOnPostgres(t *testing.T, cards int) (*apptest.Site, app.Device, *sql.DB) {
	t.Helper()
	pgtest.Require(t)
	s := apptest.New(t, apptest.Options{Postgres: true, Cards: cards})
	dev, err := s.Svc.DeviceWithKey(context.Background(), "P1")
	if err != nil {
		t.Fatal(err)
	}
	s.Store.Close()
	raw, err := store.OpenRaw(s.Path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return s, dev, raw
}

// Issue 12, fault: a host's ledger commits a recharge and the acknowledgement of that
// commit never reaches the host. The host cannot know whether the message was taken; it
// must not say it was refused (the cash would be handed back while the card is credited)
// nor book it again when the POS sends it again. It answers "no answer"
// (HOST_UNAVAILABLE); the POS sends the same message again and is given the answer the
// ledger kept when it committed; the ledger holds the recharge once.
func TestCommitAcknowledgementLostIsAnsweredOnTheNextSend(t *testing.T) {
	s, dev, raw := hostLedgerOnPostgres(t, 2)
	ctx := context.Background()
	proxy, dsn := ackLosingProxyTo(t, s.Path)
	hostURL, stop := startServe(t, dsn)
	defer stop()

	pos := &posapi.Client{BaseURL: hostURL, HTTP: &http.Client{Timeout: 10 * time.Second}, DeviceID: "P1", Secret: dev.Secret}
	auth, err := pos.Authorize(ctx, app.AuthorizeRequest{DeviceID: "P1", Serial: 1, CardNo: apptest.AuthCard(0), PIN: apptest.PIN})
	if err != nil {
		t.Fatal(err)
	}
	req := app.RechargeRequest{DeviceID: "P1", Serial: 2, BatchNo: auth.BatchNo, AuthCode: auth.AuthCode,
		CardNo: apptest.UserCard(0), CardBalance: 0, CardCounter: 0, Amount: 50 * app.Yuan}
	proxy.arm("")
	_, err = pos.Recharge(ctx, req)
	if proxy.cuts.Load() != 1 {
		t.Fatalf("the proxy cut %d commits, want 1 (the recharge's): the window was not hit (answer %v)", proxy.cuts.Load(), err)
	}
	var na *posapi.NoAnswerError
	if !errors.As(err, &na) {
		t.Fatalf("with its commit unacknowledged the host answered %v, want no answer", err)
	}
	if na.Reason != nil && na.Reason.Code != posapi.CodeHostUnavailable {
		t.Fatalf("the host said %s, want HOST_UNAVAILABLE or nothing", na.Reason.Code)
	}
	t.Logf("first send: %v", err)
	booked := func() (n int, sum int64) {
		t.Helper()
		if err := raw.QueryRow(`SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM recharges WHERE device_id = 'P1' AND serial = 2`).Scan(&n, &sum); err != nil {
			t.Fatal(err)
		}
		return n, sum
	}
	if n, _ := booked(); n != 1 {
		t.Fatalf("%d recharges of serial 2 in the ledger after the lost acknowledgement, want the committed 1", n)
	}
	// The POS sends the same message again, as it does after any "no answer".
	res, err := pos.Recharge(ctx, req)
	if err != nil {
		t.Fatalf("the same message sent again: %v, want the kept answer", err)
	}
	var id int64
	if err := raw.QueryRow(`SELECT id FROM recharges WHERE device_id = 'P1' AND serial = 2`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if res.RechargeID != id || res.BalanceAfter != 50*app.Yuan {
		t.Fatalf("the kept answer names recharge %d with balance %v, want the committed %d with 50 元", res.RechargeID, res.BalanceAfter, id)
	}
	if n, sum := booked(); n != 1 || app.Fen(sum) != 50*app.Yuan {
		t.Fatalf("the ledger holds %d recharges (%d fen) of serial 2 after the second send, want one of 5000", n, sum)
	}
}
