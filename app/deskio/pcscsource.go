package deskio

import (
	"context"
	"errors"
	"sync"
	"time"

	"cardcenter/app"
	"cardcenter/cardio"
	"cardcenter/cardio/pcsc"
)

// PCSC is the desk's card source on a PC/SC reader through pcscd. It copes with pcscd and
// readers coming and going: Watch reports the state and waits for it to change.
type PCSC struct {
	Site cardio.SiteKey
	mu   sync.Mutex
	name string // chosen reader; "" = the first
}

// retryEvery: how often to look again for pcscd or a reader that is not there.
const retryEvery = time.Second

func (p *PCSC) Choose(name string) { p.mu.Lock(); p.name = name; p.mu.Unlock() }

func (p *PCSC) Name() string { p.mu.Lock(); defer p.mu.Unlock(); return p.name }

func (p *PCSC) Readers(ctx context.Context) ([]string, error) {
	c, err := pcsc.Open()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.Readers()
}

// Reader connects to the card on the chosen reader for each read or write.
func (p *PCSC) Reader() app.DeskReader {
	return &Reader{Station: cardio.Station{Site: p.Site, Connect: func(ctx context.Context) (cardio.Transport, func(), error) {
		return pcsc.ConnectCard(ctx, p.Name(), 0)
	}}}
}

// Watch returns the reader's state as soon as it differs from last.
func (p *PCSC) Watch(ctx context.Context, last app.ReaderState) (app.ReaderState, error) {
	for {
		st, err := p.watchOnce(ctx, last)
		if err != nil && ctx.Err() != nil {
			return last, ctx.Err()
		}
		if st != last {
			return st, nil
		}
		t := time.NewTimer(retryEvery)
		select {
		case <-ctx.Done():
			t.Stop()
			return last, ctx.Err()
		case <-t.C:
		}
	}
}

func (p *PCSC) watchOnce(ctx context.Context, last app.ReaderState) (app.ReaderState, error) {
	c, err := pcsc.Open()
	if err != nil {
		return app.ReaderNoPCSC, err
	}
	defer c.Close()
	name, err := c.Reader(p.Name())
	if err != nil {
		if errors.Is(err, cardio.ErrNoService) {
			return app.ReaderNoPCSC, err
		}
		return app.ReaderNone, err
	}
	present, err := c.WaitPresence(ctx, name, last == app.ReaderCard)
	if err != nil {
		if errors.Is(err, cardio.ErrNoReader) {
			return app.ReaderNone, err
		}
		return last, err
	}
	if present {
		return app.ReaderCard, nil
	}
	return app.ReaderEmpty, nil
}
