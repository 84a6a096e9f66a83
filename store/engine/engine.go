// Package engine holds what the ledger's two engines (store/sqlite, store/postgres) and the
// store above them share: the querier a transaction gives the store's statements. It knows
// no dialect and no row of the ledger.
package engine

import (
	"context"
	"database/sql"
)

// Querier is what a read or write transaction gives the store's statements. (No QueryRow:
// the writer must be able to refuse a statement, and a *sql.Row cannot carry an error made
// outside it.)
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}
