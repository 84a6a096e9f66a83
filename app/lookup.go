package app

import "context"

// Device returns a registered terminal (the network layer needs its secret).
func (s *Service) Device(ctx context.Context, actor Actor, id string) (DeviceInfo, error) {
	if err := s.allow(ctx, actor, anyStaff...); err != nil {
		return DeviceInfo{}, err
	}
	d, err := s.DeviceWithKey(ctx, id)
	return d.Info(), err
}

// DeviceWithKey is the host's own lookup of a terminal, with the key its messages are signed
// with. Not for screens (Desk has no such method): only the host and the programs on the
// ledger's machine (pos, sign, load, demo) call it.
func (s *Service) DeviceWithKey(ctx context.Context, id string) (Device, error) {
	var d Device
	err := s.store.View(ctx, func(tx ReadTx) error {
		var err error
		d, err = tx.Device(id)
		return notFoundOr(err, CodeUnknownDevice, "device %s", id)
	})
	return d, err
}

// CardByNo returns a card the card center knows.
func (s *Service) CardByNo(ctx context.Context, actor Actor, cardNo string) (Card, error) {
	return readAs(ctx, s, actor, anyStaff, func(tx ReadTx) (Card, error) {
		c, err := tx.Card(cardNo)
		return c, notFoundOr(err, CodeUnknownCard, "card %s", cardNo)
	})
}

// LastSerial is the highest terminal serial the host has kept for a device (0 if none). A
// POS that lost its journal, or a replacement POS, continues after it: reusing a serial
// would replay an old answer or be refused as a conflict.
func (s *Service) LastSerial(ctx context.Context, deviceID string) (int64, error) {
	return s.lastSerial(ctx, deviceID)
}

// DeviceLastSerial is LastSerial for a desk: what the devices screen shows before a journal
// is ended.
func (s *Service) DeviceLastSerial(ctx context.Context, actor Actor, deviceID string) (int64, error) {
	if err := s.allow(ctx, actor, financeRoles...); err != nil {
		return 0, err
	}
	return s.lastSerial(ctx, deviceID)
}

func (s *Service) lastSerial(ctx context.Context, deviceID string) (int64, error) {
	var n int64
	err := s.store.View(ctx, func(tx ReadTx) error {
		if _, err := tx.Device(deviceID); err != nil {
			return notFound(err, CodeUnknownDevice, "device %s", deviceID)
		}
		var err error
		n, err = tx.LastSerial(deviceID)
		return err
	})
	return n, err
}
