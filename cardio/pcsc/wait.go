package pcsc

import (
	"context"
	"time"

	"github.com/ebfe/scard"

	"cardcenter/cardio"
)

// WaitCard blocks until a card is in the reader, or ctx ends (ctx.Err()).
func (c *Context) WaitCard(ctx context.Context, reader string) error {
	return c.wait(ctx, reader, func(s scard.StateFlag) bool { return s&scard.StatePresent != 0 })
}

// WaitRemoved blocks until the reader is empty, or ctx ends.
func (c *Context) WaitRemoved(ctx context.Context, reader string) error {
	return c.wait(ctx, reader, func(s scard.StateFlag) bool { return s&scard.StateEmpty != 0 })
}

// pollEvery bounds each SCardGetStatusChange: Cancel wakes a waiting call at once, but a
// cancel that lands just before the call starts would be lost, so the loop also looks at
// ctx at least this often.
const pollEvery = time.Second

func (c *Context) wait(ctx context.Context, reader string, done func(scard.StateFlag) bool) error {
	stop := context.AfterFunc(ctx, func() { _ = c.c.Cancel() })
	defer stop()
	rs := []scard.ReaderState{{Reader: reader, CurrentState: scard.StateUnaware}}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := c.c.GetStatusChange(rs, pollEvery)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err == scard.ErrTimeout:
			continue
		case err != nil:
			return mapErr(err)
		}
		// pcsc-lite keeps an event counter in the upper 16 bits: mask it off, and hand the
		// state back as the current one or the next call returns at once.
		state := rs[0].EventState & 0xFFFF
		if state&(scard.StateUnknown|scard.StateIgnore) != 0 {
			return cardio.ErrNoReader.Withf("reader %q is gone", reader)
		}
		if done(state) {
			return nil
		}
		rs[0].CurrentState = state &^ scard.StateChanged
	}
}

// WaitPresence blocks until a card's presence in reader differs from was, and returns it;
// asked with the wrong was, it returns at once. The desk follows cards coming and going
// with it.
func (c *Context) WaitPresence(ctx context.Context, reader string, was bool) (bool, error) {
	var now bool
	err := c.wait(ctx, reader, func(s scard.StateFlag) bool {
		now = s&scard.StatePresent != 0
		return now != was
	})
	return now, err
}
