package pos

import (
	"context"
	"fmt"
	"sync"

	"cardcenter/app"
	"cardcenter/app/posapi"
	"cardcenter/cardio"
)

// DroppingHost loses the host's answers on purpose, for tests and demonstrations: the host
// acts on the message, and the POS hears nothing (as when the network fails on the way
// back). Drop maps a message kind (authorize, recharge, confirm, cancel, reverse, batch,
// summary, last-serial, outcomes) to how many answers of that kind to lose.
type DroppingHost struct {
	Host
	mu   sync.Mutex
	Drop map[string]int
}

var errDropped = fmt.Errorf("answer dropped (fault injection): %w", posapi.ErrNoAnswer)

func (h *DroppingHost) lost(kind string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.Drop[kind] > 0 {
		h.Drop[kind]--
		return true
	}
	return false
}

func drop[R any](h *DroppingHost, kind string, r R, err error) (R, error) {
	if h.lost(kind) {
		var zero R
		return zero, errDropped
	}
	return r, err
}

func (h *DroppingHost) Authorize(ctx context.Context, r app.AuthorizeRequest) (app.AuthorizeResult, error) {
	res, err := h.Host.Authorize(ctx, r)
	return drop(h, "authorize", res, err)
}

func (h *DroppingHost) Recharge(ctx context.Context, r app.RechargeRequest) (app.RechargeResult, error) {
	res, err := h.Host.Recharge(ctx, r)
	return drop(h, "recharge", res, err)
}

func (h *DroppingHost) Confirm(ctx context.Context, r app.ConfirmRequest) (app.ConfirmResult, error) {
	res, err := h.Host.Confirm(ctx, r)
	return drop(h, "confirm", res, err)
}

func (h *DroppingHost) Cancel(ctx context.Context, r app.CancelRequest) (app.CancelResult, error) {
	res, err := h.Host.Cancel(ctx, r)
	return drop(h, "cancel", res, err)
}

func (h *DroppingHost) Reverse(ctx context.Context, r app.ReverseRequest) (app.ReverseResult, error) {
	res, err := h.Host.Reverse(ctx, r)
	return drop(h, "reverse", res, err)
}

func (h *DroppingHost) Batch(ctx context.Context, records []app.OfflineRecord) (posapi.BatchResult, error) {
	res, err := h.Host.Batch(ctx, records)
	return drop(h, "batch", res, err)
}

func (h *DroppingHost) Summary(ctx context.Context) (app.SummaryResult, error) {
	res, err := h.Host.Summary(ctx)
	return drop(h, "summary", res, err)
}

// tearingTransport passes n APDUs to the card and then behaves as a card pulled away: the
// n-th is applied but its answer is lost, and nothing more reaches the card.
type tearingTransport struct {
	t cardio.Transport
	n int
}

func (tt *tearingTransport) Transmit(cmd []byte) ([]byte, error) {
	if tt.n <= 0 {
		return nil, cardio.ErrCardRemoved.Withf("torn by fault injection")
	}
	tt.n--
	resp, err := tt.t.Transmit(cmd)
	if tt.n == 0 && err == nil {
		return nil, cardio.ErrCardRemoved.Withf("torn by fault injection")
	}
	return resp, err
}

func (h *DroppingHost) ReversalOutcomes(ctx context.Context, serials []int64) (app.ReversalOutcomesResult, error) {
	res, err := h.Host.ReversalOutcomes(ctx, serials)
	return drop(h, "outcomes", res, err)
}

func (h *DroppingHost) LastSerial(ctx context.Context) (int64, error) {
	res, err := h.Host.LastSerial(ctx)
	return drop(h, "last-serial", res, err)
}
