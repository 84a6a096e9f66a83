package pos

import (
	"context"
	"fmt"
	"sync"

	"cardcenter/app"
	"cardcenter/app/posapi"
)

// DroppingHost loses messages on purpose, for tests and demonstrations. Drop maps a
// message kind (authorize, recharge, confirm, cancel, reverse, batch, summary, last-serial,
// outcomes) to how many answers of that kind to lose: the host acts on the message, and
// the POS hears nothing (as when the network fails on the way back). Lose maps a kind to
// how many messages to lose on the way there: the host never sees them.
type DroppingHost struct {
	Host
	mu   sync.Mutex
	Drop map[string]int
	Lose map[string]int
}

var (
	errDropped = fmt.Errorf("answer dropped (fault injection): %w", posapi.ErrNoAnswer)
	errLost    = fmt.Errorf("message lost on the way (fault injection): %w", posapi.ErrNoAnswer)
)

func (h *DroppingHost) take(m map[string]int, kind string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if m[kind] > 0 {
		m[kind]--
		return true
	}
	return false
}

// call sends r unless it is to be lost on the way, and loses its answer if it is to be
// dropped.
func call[Q, R any](h *DroppingHost, kind string, send func(context.Context, Q) (R, error), ctx context.Context, q Q) (R, error) {
	var zero R
	if h.take(h.Lose, kind) {
		return zero, errLost
	}
	r, err := send(ctx, q)
	if h.take(h.Drop, kind) {
		return zero, errDropped
	}
	return r, err
}

func (h *DroppingHost) Authorize(ctx context.Context, r app.AuthorizeRequest) (app.AuthorizeResult, error) {
	return call(h, "authorize", h.Host.Authorize, ctx, r)
}

func (h *DroppingHost) Recharge(ctx context.Context, r app.RechargeRequest) (app.RechargeResult, error) {
	return call(h, "recharge", h.Host.Recharge, ctx, r)
}

func (h *DroppingHost) Confirm(ctx context.Context, r app.ConfirmRequest) (app.ConfirmResult, error) {
	return call(h, "confirm", h.Host.Confirm, ctx, r)
}

func (h *DroppingHost) Cancel(ctx context.Context, r app.CancelRequest) (app.CancelResult, error) {
	return call(h, "cancel", h.Host.Cancel, ctx, r)
}

func (h *DroppingHost) Reverse(ctx context.Context, r app.ReverseRequest) (app.ReverseResult, error) {
	return call(h, "reverse", h.Host.Reverse, ctx, r)
}

func (h *DroppingHost) Batch(ctx context.Context, records []app.OfflineRecord) (posapi.BatchResult, error) {
	return call(h, "batch", h.Host.Batch, ctx, records)
}

func (h *DroppingHost) Summary(ctx context.Context) (app.SummaryResult, error) {
	return call(h, "summary", func(ctx context.Context, _ struct{}) (app.SummaryResult, error) { return h.Host.Summary(ctx) }, ctx, struct{}{})
}

func (h *DroppingHost) LastSerial(ctx context.Context) (int64, error) {
	return call(h, "last-serial", func(ctx context.Context, _ struct{}) (int64, error) { return h.Host.LastSerial(ctx) }, ctx, struct{}{})
}

func (h *DroppingHost) ReversalOutcomes(ctx context.Context, serials []int64) (app.ReversalOutcomesResult, error) {
	return call(h, "outcomes", h.Host.ReversalOutcomes, ctx, serials)
}
