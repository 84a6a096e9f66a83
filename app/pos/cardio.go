package pos

import (
	"context"
	"fmt"
	"time"

	"cardcenter/app"
	"cardcenter/cardio"
)

// CardioCards is the POS's reader over cardio: a PC/SC reader, or an in-process virtual
// card in tests. A POS writes recharges.
type CardioCards struct{ cardio.Station }

type cardioCard struct{ c *cardio.Card }

func (x cardioCard) CardNo() string   { return x.c.CardNo }
func (x cardioCard) Balance() app.Fen { return app.Fen(x.c.Purse.Balance) }
func (x cardioCard) Counter() int64   { return int64(x.c.Purse.Counter) }

func (x cardioCard) Verdict(terminal string, serial int64, amount app.Fen, counterBefore int64) Verdict {
	switch x.c.Verdict(cardio.Ref{Terminal: terminal, Serial: serial}, int64(amount), counterBefore) {
	case cardio.VerdictLanded:
		return Landed
	case cardio.VerdictNotLanded:
		return NotLanded
	}
	return Unknown
}

func (r *CardioCards) Read(ctx context.Context) (Card, error) {
	c, err := r.Station.Read(ctx)
	if err != nil {
		return nil, err
	}
	return cardioCard{c}, nil
}

func (r *CardioCards) Credit(ctx context.Context, before Card, terminal string, serial int64, amount app.Fen, at time.Time) error {
	b, ok := before.(cardioCard)
	if !ok {
		return fmt.Errorf("credit: card %T was not read by this reader", before)
	}
	return r.Station.Credit(ctx, b.c, cardio.Txn{Kind: cardio.KindRecharge, Amount: int64(amount),
		Ref: cardio.Ref{Terminal: terminal, Serial: serial}, Time: at})
}

// KeyHost is the host as the POS's key source sees it; *posapi.Client is the real one.
type KeyHost interface {
	CardKeys(ctx context.Context, uidHex, cardNo string) (app.CardSectorKeys, error)
}

// HostKeys is the POS's key source: it asks the host, with a signed request, for the keys of
// the card on its reader, so that no site key lives in a terminal. Key B comes only under an
// open authorization; wrap it in a cardio.OneCard to hold one card's keys between the read
// and the write of a recharge.
func HostKeys(host KeyHost) cardio.HostKeys {
	return cardio.HostKeys{Ask: func(ctx context.Context, uidHex, cardNo string) (a, b [6]byte, err error) {
		ans, err := host.CardKeys(ctx, uidHex, cardNo)
		if err != nil {
			return a, b, err
		}
		return ans.For(uidHex, cardNo != "")
	}}
}
