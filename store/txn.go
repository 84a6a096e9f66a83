package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"cardcenter/app"
	"cardcenter/store/engine"
)

// querier is what a read or write transaction can do (engine.Querier).
type querier = engine.Querier

// txn implements app.Tx (and so app.ReadTx) over one transaction.
type txn struct {
	ctx  context.Context
	q    querier
	seal *sealer // nil: opened without the seal key
}

var _ app.Tx = (*txn)(nil)

func (t *txn) exec(query string, args ...any) (sql.Result, error) {
	return t.q.ExecContext(t.ctx, query, args...)
}

// execOne runs an update that must touch exactly one row.
func (t *txn) execOne(what, query string, args ...any) error {
	res, err := t.exec(query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("%s: %w", what, app.ErrNoRow)
	}
	return nil
}

// changed runs a conditional update and reports whether it touched a row.
func (t *txn) changed(what, query string, args ...any) (bool, error) {
	res, err := t.exec(query, args...)
	if err != nil {
		return false, fmt.Errorf("%s: %w", what, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (t *txn) insert(what, query string, args ...any) (int64, error) {
	res, err := t.exec(query, args...)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return res.LastInsertId()
}

// one scans a single row, mapping "no rows" to app.ErrNoRow.
func (t *txn) one(what string, dest []any, query string, args ...any) error {
	rows, err := t.q.QueryContext(t.ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return app.ErrNoRow
	}
	if err := rows.Scan(dest...); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// many scans every row with scan.
func many[T any](t *txn, what string, scan func(*sql.Rows) (T, error), query string, args ...any) ([]T, error) {
	rows, err := t.q.QueryContext(t.ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// Times are stored as Unix milliseconds (UTC); zero time is NULL.
func ms(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func fromMs(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64)
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
