// Package engine holds what the ledger's two engines (store/sqlite, store/postgres) and the
// store above them share: the querier a transaction gives the store's statements, and the
// bulk load's deferral of the plain indexes. It knows no dialect and no row of the ledger.
package engine

import (
	"context"
	"database/sql"
	"fmt"
)

// Querier is what a read or write transaction gives the store's statements. (No QueryRow:
// the writer must be able to refuse a statement, and a *sql.Row cannot carry an error made
// outside it.)
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// DeferIndexes drops the indexes that the query list names, a row each of the index's
// name and the statement that creates it, and returns those statements, for the bulk load
// to run at its end (one sort an index rather than an update a row). quote makes a name
// fit for the engine's DROP INDEX.
func DeferIndexes(ctx context.Context, q Querier, list string, quote func(name string) string) ([]string, error) {
	rows, err := q.QueryContext(ctx, list)
	if err != nil {
		return nil, fmt.Errorf("bulk: list indexes: %w", err)
	}
	var names, creates []string
	for rows.Next() {
		var name, create string
		if err := rows.Scan(&name, &create); err != nil {
			rows.Close()
			return nil, fmt.Errorf("bulk: list indexes: %w", err)
		}
		names, creates = append(names, name), append(creates, create)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("bulk: list indexes: %w", err)
	}
	for _, name := range names {
		if _, err := q.ExecContext(ctx, `DROP INDEX `+quote(name)); err != nil {
			return nil, fmt.Errorf("bulk: drop index %s: %w", name, err)
		}
	}
	return creates, nil
}
