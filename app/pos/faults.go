package pos

import (
	"context"
	"fmt"
	"sync"

	"cardcenter/app"
	"cardcenter/app/posapi"
)

// InterceptedHost is Host with every message passed through Around, which is given the
// message's kind (authorize, recharge, confirm, cancel, reverse, batch, summary,
// last-serial, outcomes), its request (struct{}{} for those without one) and send, which
// makes the call: the one place a fault injector stands between a POS and its host.
// Around answers with send's error, or with one of its own (then the POS sees nothing of
// the host's answer).
type InterceptedHost struct {
	Host
	Around func(ctx context.Context, kind string, req any, send func(context.Context) error) error
}

func intercept[Q, R any](h *InterceptedHost, kind string, call func(context.Context, Q) (R, error), ctx context.Context, q Q) (R, error) {
	var out R
	var sent error
	err := h.Around(ctx, kind, q, func(ctx context.Context) error { out, sent = call(ctx, q); return sent })
	if err != nil && err != sent {
		var zero R
		return zero, err
	}
	return out, err
}

func (h *InterceptedHost) Authorize(ctx context.Context, r app.AuthorizeRequest) (app.AuthorizeResult, error) {
	return intercept(h, "authorize", h.Host.Authorize, ctx, r)
}

func (h *InterceptedHost) Recharge(ctx context.Context, r app.RechargeRequest) (app.RechargeResult, error) {
	return intercept(h, "recharge", h.Host.Recharge, ctx, r)
}

func (h *InterceptedHost) Confirm(ctx context.Context, r app.ConfirmRequest) (app.ConfirmResult, error) {
	return intercept(h, "confirm", h.Host.Confirm, ctx, r)
}

func (h *InterceptedHost) Cancel(ctx context.Context, r app.CancelRequest) (app.CancelResult, error) {
	return intercept(h, "cancel", h.Host.Cancel, ctx, r)
}

func (h *InterceptedHost) Reverse(ctx context.Context, r app.ReverseRequest) (app.ReverseResult, error) {
	return intercept(h, "reverse", h.Host.Reverse, ctx, r)
}

func (h *InterceptedHost) Batch(ctx context.Context, records []app.OfflineRecord) (posapi.BatchResult, error) {
	return intercept(h, "batch", h.Host.Batch, ctx, records)
}

func (h *InterceptedHost) Summary(ctx context.Context) (app.SummaryResult, error) {
	return intercept(h, "summary", func(ctx context.Context, _ struct{}) (app.SummaryResult, error) { return h.Host.Summary(ctx) }, ctx, struct{}{})
}

func (h *InterceptedHost) LastSerial(ctx context.Context) (int64, error) {
	return intercept(h, "last-serial", func(ctx context.Context, _ struct{}) (int64, error) { return h.Host.LastSerial(ctx) }, ctx, struct{}{})
}

func (h *InterceptedHost) ReversalOutcomes(ctx context.Context, serials []int64) (app.ReversalOutcomesResult, error) {
	return intercept(h, "outcomes", h.Host.ReversalOutcomes, ctx, serials)
}

// DroppingHost loses messages on purpose, for tests and demonstrations. Drop maps a
// message kind to how many answers of that kind to lose: the host acts on the message, and
// the POS hears nothing (as when the network fails on the way back). Lose maps a kind to
// how many messages to lose on the way there: the host never sees them.
type DroppingHost struct {
	mu   sync.Mutex
	Drop map[string]int
	Lose map[string]int
}

// NewDroppingHost is host behind a DroppingHost that loses what drop and lose say.
func NewDroppingHost(host Host, drop, lose map[string]int) *InterceptedHost {
	d := &DroppingHost{Drop: drop, Lose: lose}
	return &InterceptedHost{Host: host, Around: d.Around}
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

// Around sends the message unless it is to be lost on the way, and loses its answer if it
// is to be dropped.
func (h *DroppingHost) Around(ctx context.Context, kind string, _ any, send func(context.Context) error) error {
	if h.take(h.Lose, kind) {
		return errLost
	}
	err := send(ctx)
	if h.take(h.Drop, kind) {
		return errDropped
	}
	return err
}
