package store

import (
	"database/sql"
	"sort"
	"time"

	"cardcenter/app"
)

func scanReportRow(r *sql.Rows) (app.ReportRow, error) {
	var x app.ReportRow
	err := r.Scan(&x.Day, &x.OperatorID, &x.OpNo, &x.OperatorName, &x.Recharges.Count, &x.Recharges.Amount,
		&x.Reversals.Count, &x.Reversals.Amount, &x.Cancels, &x.LateReversals.Count, &x.LateReversals.Amount,
		&x.Adjustments.Count, &x.Adjustments.Amount)
	return x, err
}

// dayOp is one line of the report: an operator on a settlement day.
type dayOp struct {
	day string
	op  int64
}

type dayOpTotals struct {
	key   dayOp
	opNo  string
	name  string
	count int64
	sum   app.Fen
}

func scanDayOpTotals(r *sql.Rows) (dayOpTotals, error) {
	var x dayOpTotals
	err := r.Scan(&x.key.day, &x.key.op, &x.opNo, &x.name, &x.count, &x.sum)
	return x, err
}

// lateReversals totals by day and operator the reversals processed after the day of their
// recharge, on the days from..to of the recharges' column day: settle_day (the day of the
// recharge) or reversal_day (the day the reversal was processed).
func (t *txn) lateReversals(what, day, from, to string) ([]dayOpTotals, error) {
	return many(t, what, scanDayOpTotals,
		`SELECT r.`+day+`, r.operator_id, o.op_no, o.name, COUNT(*), SUM(r.amount)
		 FROM recharges r JOIN operators o ON o.id = r.operator_id
		 WHERE r.`+day+` BETWEEN ? AND ? AND r.reversal_day <> r.settle_day
		 GROUP BY r.`+day+`, r.operator_id, o.op_no, o.name`, from, to)
}

// LiveReport computes the report from raw rows. The day's bookings and their reversals come
// from the recharges_day_operator index alone (it covers every column used); the rare late
// reversals and the cash adjustments from partial indexes of their own.
func (t *txn) LiveReport(from, to string) ([]app.ReportRow, error) {
	rows, err := many(t, "live report", scanReportRow,
		`SELECT g.settle_day, g.operator_id, o.op_no, o.name, g.n, g.amount, g.rn, g.ramount, g.cn, 0, 0, 0, 0
		 FROM (SELECT settle_day, operator_id, COUNT(*) AS n, SUM(amount) AS amount,
		              COUNT(*) FILTER (WHERE booking = 'reversed') AS rn,
		              COALESCE(SUM(amount) FILTER (WHERE booking = 'reversed'), 0) AS ramount,
		              COUNT(cancel_id) AS cn
		       FROM recharges WHERE settle_day BETWEEN ? AND ?
		       GROUP BY settle_day, operator_id) g
		 JOIN operators o ON o.id = g.operator_id
		 ORDER BY g.settle_day, o.op_no`, from, to)
	if err != nil {
		return nil, err
	}
	at := map[dayOp]int{}
	for i, r := range rows {
		at[dayOp{r.Day, r.OperatorID}] = i
	}
	line := func(x dayOpTotals) *app.ReportRow {
		i, ok := at[x.key]
		if !ok {
			rows = append(rows, app.ReportRow{Day: x.key.day, OperatorID: x.key.op, OpNo: x.opNo, OperatorName: x.name})
			i = len(rows) - 1
			at[x.key] = i
		}
		return &rows[i]
	}
	// A reversal processed after its day was settled counts on the day it was processed:
	// take it out of its recharge's day (which, settled, shows its frozen figures anyway)...
	lateOut, err := t.lateReversals("late reversals by recharge day", "settle_day", from, to)
	if err != nil {
		return nil, err
	}
	for _, x := range lateOut {
		row := line(x)
		row.Reversals.Count -= x.count
		row.Reversals.Amount -= x.sum
	}
	// ... and put it on the day it was processed, as a line of its own.
	lateIn, err := t.lateReversals("late reversals by reversal day", "reversal_day", from, to)
	if err != nil {
		return nil, err
	}
	for _, x := range lateIn {
		row := line(x)
		row.LateReversals = app.Totals{Count: x.count, Amount: x.sum}
	}
	adjustments, err := many(t, "cash adjustments", scanDayOpTotals,
		`SELECT d.day, d.operator_id, o.op_no, o.name, COUNT(*), SUM(d.amount)
		 FROM case_decisions d JOIN operators o ON o.id = d.operator_id
		 WHERE d.kind = 'adjustment' AND d.day BETWEEN ? AND ?
		 GROUP BY d.day, d.operator_id, o.op_no, o.name`, from, to)
	if err != nil {
		return nil, err
	}
	for _, x := range adjustments {
		row := line(x)
		row.Adjustments = app.Totals{Count: x.count, Amount: x.sum}
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Day != rows[j].Day {
			return rows[i].Day < rows[j].Day
		}
		return rows[i].OpNo < rows[j].OpNo
	})
	return rows, nil
}

func (t *txn) SettledReport(from, to string) ([]app.ReportRow, error) {
	rows, err := many(t, "settled report", scanReportRow,
		`SELECT s.day, s.operator_id, o.op_no, o.name, s.recharge_count, s.recharge_amount, s.reversal_count, s.reversal_amount,
		        s.cancel_count, s.late_reversal_count, s.late_reversal_amount, s.adjustment_count, s.adjustment_amount
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
// settled one is settled, so the answer is the first day after it that has something to
// count — a recharge, a late reversal or a cash adjustment.
func (t *txn) FirstUnsettledDay() (string, bool, error) {
	var d sql.NullString
	err := t.one("first unsettled day", []any{&d},
		`WITH last(day) AS (SELECT COALESCE(MAX(day), '') FROM settled_days)
		 SELECT MIN(day) FROM (
		   SELECT MIN(settle_day) AS day FROM recharges WHERE settle_day > (SELECT day FROM last)
		   UNION ALL
		   SELECT MIN(reversal_day) FROM recharges WHERE reversal_day <> settle_day AND reversal_day > (SELECT day FROM last)
		   UNION ALL
		   SELECT MIN(day) FROM case_decisions WHERE kind = 'adjustment' AND day > (SELECT day FROM last)) AS firsts`)
	return d.String, d.Valid, err
}

func (t *txn) InsertSettlement(day string, at time.Time, by string, rows []app.ReportRow) error {
	if _, err := t.insert("insert settled day", `INSERT INTO settled_days(day, settled_at, settled_by, operator_rows) VALUES (?, ?, ?, ?)`,
		day, ms(at), by, len(rows)); err != nil {
		return err
	}
	for _, r := range rows {
		if _, err := t.insert("insert settled row", `INSERT INTO settled_report(day, operator_id, recharge_count, recharge_amount,
			reversal_count, reversal_amount, cancel_count, late_reversal_count, late_reversal_amount, adjustment_count,
			adjustment_amount) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			day, r.OperatorID, r.Recharges.Count, r.Recharges.Amount, r.Reversals.Count, r.Reversals.Amount, r.Cancels,
			r.LateReversals.Count, r.LateReversals.Amount, r.Adjustments.Count, r.Adjustments.Amount); err != nil {
			return err
		}
	}
	return nil
}
