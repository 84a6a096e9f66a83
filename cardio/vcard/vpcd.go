package vcard

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"
)

// DefaultVPCD is where the vsmartcard vpcd driver inside pcscd listens for reader 0
// ("Virtual PCD 00 00"); reader 1 is on port 35964.
const DefaultVPCD = "127.0.0.1:35963"

// vpcd control codes (a 1-byte message). Only get-ATR is answered: vpcd does not read an
// answer to the others, and a stray one would be taken as the next APDU's response.
const (
	ctlPowerOff = 0
	ctlPowerOn  = 1
	ctlReset    = 2
	ctlGetATR   = 4
)

// Client connects a Reader's card to vpcd. Connected means "card in the reader" to pcscd;
// closing the socket means "card removed".
type Client struct {
	Addr   string
	Reader *Reader
	// ReinsertAfter: after a tear (or Remove) the card comes back by itself after this long;
	// 0 means it stays out until Reader.Insert.
	ReinsertAfter time.Duration
	Log           *slog.Logger
}

var errRemoved = errors.New("card removed")

// Run serves until ctx ends: connect whenever the card is present, reconnect when vpcd goes
// away (pcscd restarted), disconnect when the card leaves the field.
func (c *Client) Run(ctx context.Context) error {
	log := c.Log
	if log == nil {
		log = slog.Default()
	}
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		present, changed := c.Reader.Present()
		if !present {
			var reinsert <-chan time.Time
			if c.ReinsertAfter > 0 {
				reinsert = time.After(c.ReinsertAfter)
			}
			select {
			case <-ctx.Done():
			case <-changed:
			case <-reinsert:
				c.Reader.Insert()
			}
			continue
		}
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", c.Addr)
		if err != nil {
			log.Debug("vpcd not reachable, retrying", "addr", c.Addr, "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 2*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		log.Info("virtual card inserted", "vpcd", c.Addr)
		err = c.serve(ctx, conn.(*net.TCPConn), changed)
		log.Info("virtual card out of the reader", "vpcd", c.Addr, "why", err)
	}
	return ctx.Err()
}

// serve answers vpcd on one connection until the card leaves (torn or removed), vpcd closes
// it, or ctx ends.
func (c *Client) serve(ctx context.Context, conn *net.TCPConn, changed <-chan struct{}) error {
	_ = conn.SetNoDelay(true)
	done := make(chan struct{})
	defer close(done)
	go func() { // close the socket from outside: card removed, or the program stopping
		select {
		case <-ctx.Done():
		case <-changed:
		case <-done:
		}
		conn.Close()
	}()
	defer conn.Close()
	c.Reader.PowerCycle()
	var hdr [2]byte
	for {
		quickAck(conn)
		if _, err := io.ReadFull(conn, hdr[:]); err != nil {
			return c.closedWhy(ctx, err)
		}
		msg := make([]byte, binary.BigEndian.Uint16(hdr[:]))
		quickAck(conn)
		if _, err := io.ReadFull(conn, msg); err != nil {
			return c.closedWhy(ctx, err)
		}
		var resp []byte
		switch {
		case len(msg) == 1 && msg[0] == ctlGetATR:
			resp = ATR
		case len(msg) == 1 && (msg[0] == ctlPowerOff || msg[0] == ctlPowerOn || msg[0] == ctlReset):
			c.Reader.PowerCycle()
			continue // never answered
		case len(msg) <= 1:
			return fmt.Errorf("unknown vpcd message % X", msg)
		default:
			r, ok, torn := c.Reader.Transmit(msg)
			if torn || !ok {
				return errRemoved // closing the socket is the removal vpcd understands
			}
			resp = r
		}
		if len(resp) == 0 { // vpcd takes a zero-length answer as card removal
			resp = swFailed
		}
		out := make([]byte, 2+len(resp))
		binary.BigEndian.PutUint16(out, uint16(len(resp)))
		copy(out[2:], resp)
		if _, err := conn.Write(out); err != nil { // one write: length and payload together
			return c.closedWhy(ctx, err)
		}
	}
}

func (c *Client) closedWhy(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if present, _ := c.Reader.Present(); !present {
		return errRemoved
	}
	return fmt.Errorf("vpcd connection: %w", err)
}
