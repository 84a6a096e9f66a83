package store

import (
	"context"
	"database/sql"
	"fmt"

	"cardcenter/app"
)

// afterMigrations is what an engine runs on its writer once the schema is current: the card
// statuses of this program, then the seal key's check.
func afterMigrations(seal *sealer, hasCardStatuses bool) func(*sql.DB) error {
	return func(db *sql.DB) error {
		if err := syncCardStatuses(db, hasCardStatuses); err != nil {
			return err
		}
		return checkSealKey(db, seal)
	}
}

// syncCardStatuses adds to the card_statuses table every status of app.CardStatuses it
// lacks, so that a status added to that table (app/cardstatus.go) needs no migration while
// cards.status still refuses a value no program knows. Rows are only added: a status an
// older program does not know stays, for the cards that carry it (it may do nothing:
// app.CardStatus.Rule refuses an unknown status every use).
//
// It runs after the migrations, on the writer; on a ledger opened at an earlier schema
// (tests of upgrades) the table may not exist yet, and then there is nothing to fill.
func syncCardStatuses(db *sql.DB, schemaHasTable bool) error {
	if !schemaHasTable {
		return nil
	}
	codes, err := cardStatusCodes(context.Background(), db)
	if err != nil {
		return err
	}
	have := map[app.CardStatus]bool{}
	for _, c := range codes {
		have[app.CardStatus(c)] = true
	}
	for _, r := range app.CardStatuses {
		if have[r.Status] {
			continue
		}
		// Another host or process opening the ledger at the same moment may add it first.
		if _, err := db.Exec(`INSERT INTO card_statuses(code) VALUES ($1) ON CONFLICT (code) DO NOTHING`, string(r.Status)); err != nil {
			return fmt.Errorf("card status %s: %w", r.Status, err)
		}
	}
	return nil
}

// cardStatusCodes lists the statuses a ledger allows (q: its pool, or a transaction on it).
func cardStatusCodes(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT code FROM card_statuses ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("card statuses: %w", err)
	}
	defer rows.Close()
	var codes []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("card statuses: %w", err)
		}
		codes = append(codes, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("card statuses: %w", err)
	}
	return codes, nil
}
