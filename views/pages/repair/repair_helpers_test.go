package repair_test

import (
	"context"
	"time"

	"cardcenter/app"
	"cardcenter/views/viewtest"
)

// slowCards holds every card write until released, to look at the desk mid-write.
type slowCards struct {
	*viewtest.Cards
	entered chan struct{}
	release chan struct{}
}

func (c *slowCards) Reader() app.DeskReader { return slowReader{c.Cards.Reader(), c} }

type slowReader struct {
	app.DeskReader
	c *slowCards
}

func (r slowReader) Credit(ctx context.Context, before app.CardOnDesk, terminal string, serial int64, amount app.Fen, at time.Time) error {
	r.c.entered <- struct{}{}
	<-r.c.release
	return r.DeskReader.Credit(ctx, before, terminal, serial, amount, at)
}

// twoReaders is a card source with two readers attached.
type twoReaders struct {
	*viewtest.Cards
	chosen string
}

func (c *twoReaders) Readers(context.Context) ([]string, error) {
	return []string{"Virtual PCD 00 00", "Virtual PCD 00 01"}, nil
}

func (c *twoReaders) Choose(name string) { c.chosen = name }

func (c *twoReaders) Name() string { return c.chosen }
