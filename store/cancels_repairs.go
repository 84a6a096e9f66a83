package store

import (
	"database/sql"
	"time"

	"cardcenter/app"
)

func (t *txn) Cancel(id int64) (app.Cancel, error) {
	var c app.Cancel
	var at sql.NullInt64
	err := t.one("cancel", []any{&c.ID, &c.DeviceID, &c.Serial, &c.OrigSerial, &c.CardNo, &c.Amount, &at, &c.Status, &c.Reason, &c.RechargeID},
		`SELECT id, device_id, serial, orig_serial, card_no, amount, received_at, status, reason, COALESCE(recharge_id, 0)
		 FROM cancels WHERE id = ?`, id)
	c.ReceivedAt = fromMs(at)
	return c, err
}

func (t *txn) InsertCancel(c app.Cancel) (int64, error) {
	return t.insert("insert cancel", `INSERT INTO cancels(device_id, serial, orig_serial, card_no, amount, received_at, status, reason, recharge_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.DeviceID, c.Serial, c.OrigSerial, c.CardNo, c.Amount, ms(c.ReceivedAt), c.Status, c.Reason, nullID(c.RechargeID))
}

const repairCols = `id, recharge_id, ref, state, staff, COALESCE(desk_session, ''), card_balance_before, card_counter_before,
	COALESCE(card_balance_after, 0), COALESCE(card_counter_after, 0), started_at, finished_at`

func (t *txn) repairWhere(where string, arg any) (app.Repair, error) {
	var r app.Repair
	var started, finished sql.NullInt64
	err := t.one("repair", []any{&r.ID, &r.RechargeID, &r.Ref, &r.State, &r.Staff, &r.DeskSession, &r.CardBalanceBefore, &r.CardCounterBefore,
		&r.CardBalanceAfter, &r.CardCounterAfter, &started, &finished},
		`SELECT `+repairCols+` FROM repairs WHERE `+where, arg)
	r.StartedAt, r.FinishedAt = fromMs(started), fromMs(finished)
	return r, err
}

func (t *txn) Repair(id int64) (app.Repair, error) { return t.repairWhere(`id = ?`, id) }

func (t *txn) RepairByRecharge(rechargeID int64) (app.Repair, error) {
	return t.repairWhere(`recharge_id = ?`, rechargeID)
}

func (t *txn) InsertRepair(r app.Repair) (int64, error) {
	return t.insert("insert repair", `INSERT INTO repairs(recharge_id, ref, state, staff, desk_session, card_balance_before, card_counter_before, started_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.RechargeID, r.Ref, r.State, r.Staff, nullStr(r.DeskSession), r.CardBalanceBefore, r.CardCounterBefore, ms(r.StartedAt))
}

func (t *txn) FinishRepair(id int64, state app.RepairState, balanceAfter app.Fen, counterAfter int64, at time.Time) (bool, error) {
	return t.changed("finish repair", `UPDATE repairs SET state = ?, card_balance_after = ?, card_counter_after = ?, finished_at = ?
		WHERE id = ? AND state = 'intent'`, state, balanceAfter, counterAfter, ms(at), id)
}

func (t *txn) RepairsOfCard(cardNo string) ([]app.Repair, error) {
	return many(t, "repairs of card", scanRepairRow, `SELECT `+repairColsQualified+` FROM repairs p JOIN recharges r ON r.id = p.recharge_id
	    WHERE r.card_no = ? AND p.state <> 'intent' ORDER BY p.finished_at DESC, p.id DESC`, cardNo)
}

func scanRepairRow(r *sql.Rows) (app.Repair, error) {
	var x app.Repair
	var started, finished sql.NullInt64
	err := r.Scan(&x.ID, &x.RechargeID, &x.Ref, &x.State, &x.Staff, &x.DeskSession, &x.CardBalanceBefore, &x.CardCounterBefore,
		&x.CardBalanceAfter, &x.CardCounterAfter, &started, &finished)
	x.StartedAt, x.FinishedAt = fromMs(started), fromMs(finished)
	return x, err
}

const repairColsQualified = `p.id, p.recharge_id, p.ref, p.state, p.staff, COALESCE(p.desk_session, ''), p.card_balance_before, p.card_counter_before,
	COALESCE(p.card_balance_after, 0), COALESCE(p.card_counter_after, 0), p.started_at, p.finished_at`
