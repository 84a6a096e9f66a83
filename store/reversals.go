package store

import (
	"database/sql"
	"time"

	"cardcenter/app"
)

const reversalCols = `id, device_id, serial, orig_device_id, orig_serial, card_no, amount, received_at, apply_after, status,
	reason, COALESCE(recharge_id, 0), processed_at`

func scanReversal(r interface{ Scan(...any) error }) (app.Reversal, error) {
	var x app.Reversal
	var recv, after, done sql.NullInt64
	err := r.Scan(&x.ID, &x.DeviceID, &x.Serial, &x.OrigDeviceID, &x.OrigSerial, &x.CardNo, &x.Amount, &recv, &after, &x.Status,
		&x.Reason, &x.RechargeID, &done)
	x.ReceivedAt, x.ApplyAfter, x.ProcessedAt = fromMs(recv), fromMs(after), fromMs(done)
	return x, err
}

func (t *txn) Reversal(id int64) (app.Reversal, error) {
	rs, err := many(t, "reversal", func(r *sql.Rows) (app.Reversal, error) { return scanReversal(r) },
		`SELECT `+reversalCols+` FROM reversals WHERE id = ?`, id)
	if err != nil {
		return app.Reversal{}, err
	}
	if len(rs) == 0 {
		return app.Reversal{}, app.ErrNoRow
	}
	return rs[0], nil
}

func (t *txn) ReversalByKey(deviceID string, serial int64) (app.Reversal, error) {
	rs, err := many(t, "reversal by key", func(r *sql.Rows) (app.Reversal, error) { return scanReversal(r) },
		`SELECT `+reversalCols+` FROM reversals WHERE device_id = ? AND serial = ?`, deviceID, serial)
	if err != nil {
		return app.Reversal{}, err
	}
	if len(rs) == 0 {
		return app.Reversal{}, app.ErrNoRow
	}
	return rs[0], nil
}

func (t *txn) ReversalsNaming(origDeviceID string, origSerial int64) ([]app.Reversal, error) {
	return many(t, "reversals naming", func(r *sql.Rows) (app.Reversal, error) { return scanReversal(r) },
		`SELECT `+reversalCols+` FROM reversals WHERE orig_device_id = ? AND orig_serial = ? ORDER BY id`, origDeviceID, origSerial)
}

func (t *txn) DueReversals(now time.Time, limit int) ([]app.Reversal, error) {
	return many(t, "due reversals", func(r *sql.Rows) (app.Reversal, error) { return scanReversal(r) },
		`SELECT `+reversalCols+` FROM reversals WHERE status = 'pending' AND apply_after <= ? ORDER BY apply_after, id LIMIT ?`,
		now.UnixMilli(), limit)
}

func (t *txn) PendingReversals() (int64, error) {
	var n int64
	err := t.one("pending reversals", []any{&n}, `SELECT COUNT(*) FROM reversals WHERE status = 'pending'`)
	return n, err
}

// PendingReversalsForDay starts from the few pending reversals (CROSS JOIN fixes the
// order): left to itself SQLite walked every recharge of the day instead.
func (t *txn) PendingReversalsForDay(day string) (int64, error) {
	var n int64
	err := t.one("pending reversals of day", []any{&n},
		`SELECT COUNT(*) FROM reversals v CROSS JOIN recharges r ON r.device_id = v.orig_device_id AND r.serial = v.orig_serial
		 WHERE v.status = 'pending' AND r.settle_day = ?`, day)
	return n, err
}

func (t *txn) InsertReversal(r app.Reversal) (int64, error) {
	return t.insert("insert reversal", `INSERT INTO reversals(device_id, serial, orig_device_id, orig_serial, card_no, amount,
		received_at, apply_after, status, reason, recharge_id, processed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.DeviceID, r.Serial, r.OrigDeviceID, r.OrigSerial, r.CardNo, r.Amount, ms(r.ReceivedAt), ms(r.ApplyAfter), r.Status,
		r.Reason, nullID(r.RechargeID), ms(r.ProcessedAt))
}

func (t *txn) FinishReversal(id int64, status app.ReversalStatus, reason app.Code, rechargeID int64, at time.Time) error {
	return t.execOne("finish reversal", `UPDATE reversals SET status = ?, reason = ?, recharge_id = ?, processed_at = ?
		WHERE id = ? AND status = 'pending'`, status, reason, nullID(rechargeID), ms(at), id)
}
