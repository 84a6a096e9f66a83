package store

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"cardcenter/app"
)

// PGSerializable makes a PostgreSQL store's Update run SERIALIZABLE with retries instead of
// under the writer's lock: for the benchmark that compares the two.
func PGSerializable(o Options) Options {
	o.pgSerializable = true
	return o
}

// PGRetries: serialization failures retried so far.
func (s *Store) PGRetries() int64 { return s.pg.Retries() }

// PGPlans runs call on a read transaction of a PostgreSQL store, records the statements it
// runs (as plan_test.go records SQLite's) and returns the plan of each, as EXPLAIN (FORMAT
// JSON) gives it for the same arguments.
func PGPlans(st *Store, call func(tx app.Tx)) ([]string, error) {
	if st.pg == nil {
		return nil, fmt.Errorf("not a PostgreSQL store")
	}
	ctx := context.Background()
	tx, err := st.pg.Pool().BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rec := &recorder{querier: tx}
	call(&txn{ctx: ctx, q: rec, seal: st.seal})
	if len(rec.got) == 0 {
		return nil, fmt.Errorf("the call ran no statement")
	}
	var plans []string
	for _, q := range rec.got {
		rows, err := tx.QueryContext(ctx, "EXPLAIN (FORMAT JSON) "+q.query, q.args...)
		if err != nil {
			return nil, fmt.Errorf("explain %.80s: %w", q.query, err)
		}
		for rows.Next() {
			var plan string
			if err := rows.Scan(&plan); err != nil {
				rows.Close()
				return nil, err
			}
			plans = append(plans, plan)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return plans, nil
}

// QueryColumn is the one column of text query lists (a catalog's tables, a table's codes).
func QueryColumn(t testing.TB, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}
