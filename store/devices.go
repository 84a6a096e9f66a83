package store

import (
	"database/sql"

	"cardcenter/app"
)

const deviceCols = `id, name, model, location, enabled, secret`

func scanDevice(r interface{ Scan(...any) error }) (app.Device, error) {
	var d app.Device
	err := r.Scan(&d.ID, &d.Name, &d.Model, &d.Location, &d.Enabled, &d.Secret)
	return d, err
}

func (t *txn) Device(id string) (app.Device, error) {
	var d app.Device
	err := t.one("device", []any{&d.ID, &d.Name, &d.Model, &d.Location, &d.Enabled, &d.Secret},
		`SELECT `+deviceCols+` FROM devices WHERE id = ?`, id)
	return d, err
}

func (t *txn) Devices() ([]app.Device, error) {
	return many(t, "devices", func(r *sql.Rows) (app.Device, error) { return scanDevice(r) },
		`SELECT `+deviceCols+` FROM devices ORDER BY id`)
}

func (t *txn) InsertDevice(d app.Device) error {
	_, err := t.insert("insert device", `INSERT INTO devices(id, name, model, location, enabled, secret) VALUES (?, ?, ?, ?, ?, ?)`,
		d.ID, d.Name, d.Model, d.Location, b2i(d.Enabled), d.Secret)
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
	return t.execOne("set device secret", `UPDATE devices SET secret = ? WHERE id = ?`, secret, id)
}
