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
	// Keys gives the card's keys: cardio.LocalKeys on a single-PC site, HostKeys on a desk
	// of a host. They are held for the card on the reader only (a cardio.OneCard).
	Keys cardio.KeySource
	// Scope names whose keys are held (the desk's session); see cardio.OneCard.
	Scope func() string
	mu    sync.Mutex
	name  string // chosen reader; "" = the first
	one   *cardio.OneCard
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
	return &Reader{Station: cardio.Station{Keys: p.held(), Connect: func(ctx context.Context) (cardio.Transport, func(), error) {
		return pcsc.ConnectCard(ctx, p.Name(), 0)
	}}}
}

// held is the one card's keys, kept across the readers Reader hands out (a read, then the
// write of a repair) and dropped when another card is read.
func (p *PCSC) held() *cardio.OneCard {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.one == nil {
		p.one = &cardio.OneCard{Source: p.Keys, Scope: p.Scope}
	}
	return p.one
}

// Forget drops the keys held for the card last read (a session that ended).
func (p *PCSC) Forget() {
	if one := p.held(); one != nil {
		one.Forget()
	}
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
