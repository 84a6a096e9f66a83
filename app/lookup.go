package app

import "context"

// Device returns a registered terminal (the network layer needs its secret).
func (s *Service) Device(ctx context.Context, id string) (Device, error) {
	var d Device
	err := s.store.View(ctx, func(tx ReadTx) error {
		var err error
		d, err = tx.Device(id)
		return notFoundOr(err, CodeUnknownDevice, "device %s", id)
	})
	return d, err
}

// CardByNo returns a card the card center knows.
func (s *Service) CardByNo(ctx context.Context, cardNo string) (Card, error) {
	var c Card
	err := s.store.View(ctx, func(tx ReadTx) error {
		var err error
		c, err = tx.Card(cardNo)
		return notFoundOr(err, CodeUnknownCard, "card %s", cardNo)
	})
	return c, err
}
