package store

import (
	"database/sql"
	"strings"
	"time"

	"cardcenter/app"
)

const rechargeCols = `id, device_id, serial, authorization_id, operator_id, card_no, amount, balance_before, counter_before,
	booked_at, settle_day, booking, card_write, COALESCE(reversal_id, 0), COALESCE(reversal_day, ''), COALESCE(cancel_id, 0),
	COALESCE(repair_id, 0), confirmed_at`

func scanRecharge(r interface{ Scan(...any) error }) (app.Recharge, error) {
	var x app.Recharge
	var at, confirmed sql.NullInt64
	err := r.Scan(&x.ID, &x.DeviceID, &x.Serial, &x.AuthorizationID, &x.OperatorID, &x.CardNo, &x.Amount, &x.BalanceBefore,
		&x.CounterBefore, &at, &x.SettleDay, &x.Booking, &x.CardWrite, &x.ReversalID, &x.ReversalDay, &x.CancelID, &x.RepairID,
		&confirmed)
	x.BookedAt, x.ConfirmedAt = fromMs(at), fromMs(confirmed)
	return x, err
}

func (t *txn) rechargeWhere(where string, args ...any) (app.Recharge, error) {
	rows, err := t.q.QueryContext(t.ctx, `SELECT `+rechargeCols+` FROM recharges WHERE `+where, args...)
	if err != nil {
		return app.Recharge{}, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return app.Recharge{}, err
		}
		return app.Recharge{}, app.ErrNoRow
	}
	return scanRecharge(rows)
}

func (t *txn) Recharge(id int64) (app.Recharge, error) {
	return t.rechargeWhere(`id = ?`, id)
}

func (t *txn) RechargeByKey(deviceID string, serial int64) (app.Recharge, error) {
	return t.rechargeWhere(`device_id = ? AND serial = ?`, deviceID, serial)
}

func (t *txn) RechargesAwaitingDesk(cardNo string) ([]app.Recharge, error) {
	return many(t, "recharges awaiting desk", func(r *sql.Rows) (app.Recharge, error) { return scanRecharge(r) },
		`SELECT `+rechargeCols+` FROM recharges
		 WHERE card_no = ? AND card_write IN ('pending', 'cancel_reported') AND booking = 'booked'
		 ORDER BY booked_at, id`, cardNo)
}

func (t *txn) OperatorDayBooked(operatorID int64, day string) (app.Fen, error) {
	var sum app.Fen
	err := t.one("operator day booked", []any{&sum},
		`SELECT COALESCE(SUM(amount), 0) FROM recharges WHERE settle_day = ? AND operator_id = ? AND booking = 'booked'`, day, operatorID)
	return sum, err
}

func (t *txn) InsertRecharge(r app.Recharge) (int64, error) {
	return t.insert("insert recharge", `INSERT INTO recharges(device_id, serial, authorization_id, operator_id, card_no, amount,
		balance_before, counter_before, booked_at, settle_day, booking, card_write) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.DeviceID, r.Serial, r.AuthorizationID, r.OperatorID, r.CardNo, r.Amount, r.BalanceBefore, r.CounterBefore,
		ms(r.BookedAt), r.SettleDay, r.Booking, r.CardWrite)
}

func (t *txn) SetCardWrite(rechargeID int64, from []app.CardWrite, to app.CardWrite) (bool, error) {
	args := []any{to, rechargeID}
	for _, f := range from {
		args = append(args, f)
	}
	marks := strings.TrimSuffix(strings.Repeat("?,", len(from)), ",")
	return t.changed("set card write", `UPDATE recharges SET card_write = ?
		WHERE id = ? AND booking = 'booked' AND card_write IN (`+marks+`)`, args...)
}

func (t *txn) UnbookRecharge(rechargeID, reversalID int64, day string) (bool, error) {
	return t.changed("unbook recharge", `UPDATE recharges SET booking = 'reversed', reversal_id = ?, reversal_day = ?
		WHERE id = ? AND booking = 'booked' AND card_write = 'pending' AND repair_id IS NULL`, reversalID, day, rechargeID)
}

func (t *txn) NoteConfirmed(rechargeID int64, at time.Time) error {
	return t.execOne("note confirmed", `UPDATE recharges SET confirmed_at = ? WHERE id = ? AND confirmed_at IS NULL`, ms(at), rechargeID)
}

func (t *txn) LinkCancel(rechargeID, cancelID int64) error {
	return t.execOne("link cancel", `UPDATE recharges SET cancel_id = ? WHERE id = ? AND cancel_id IS NULL`, cancelID, rechargeID)
}

func (t *txn) LinkRepair(rechargeID, repairID int64) error {
	return t.execOne("link repair", `UPDATE recharges SET repair_id = ? WHERE id = ? AND repair_id IS NULL`, repairID, rechargeID)
}

// AuthorizationTotals reads the session's bookings from the covering index and takes the
// rare late reversals (they count on a later day, as a line of their own) out of its
// reversals through their partial index.
func (t *txn) AuthorizationTotals(authorizationID int64) (rech, rev app.Totals, err error) {
	if err = t.one("authorization totals", []any{&rech.Count, &rech.Amount, &rev.Count, &rev.Amount},
		`SELECT COUNT(*), COALESCE(SUM(amount), 0),
		        COUNT(*) FILTER (WHERE booking = 'reversed'), COALESCE(SUM(amount) FILTER (WHERE booking = 'reversed'), 0)
		 FROM recharges WHERE authorization_id = ?`, authorizationID); err != nil {
		return
	}
	var late app.Totals
	err = t.one("authorization late reversals", []any{&late.Count, &late.Amount},
		`SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM recharges INDEXED BY recharges_late_by_reversal_day
		 WHERE reversal_day <> settle_day AND authorization_id = ?`, authorizationID)
	rev.Count -= late.Count
	rev.Amount -= late.Amount
	return
}

func (t *txn) OperatorDeviceDayTotals(operatorID int64, deviceID, day string) (rech, rev app.Totals, err error) {
	err = t.one("operator device day totals", []any{&rech.Count, &rech.Amount, &rev.Count, &rev.Amount},
		`SELECT COUNT(*), COALESCE(SUM(amount), 0),
		        COUNT(*) FILTER (WHERE booking = 'reversed' AND reversal_day = settle_day),
		        COALESCE(SUM(amount) FILTER (WHERE booking = 'reversed' AND reversal_day = settle_day), 0)
		 FROM recharges WHERE settle_day = ? AND operator_id = ? AND device_id = ?`, day, operatorID, deviceID)
	return
}
