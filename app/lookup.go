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
