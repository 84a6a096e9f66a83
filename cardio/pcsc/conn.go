package pcsc

import (
	"bytes"
	"context"
	"errors"
	"math"
	"time"

	"github.com/ebfe/scard"

	"cardcenter/cardio"
)

// Conn is a connected card: a cardio.Transport.
type Conn struct {
	card   *scard.Card
	Reader string
	ATR    []byte
}

// Connect connects to the card in reader and checks that it is a MIFARE Classic 1K.
func (c *Context) Connect(reader string) (*Conn, error) {
	card, err := c.c.Connect(reader, scard.ShareShared, scard.ProtocolAny)
	if err != nil {
		return nil, mapErr(err)
	}
	st, err := card.Status()
	if err != nil {
		_ = card.Disconnect(scard.LeaveCard)
		return nil, mapErr(err)
	}
	if !IsMifareClassic1K(st.Atr) {
		_ = card.Disconnect(scard.LeaveCard)
		return nil, cardio.ErrUnknownCardType.Withf("ATR % X", st.Atr)
	}
	return &Conn{card: card, Reader: reader, ATR: st.Atr}, nil
}

// Transmit sends one APDU.
func (k *Conn) Transmit(cmd []byte) ([]byte, error) {
	resp, err := k.card.Transmit(cmd)
	if err != nil {
		return nil, mapErr(err)
	}
	// A card that leaves while pcscd waits for its answer can come back as an empty
	// response with no error (seen with vpcd), or as NOT_TRANSACTED / REMOVED_CARD.
	if len(resp) == 0 {
		return nil, cardio.ErrCardRemoved.Withf("no answer to % X", cmd[:min(len(cmd), 5)])
	}
	return resp, nil
}

// Close disconnects, leaving the card as it is.
func (k *Conn) Close() error { return mapErr(k.card.Disconnect(scard.LeaveCard)) }

// pcscRID is the PC/SC registered application provider id in a storage card's ATR.
var pcscRID = []byte{0xA0, 0x00, 0x00, 0x03, 0x06}

// IsMifareClassic1K reads a PC/SC part 3 storage-card ATR: 3B 8F 80 01 80 4F 0C, the RID,
// the standard (03 = ISO 14443 A part 3) and the card name (00 01 = MIFARE Classic 1K).
func IsMifareClassic1K(atr []byte) bool {
	return len(atr) >= 15 && atr[4] == 0x80 && atr[5] == 0x4F &&
		bytes.Equal(atr[7:12], pcscRID) && atr[12] == 0x03 && atr[13] == 0x00 && atr[14] == 0x01
}

// ConnectCard reaches the card in reader ("" = the first): it opens a PC/SC context,
// finds the reader, waits up to wait for a card if wait > 0, and connects. release ends
// the connection and the context. The one way every program of the project reaches a card.
func ConnectCard(ctx context.Context, reader string, wait time.Duration) (conn *Conn, release func(), err error) {
	c, err := Open()
	if err != nil {
		return nil, nil, err
	}
	if reader, err = c.Reader(reader); err != nil {
		c.Close()
		return nil, nil, err
	}
	if wait > 0 {
		wctx, cancel := context.WithTimeout(ctx, wait)
		err := c.WaitCard(wctx, reader)
		cancel()
		if err != nil {
			c.Close()
			if errors.Is(err, context.DeadlineExceeded) {
				return nil, nil, cardio.ErrNoCard.With(err)
			}
			return nil, nil, err
		}
	}
	if conn, err = c.Connect(reader); err != nil {
		c.Close()
		return nil, nil, err
	}
	return conn, func() { conn.Close(); c.Close() }, nil
}

// waitForever waits for a card for as long as the context lets it.
const waitForever = time.Duration(math.MaxInt64)

// WithCard waits for a card in reader ("" = the first), connects, runs fn, and disconnects:
// one tap at the desk. fn's Transport is valid only during the call.
func WithCard(ctx context.Context, reader string, fn func(*Conn) error) error {
	conn, release, err := ConnectCard(ctx, reader, waitForever)
	if err != nil {
		return err
	}
	defer release()
	return fn(conn)
}
