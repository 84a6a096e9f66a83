// Package sqlite is the SQLite engine of the ledger (github.com/mattn/go-sqlite3), the
// embedded default for one machine: its files (files.go, probe.go), its migrations
// (migrations.go) and the conversions of older ledgers (convert.go), its durable settings,
// its single writer (writer.go) and its bulk load (bulk.go). The store
// package (store.Open, for a path) runs its statements through it; nothing here knows the
// ledger's rows.
//
// Durability: WAL with synchronous=FULL (mattn would silently use NORMAL under WAL, which can
// lose an acknowledged commit on power loss), one writer connection whose transactions are
// BEGIN IMMEDIATE, and a separate pool of read-only connections for reports.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	sqlite3 "github.com/mattn/go-sqlite3"

	"cardcenter/app"
	"cardcenter/store/engine"
)

// MinVersion: earlier versions have the WAL-reset corruption bug.
const MinVersion = "3.51.3"

// Options tune Open.
type Options struct {
	// Create makes a new database if the file does not exist; otherwise a missing file
	// is refused (DATABASE_MISSING) rather than silently created empty.
	Create bool
	// MaxBatch bounds how many write transactions of callers share one commit (group
	// commit). 1 disables grouping. 0 means the default.
	MaxBatch int
	// ReadConns is the size of the read pool. 0 means the default.
	ReadConns int
	// MigrateTo stops migrations at a version (tests of upgrades from every version).
	MigrateTo int
	// BulkLoad trades durability for speed while generating a site: synchronous=OFF.
	BulkLoad bool
	// Seal seals the secrets of a ledger written before they were sealed (convert.go); nil
	// without the site key, which such a ledger then refuses (SITE_KEY_NEEDED).
	Seal Sealer
	// Check runs on the writer after the migrations and conversions (the store's seal key
	// check); an error refuses the open.
	Check func(*sql.DB) error
}

// DB is an open SQLite ledger.
type DB struct {
	write  *sql.DB // exactly one connection
	read   *sql.DB
	writer *groupWriter
}

// DSN is the driver address of the ledger at path for the writer's connection or a
// reader's, with the durable settings (or synchronous=OFF for a bulk load).
func DSN(path string, write, bulk bool) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	if bulk {
		q.Set("_synchronous", "OFF")
	}
	q.Set("_busy_timeout", "10000")
	q.Set("_foreign_keys", "1")
	// Off by default and per connection: with it off, the rows an INSERT OR REPLACE deletes
	// fire no DELETE trigger, and the append-only guards would not hear of them.
	q.Set("_recursive_triggers", "1")
	// Keep prepared statements per connection: a Recharge runs about a dozen statements
	// and preparing each one anew (parse, plan, triggers, foreign keys) cost more CPU on
	// the single writer than running it.
	q.Set("_stmt_cache_size", "64")
	if write {
		q.Set("_txlock", "immediate")
	} else {
		q.Set("_txlock", "deferred")
		q.Set("_query_only", "1")
	}
	return "file:" + url.PathEscape(path) + "?" + q.Encode()
}

// Open opens (and migrates) the ledger file at path.
func Open(path string, opt Options) (*DB, error) {
	if path == "" {
		return nil, app.E(app.CodeBadInput, "empty database path")
	}
	if fi, err := os.Stat(path); errors.Is(err, os.ErrNotExist) && !opt.Create {
		return nil, app.E(app.CodeDatabaseMissing, "%s", path)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("open %s: %w", path, err)
	} else if err == nil && fi.Size() == 0 && !opt.Create {
		// A ledger that was truncated must not silently start over empty.
		return nil, app.E(app.CodeDatabaseCorrupt, "%s is an empty file", path)
	}
	if err := privateFiles(path, opt.Create); err != nil {
		return nil, err
	}
	if err := probeExisting(path); err != nil {
		return nil, err
	}
	w, err := sql.Open("sqlite3", DSN(path, true, opt.BulkLoad))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	d := &DB{write: w}
	if err := d.checkWriter(opt.BulkLoad); err != nil {
		w.Close()
		return nil, classify(path, err)
	}
	to := SchemaVersion
	if opt.MigrateTo > 0 {
		to = opt.MigrateTo
	}
	if err := migrate(w, to); err != nil {
		w.Close()
		return nil, classify(path, err)
	}
	if err := runConversions(w, opt.Seal); err != nil {
		w.Close()
		return nil, classify(path, err)
	}
	if opt.Check != nil {
		if err := opt.Check(w); err != nil {
			w.Close()
			return nil, classify(path, err)
		}
	}
	r, err := sql.Open("sqlite3", DSN(path, false, false))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s for reading: %w", path, err)
	}
	n := opt.ReadConns
	if n <= 0 {
		n = 4
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	d.read = r
	if err := d.checkReader(); err != nil {
		r.Close()
		w.Close()
		return nil, classify(path, err)
	}
	batch := opt.MaxBatch
	if batch <= 0 {
		batch = 256
	}
	d.writer = newGroupWriter(w, batch)
	return d, nil
}

// classify turns SQLite's "not a database" family into the typed refusal.
func classify(path string, err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) && (se.Code == sqlite3.ErrNotADB || se.Code == sqlite3.ErrCorrupt) {
		return app.E(app.CodeDatabaseCorrupt, "%s: %v", path, err)
	}
	if _, ok := app.AsError(err); ok {
		return err
	}
	return fmt.Errorf("open %s: %w", path, err)
}

// checkWriter verifies the SQLite library and that the durability pragmas took.
func (d *DB) checkWriter(bulk bool) error {
	var version string
	if err := d.write.QueryRow(`SELECT sqlite_version()`).Scan(&version); err != nil {
		return err
	}
	if VersionLess(version, MinVersion) {
		return app.E(app.CodeSQLiteTooOld, "have %s, need ≥ %s", version, MinVersion)
	}
	var mode string
	var syncLevel, fk, rt int
	if err := d.write.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		return err
	}
	if err := d.write.QueryRow(`PRAGMA synchronous`).Scan(&syncLevel); err != nil {
		return err
	}
	if err := d.write.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil {
		return err
	}
	if err := d.write.QueryRow(`PRAGMA recursive_triggers`).Scan(&rt); err != nil {
		return err
	}
	wantSync := 2 // FULL
	if bulk {
		wantSync = 0
	}
	if strings.ToLower(mode) != "wal" || syncLevel != wantSync || fk != 1 || rt != 1 {
		return fmt.Errorf("pragmas did not take: journal_mode=%s synchronous=%d foreign_keys=%d recursive_triggers=%d", mode, syncLevel, fk, rt)
	}
	return nil
}

// checkReader verifies that the read pool's connections took their pragmas.
func (d *DB) checkReader() error {
	var qo, fk, rt int
	if err := d.read.QueryRow(`SELECT (SELECT query_only FROM pragma_query_only), (SELECT foreign_keys FROM pragma_foreign_keys),
		(SELECT recursive_triggers FROM pragma_recursive_triggers)`).Scan(&qo, &fk, &rt); err != nil {
		return err
	}
	if qo != 1 || fk != 1 || rt != 1 {
		return fmt.Errorf("read pragmas did not take: query_only=%d foreign_keys=%d recursive_triggers=%d", qo, fk, rt)
	}
	return nil
}

// VersionLess compares dotted versions numerically.
func VersionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y int
		if i < len(pa) {
			fmt.Sscanf(pa[i], "%d", &x)
		}
		if i < len(pb) {
			fmt.Sscanf(pb[i], "%d", &y)
		}
		if x != y {
			return x < y
		}
	}
	return false
}

// Version returns the version of the SQLite library in use.
func (d *DB) Version() (string, error) {
	var v string
	err := d.read.QueryRow(`SELECT sqlite_version()`).Scan(&v)
	return v, err
}

// SchemaHave is the version of the file's schema (PRAGMA user_version).
func (d *DB) SchemaHave(ctx context.Context) (int, error) {
	var have int
	err := d.read.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&have)
	return have, err
}

// Writer is the writer's one connection, Reader the read pool: for the store's own
// statements outside a use case (moving a site, tests).
func (d *DB) Writer() *sql.DB { return d.write }

// Reader: see Writer.
func (d *DB) Reader() *sql.DB { return d.read }

// Queued is how many callers wait for the writer (tests that line callers up).
func (d *DB) Queued() int { return len(d.writer.reqs) }

// Close finishes queued writes and closes the database.
func (d *DB) Close() error {
	d.writer.close()
	return errors.Join(d.read.Close(), d.write.Close())
}

// Update runs fn in a durable write transaction, through the group writer; fn gets the
// transaction's context and its querier.
func (d *DB) Update(ctx context.Context, fn func(context.Context, engine.Querier) error) error {
	return d.writer.do(ctx, fn)
}

// View runs fn on a read snapshot.
func (d *DB) View(ctx context.Context, fn func(context.Context, engine.Querier) error) error {
	tx, err := d.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer tx.Rollback()
	return fn(ctx, tx)
}

func migrate(db *sql.DB, to int) error {
	var have int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&have); err != nil {
		return err
	}
	if have > len(migrations) {
		return app.E(app.CodeDatabaseTooOld, "schema %d, this program knows %d", have, len(migrations))
	}
	for v := have; v < to; v++ {
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		if _, err := tx.Exec(migrations[v]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
		if _, err := tx.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, v+1)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
	}
	return nil
}
