package vcard

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"

	"cardcenter/cardio"
)

func TestAccessBits(t *testing.T) {
	var campus, factory [cardio.BlockSize]byte
	copy(campus[6:10], cardio.CampusAccess[:])
	copy(factory[6:10], cardio.FactoryAccess[:])
	for i, want := range []byte{0b100, 0b100, 0b100, 0b011} {
		if got, ok := accessBits(campus, i); !ok || got != want {
			t.Errorf("campus block %d: %03b %v", i, got, ok)
		}
	}
	for i, want := range []byte{0, 0, 0, 0b001} {
		if got, ok := accessBits(factory, i); !ok || got != want {
			t.Errorf("factory block %d: %03b %v", i, got, ok)
		}
	}
	campus[7] ^= 0x01
	if _, ok := accessBits(campus, 0); ok {
		t.Error("inconsistent access bits accepted")
	}
}

// The status words an ACR122U gives: 63 00 for any refused storage command, 6A 81 for an
// unsupported one; key A cannot write a campus sector.
func TestReaderStatusWords(t *testing.T) {
	chip, _ := NewBlankChip([]byte{1, 2, 3, 4})
	r := NewReader(chip)
	send := func(cmd ...byte) []byte { resp, _, _ := r.Transmit(cmd); return resp }
	sw := func(resp []byte) []byte { return resp[len(resp)-2:] }
	if got := send(0xFF, 0xB0, 0x00, 0x04, 0x10); !bytes.Equal(got, swFailed) {
		t.Fatalf("read without auth: % X", got)
	}
	if got := send(0xFF, 0xCA, 0x01, 0x00, 0x00); !bytes.Equal(got, swUnsupported) {
		t.Fatalf("get ATS: % X", got)
	}
	if got := send(0xFF, 0x82, 0x00, 0x00, 0x06, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF); !bytes.Equal(got, swOK) {
		t.Fatalf("load key: % X", got)
	}
	if got := send(0xFF, 0x86, 0x00, 0x00, 0x05, 0x01, 0x00, 0x04, 0x60, 0x00); !bytes.Equal(got, swOK) {
		t.Fatalf("auth: % X", got)
	}
	if got := send(0xFF, 0xB0, 0x00, 0x04, 0x10); len(got) != 18 || !bytes.Equal(sw(got), swOK) {
		t.Fatalf("read: % X", got)
	}
	if got := send(0xFF, 0xB0, 0x00, 0x08, 0x10); !bytes.Equal(got, swFailed) {
		t.Fatalf("read outside the authenticated sector: % X", got)
	}
	// Factory key B is readable (access 001) so it cannot authenticate.
	if got := send(0xFF, 0x86, 0x00, 0x00, 0x05, 0x01, 0x00, 0x04, 0x61, 0x00); !bytes.Equal(got, swFailed) {
		t.Fatalf("auth with readable key B: % X", got)
	}
}

func TestStateFileRoundTrip(t *testing.T) {
	chip, _ := NewBlankChip(nil)
	chip.Blocks[8][3] = 0x42
	path := filepath.Join(t.TempDir(), "card.json")
	if err := SaveChip(path, chip); err != nil {
		t.Fatal(err)
	}
	got, err := LoadChip(path)
	if err != nil || !bytes.Equal(got.UID, chip.UID) || got.Blocks != chip.Blocks {
		t.Fatalf("%v", err)
	}
}

// fakeVPCD plays vpcd's side of the socket: length and payload in separate segments, a
// power-on that must not be answered, get-ATR, an APDU.
func TestVPCDFraming(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	chip, _ := NewBlankChip([]byte{0xCA, 0xFE, 0xBA, 0xBE})
	r := NewReader(chip)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go (&Client{Addr: ln.Addr().String(), Reader: r, Log: slog.New(slog.DiscardHandler)}).Run(ctx)

	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	send := func(payload []byte) {
		var hdr [2]byte
		binary.BigEndian.PutUint16(hdr[:], uint16(len(payload)))
		conn.Write(hdr[:])
		time.Sleep(5 * time.Millisecond) // a separate segment, as vpcd's two send() calls
		conn.Write(payload)
	}
	recv := func() []byte {
		var hdr [2]byte
		if _, err := io.ReadFull(conn, hdr[:]); err != nil {
			t.Fatal(err)
		}
		b := make([]byte, binary.BigEndian.Uint16(hdr[:]))
		if _, err := io.ReadFull(conn, b); err != nil {
			t.Fatal(err)
		}
		return b
	}
	send([]byte{ctlPowerOn}) // no answer expected: the next answer must be the ATR
	send([]byte{ctlGetATR})
	if got := recv(); !bytes.Equal(got, ATR) {
		t.Fatalf("ATR: % X", got)
	}
	send([]byte{0xFF, 0xCA, 0x00, 0x00, 0x00})
	if got := recv(); !bytes.Equal(got, []byte{0xCA, 0xFE, 0xBA, 0xBE, 0x90, 0x00}) {
		t.Fatalf("UID: % X", got)
	}
	// A tear: the APDU is applied, no answer comes, the socket closes (card removed).
	r.SetFaults(Faults{TearAfter: 1})
	send([]byte{0xFF, 0xCA, 0x00, 0x00, 0x00})
	if n, err := conn.Read(make([]byte, 1)); err == nil {
		t.Fatalf("answer after a tear (%d bytes)", n)
	}
	conn.Close()
	// Putting the card back reconnects.
	r.Insert()
	_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
	conn, err = ln.Accept()
	if err != nil {
		t.Fatalf("no reconnect after insert: %v", err)
	}
	conn.Close()
}
