package pos

import (
	"context"
	"time"

	"cardcenter/app"
	"cardcenter/app/posapi"
)

// Host is the host as the POS sees it; *posapi.Client is the real one. An error wrapping
// posapi.ErrNoAnswer means no answer about the message (the outcome is unknown); an
// *app.Error alone is the host's final answer about it.
type Host interface {
	Authorize(ctx context.Context, r app.AuthorizeRequest) (app.AuthorizeResult, error)
	Recharge(ctx context.Context, r app.RechargeRequest) (app.RechargeResult, error)
	Confirm(ctx context.Context, r app.ConfirmRequest) (app.ConfirmResult, error)
	Cancel(ctx context.Context, r app.CancelRequest) (app.CancelResult, error)
	Reverse(ctx context.Context, r app.ReverseRequest) (app.ReverseResult, error)
	Batch(ctx context.Context, records []app.OfflineRecord) (posapi.BatchResult, error)
	Summary(ctx context.Context) (app.SummaryResult, error)
	LastSerial(ctx context.Context) (int64, error)
	// ReversalOutcomes asks what became of this device's acknowledged reversals.
	ReversalOutcomes(ctx context.Context, serials []int64) (app.ReversalOutcomesResult, error)
}

var _ Host = (*posapi.Client)(nil)

// Verdict is what a card says about one credit.
type Verdict int

const (
	Unknown   Verdict = iota // the card cannot prove it either way
	Landed                   // the credit is on the card
	NotLanded                // the card is provably as before the credit
)

// Card is a card as read on the POS's reader.
type Card interface {
	CardNo() string
	Balance() app.Fen
	Counter() int64
	// Verdict says whether the credit of amount tagged (terminal, serial) is on this card,
	// given the counter the POS read before writing it.
	Verdict(terminal string, serial int64, amount app.Fen, counterBefore int64) Verdict
}

// Cards is the POS's card reader.
type Cards interface {
	Read(ctx context.Context) (Card, error)
	// Credit writes amount onto the card that before was read from, tagged (terminal,
	// serial). Any error leaves the outcome unknown: read again and ask Verdict.
	Credit(ctx context.Context, before Card, terminal string, serial int64, amount app.Fen, at time.Time) error
}
