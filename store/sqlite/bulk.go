package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"

	"cardcenter/store/engine"
)

// Bulk is the bulk loader's engine on SQLite (cardcenter gen): rows go in as they are,
// ids included, through prepared statements in large transactions, with synchronous=OFF
// and the rollback journal in memory: a crash during the load loses the file, which is why
// a bulk load only ever creates a new one. Every CHECK, trigger, unique index and foreign key
// of the schema still applies to every row. The plain indexes of recharges are built at
// Close, by one sort each, rather than kept up to date row by row: a card's recharges are
// spread over the whole history, so its index takes every insert at a random place. Close
// puts the file back to WAL, with exactly the schema Open makes; open it with Open for the
// durable settings.
type Bulk struct {
	path   string
	db     *sql.DB
	tx     *sql.Tx
	stmts  map[string]*sql.Stmt
	rows   int
	txRows int
	// deferred are the CREATE statements of the indexes dropped for the load.
	deferred []string
}

// NewBulk begins a bulk load of the new ledger file at path, whose schema Open made and
// which holds no row: txRows rows to a transaction, a page cache of cacheMiB.
func NewBulk(path string, txRows, cacheMiB int) (*Bulk, error) {
	if txRows <= 0 {
		txRows = 500_000
	}
	if cacheMiB <= 0 {
		cacheMiB = 1024
	}
	// One goroutine uses the connection: SQLite's own mutexes (taken on every call) are
	// not needed.
	db, err := sql.Open("sqlite3", DSN(path, true, true)+"&_mutex=no")
	if err != nil {
		return nil, fmt.Errorf("bulk open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	b := &Bulk{path: path, db: db, txRows: txRows}
	for _, p := range []string{
		`PRAGMA journal_mode = MEMORY`, // each page is written once, not to the WAL and again
		`PRAGMA synchronous = OFF`,
		fmt.Sprintf(`PRAGMA cache_size = %d`, -cacheMiB*1024),
		`PRAGMA temp_store = MEMORY`,
		`PRAGMA locking_mode = EXCLUSIVE`,
	} {
		if _, err := db.Exec(p); err != nil {
			db.Close()
			return nil, fmt.Errorf("bulk %s: %w", p, err)
		}
	}
	if err := b.deferIndexes(); err != nil {
		db.Close()
		return nil, err
	}
	if err := b.begin(); err != nil {
		db.Close()
		return nil, err
	}
	return b, nil
}

// deferIndexes drops the non-unique, non-partial indexes of recharges (unique ones are
// constraints and stay) and keeps their definitions for Close.
func (b *Bulk) deferIndexes() (err error) {
	b.deferred, err = engine.DeferIndexes(context.Background(), b.db, `SELECT m.name, m.sql FROM sqlite_master m JOIN pragma_index_list('recharges') l ON l.name = m.name
		WHERE m.type = 'index' AND l."unique" = 0 AND l.partial = 0 AND l.origin = 'c' ORDER BY m.name`,
		func(name string) string { return name })
	return err
}

func (b *Bulk) begin() error {
	tx, err := b.db.BeginTx(context.Background(), nil)
	if err != nil {
		return fmt.Errorf("bulk begin: %w", err)
	}
	b.tx, b.stmts, b.rows = tx, map[string]*sql.Stmt{}, 0
	return nil
}

// Insert runs one insert.
func (b *Bulk) Insert(query string, args []any) error {
	_, err := b.run(query, args)
	return err
}

// Update runs one update and reports the rows it changed.
func (b *Bulk) Update(query string, args []any) (int64, error) {
	return b.run(query, args)
}

func (b *Bulk) run(query string, args []any) (int64, error) {
	st, ok := b.stmts[query]
	if !ok {
		var err error
		if st, err = b.tx.Prepare(query); err != nil {
			return 0, fmt.Errorf("prepare: %w", err)
		}
		b.stmts[query] = st
	}
	res, err := st.Exec(args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return n, err
	}
	if b.rows++; b.rows >= b.txRows {
		return n, b.Flush()
	}
	return n, nil
}

// Flush ends the current transaction and starts the next.
func (b *Bulk) Flush() error {
	if err := b.tx.Commit(); err != nil {
		return fmt.Errorf("bulk commit: %w", err)
	}
	return b.begin()
}

// Close builds the deferred indexes, commits, puts the file back into WAL mode and closes
// it.
func (b *Bulk) Close() error {
	var err error
	for _, create := range b.deferred {
		if _, err = b.tx.Exec(create); err != nil {
			err = fmt.Errorf("bulk: %s: %w", create, err)
			break
		}
	}
	if err == nil {
		err = b.tx.Commit()
	}
	if err == nil {
		// locking_mode=EXCLUSIVE must be left before WAL can be entered again.
		_, err = b.db.Exec(`PRAGMA locking_mode = NORMAL`)
	}
	if err == nil {
		var mode string
		if err = b.db.QueryRow(`PRAGMA journal_mode = WAL`).Scan(&mode); err == nil && mode != "wal" {
			err = fmt.Errorf("journal_mode is %s, want wal", mode)
		}
	}
	if err == nil {
		err = b.db.Close()
	}
	return err
}

// Abort gives up the load and removes the file.
func (b *Bulk) Abort() {
	if b.tx != nil {
		b.tx.Rollback()
	}
	b.db.Close()
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		os.Remove(b.path + suffix)
	}
}
