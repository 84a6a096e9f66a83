package store

import (
	"database/sql"
	"time"

	"cardcenter/app"
)

func scanReportRow(r *sql.Rows) (app.ReportRow, error) {
	var x app.ReportRow
	err := r.Scan(&x.Day, &x.OperatorID, &x.OpNo, &x.OperatorName, &x.Recharges.Count, &x.Recharges.Amount,
		&x.Reversals.Count, &x.Reversals.Amount, &x.Cancels)
	return x, err
}

// LiveReport reads only the recharges_day_operator index (it covers every column used).
func (t *txn) LiveReport(from, to string) ([]app.ReportRow, error) {
	return many(t, "live report", scanReportRow,
		`SELECT g.settle_day, g.operator_id, o.op_no, o.name, g.n, g.amount, g.rn, g.ramount, g.cn
		 FROM (SELECT settle_day, operator_id, COUNT(*) AS n, SUM(amount) AS amount,
		              COUNT(*) FILTER (WHERE booking = 'reversed') AS rn,
		              COALESCE(SUM(amount) FILTER (WHERE booking = 'reversed'), 0) AS ramount,
		              COUNT(cancel_id) AS cn
		       FROM recharges WHERE settle_day BETWEEN ? AND ?
		       GROUP BY settle_day, operator_id) g
		 JOIN operators o ON o.id = g.operator_id
		 ORDER BY g.settle_day, o.op_no`, from, to)
}

func (t *txn) SettledReport(from, to string) ([]app.ReportRow, error) {
	rows, err := many(t, "settled report", scanReportRow,
		`SELECT s.day, s.operator_id, o.op_no, o.name, s.recharge_count, s.recharge_amount, s.reversal_count, s.reversal_amount, s.cancel_count
		 FROM settled_report s JOIN operators o ON o.id = s.operator_id
		 WHERE s.day BETWEEN ? AND ? ORDER BY s.day, o.op_no`, from, to)
	for i := range rows {
		rows[i].Settled = true
	}
	return rows, err
}

func (t *txn) IsSettled(day string) (bool, error) {
	var n int
	err := t.one("is settled", []any{&n}, `SELECT COUNT(*) FROM settled_days WHERE day = ?`, day)
	return n > 0, err
}

func (t *txn) LastSettledDay() (string, bool, error) {
	var d sql.NullString
	err := t.one("last settled day", []any{&d}, `SELECT MAX(day) FROM settled_days`)
	return d.String, d.Valid, err
}

func (t *txn) SettledDays(from, to string) ([]string, error) {
	return many(t, "settled days", func(r *sql.Rows) (string, error) {
		var d string
		return d, r.Scan(&d)
	}, `SELECT day FROM settled_days WHERE day BETWEEN ? AND ? ORDER BY day`, from, to)
}

// FirstUnsettledDay relies on days being settled in order: every day up to the last
// settled one is settled, so the answer is the first recharge day after it.
func (t *txn) FirstUnsettledDay() (string, bool, error) {
	var d sql.NullString
	err := t.one("first unsettled day", []any{&d},
		`SELECT MIN(settle_day) FROM recharges WHERE settle_day > COALESCE((SELECT MAX(day) FROM settled_days), '')`)
	return d.String, d.Valid, err
}

func (t *txn) InsertSettlement(day string, at time.Time, by string, rows []app.ReportRow) error {
	if _, err := t.insert("insert settled day", `INSERT INTO settled_days(day, settled_at, settled_by, operator_rows) VALUES (?, ?, ?, ?)`,
		day, ms(at), by, len(rows)); err != nil {
		return err
	}
	for _, r := range rows {
		if _, err := t.insert("insert settled row", `INSERT INTO settled_report(day, operator_id, recharge_count, recharge_amount,
			reversal_count, reversal_amount, cancel_count) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			day, r.OperatorID, r.Recharges.Count, r.Recharges.Amount, r.Reversals.Count, r.Reversals.Amount, r.Cancels); err != nil {
			return err
		}
	}
	return nil
}
