package store

import (
	"database/sql"

	"cardcenter/app"
)

const deviceCols = `id, name, model, location, enabled`

func scanDevice(r interface{ Scan(...any) error }) (app.Device, error) {
	var d app.Device
	err := r.Scan(&d.ID, &d.Name, &d.Model, &d.Location, &d.Enabled)
	return d, err
}

// Device returns one device with its secret unsealed: the host needs it for every message.
// Without the seal key the secret is left empty, and the host cannot authenticate anyone.
func (t *txn) Device(id string) (app.Device, error) {
	var d app.Device
	var sealed []byte
	err := t.one("device", []any{&d.ID, &d.Name, &d.Model, &d.Location, &d.Enabled, &sealed},
		`SELECT `+deviceCols+`, secret FROM devices WHERE id = ?`, id)
	if err != nil || t.seal == nil {
		return d, err
	}
	d.Secret, err = t.seal.open(sealed, deviceAD(d.ID))
	return d, err
}

// Devices lists the devices without their secrets: a list is for screens.
func (t *txn) Devices() ([]app.Device, error) {
	return many(t, "devices", func(r *sql.Rows) (app.Device, error) { return scanDevice(r) },
		`SELECT `+deviceCols+` FROM devices ORDER BY id`)
}

func (t *txn) InsertDevice(d app.Device) error {
	sealed, err := t.seal.seal(d.Secret, deviceAD(d.ID))
	if err != nil {
		return err
	}
	_, err = t.insert("insert device", `INSERT INTO devices(id, name, model, location, enabled, secret) VALUES (?, ?, ?, ?, ?, ?)`,
		d.ID, d.Name, d.Model, d.Location, b2i(d.Enabled), sealed)
	return err
}

func (t *txn) UpdateDevice(d app.Device) error {
	return t.execOne("update device", `UPDATE devices SET name = ?, model = ?, location = ?, enabled = ? WHERE id = ?`,
		d.Name, d.Model, d.Location, b2i(d.Enabled), d.ID)
}

func (t *txn) NextBatchNo(deviceID string) (int64, error) {
	var n int64
	err := t.one("next batch", []any{&n}, `UPDATE devices SET next_batch = next_batch + 1 WHERE id = ? RETURNING next_batch - 1`, deviceID)
	return n, err
}

func (t *txn) SetDeviceSecret(id string, secret []byte) error {
	sealed, err := t.seal.seal(secret, deviceAD(id))
	if err != nil {
		return err
	}
	return t.execOne("set device secret", `UPDATE devices SET secret = ? WHERE id = ?`, sealed, id)
}
