// Package deskio is the desk's card reader over cardio: it presents a campus card as an
// app.CardOnDesk and writes desk repairs with cardio's crash-safe credit.
package deskio

import (
	"context"
	"fmt"
	"time"

	"cardcenter/app"
	"cardcenter/cardio"
)

// Reader is the desk's reader: a station where the desk writes repairs.
type Reader struct{ cardio.Station }

var _ app.DeskReader = (*Reader)(nil)

// Card is a card read at the desk.
type Card struct{ C *cardio.Card }

var _ app.CardOnDesk = Card{}

func (c Card) UID() string      { return c.C.UIDHex() }
func (c Card) CardNo() string   { return c.C.CardNo }
func (c Card) Holder() string   { return c.C.Holder }
func (c Card) Blocked() bool    { return c.C.Status != cardio.StatusActive }
func (c Card) Balance() app.Fen { return app.Fen(c.C.Purse.Balance) }
func (c Card) Counter() int64   { return int64(c.C.Purse.Counter) }

// Log is the card's committed log, newest first.
func (c Card) Log() []app.CardLogEntry {
	out := make([]app.CardLogEntry, 0, len(c.C.Log))
	for _, e := range c.C.Log {
		out = append(out, app.CardLogEntry{Kind: e.Kind.String(), Counter: int64(e.Counter), Amount: app.Fen(e.Amount),
			BalanceAfter: app.Fen(e.BalanceAfter), Serial: int64(e.Serial24), At: e.Time})
	}
	return out
}

var _ app.CardLog = Card{}

func (c Card) Holds(terminal string, serial int64, amount app.Fen) (bool, bool) {
	e, ok := c.C.Find(cardio.Ref{Terminal: terminal, Serial: serial}, int64(amount))
	return ok, ok && e.Kind == cardio.KindRepair
}

func (c Card) ProvesAbsent(terminal string, serial int64, amount app.Fen, counterBefore int64) bool {
	return c.C.Verdict(cardio.Ref{Terminal: terminal, Serial: serial}, int64(amount), counterBefore) == cardio.VerdictNotLanded
}

// Read reads the whole card.
func (r *Reader) Read(ctx context.Context) (app.CardOnDesk, error) {
	c, err := r.Station.Read(ctx)
	if err != nil {
		return nil, err
	}
	return Card{c}, nil
}

// Credit writes a desk repair of the recharge (terminal, serial) onto the card.
func (r *Reader) Credit(ctx context.Context, before app.CardOnDesk, terminal string, serial int64, amount app.Fen, at time.Time) error {
	b, ok := before.(Card)
	if !ok {
		return fmt.Errorf("credit: card %T was not read by this reader", before)
	}
	return r.Station.Credit(ctx, b.C, cardio.Txn{Kind: cardio.KindRepair, Amount: int64(amount),
		Ref: cardio.Ref{Terminal: terminal, Serial: serial}, Time: at})
}
