// Package store is cardcenter's ledger on SQLite (github.com/mattn/go-sqlite3): the schema
// and its migrations, and every SQL statement of the program. It implements app.Store.
//
// Durability: WAL with synchronous=FULL (mattn would silently use NORMAL under WAL, which can
// lose an acknowledged commit on power loss), one writer connection whose transactions are
// BEGIN IMMEDIATE, and a separate pool of read-only connections for reports.
package store

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
	"cardcenter/store/postgres"
)

// MinSQLiteVersion: earlier versions have the WAL-reset corruption bug.
const MinSQLiteVersion = "3.51.3"

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
	// SealKey (SealKeyLen bytes, derived from the site key: cardio.SiteKey.LedgerSealKey)
	// seals device secrets and authorization answers at rest. Without it the ledger opens
	// for reports, but cannot register a device, authenticate a POS or replay an
	// authorization; a ledger of an earlier version whose secrets are still in the clear is
	// refused (SITE_KEY_NEEDED) until it is opened once with the key.
	SealKey []byte
	// migrateTo stops migrations at a version (tests of upgrades from every version).
	migrateTo int
	// bulkLoad trades durability for speed while generating a site: synchronous=OFF.
	bulkLoad bool
	// pgSerializable: Update runs SERIALIZABLE with retries on PostgreSQL (the benchmark
	// that compares it with the writer's lock).
	pgSerializable bool
}

// Store is the SQLite ledger.
type Store struct {
	path   string
	seal   *sealer
	write  *sql.DB // exactly one connection
	read   *sql.DB
	writer *groupWriter

	// pg is a PostgreSQL ledger (store/postgres); write, read and writer are then nil.
	pg *postgres.DB
}

var _ app.Store = (*Store)(nil)

func dsn(path string, write, bulk bool) string {
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

// Open opens (and migrates) the ledger at path: a SQLite file, or, for a postgres:// or
// postgresql:// address, a PostgreSQL database (pg.go).
func Open(path string, opt Options) (*Store, error) {
	if IsPostgres(path) {
		return openPostgres(path, opt)
	}
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
	seal, err := newSealer(opt.SealKey)
	if err != nil {
		return nil, err
	}
	if err := privateFiles(path, opt.Create); err != nil {
		return nil, err
	}
	if err := probeExisting(path); err != nil {
		return nil, err
	}
	w, err := sql.Open("sqlite3", dsn(path, true, opt.bulkLoad))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	s := &Store{path: path, write: w, seal: seal}
	if err := s.checkWriter(opt.bulkLoad); err != nil {
		w.Close()
		return nil, classify(path, err)
	}
	to := SchemaVersion
	if opt.migrateTo > 0 {
		to = opt.migrateTo
	}
	if err := migrate(w, to); err != nil {
		w.Close()
		return nil, classify(path, err)
	}
	if err := runConversions(w, seal); err != nil {
		w.Close()
		return nil, classify(path, err)
	}
	if err := checkSealKey(w, seal); err != nil {
		w.Close()
		return nil, classify(path, err)
	}
	r, err := sql.Open("sqlite3", dsn(path, false, false))
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
	s.read = r
	if err := s.checkReader(); err != nil {
		r.Close()
		w.Close()
		return nil, classify(path, err)
	}
	batch := opt.MaxBatch
	if batch <= 0 {
		batch = 256
	}
	s.writer = newGroupWriter(w, batch)
	return s, nil
}

// CreateAtVersion creates a new ledger at path with the schema of an earlier version
// (1 … SchemaVersion), as the release of that version made it: for tests that upgrade a
// populated ledger. Open it with Open to migrate it.
func CreateAtVersion(path string, version int) error {
	if version < 1 || version > SchemaVersion {
		return app.E(app.CodeBadInput, "schema version %d is not 1 … %d", version, SchemaVersion)
	}
	st, err := Open(path, Options{Create: true, migrateTo: version})
	if err != nil {
		return err
	}
	return st.Close()
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
func (s *Store) checkWriter(bulk bool) error {
	var version string
	if err := s.write.QueryRow(`SELECT sqlite_version()`).Scan(&version); err != nil {
		return err
	}
	if versionLess(version, MinSQLiteVersion) {
		return app.E(app.CodeSQLiteTooOld, "have %s, need ≥ %s", version, MinSQLiteVersion)
	}
	var mode string
	var syncLevel, fk, rt int
	if err := s.write.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		return err
	}
	if err := s.write.QueryRow(`PRAGMA synchronous`).Scan(&syncLevel); err != nil {
		return err
	}
	if err := s.write.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil {
		return err
	}
	if err := s.write.QueryRow(`PRAGMA recursive_triggers`).Scan(&rt); err != nil {
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
func (s *Store) checkReader() error {
	var qo, fk, rt int
	if err := s.read.QueryRow(`SELECT (SELECT query_only FROM pragma_query_only), (SELECT foreign_keys FROM pragma_foreign_keys),
		(SELECT recursive_triggers FROM pragma_recursive_triggers)`).Scan(&qo, &fk, &rt); err != nil {
		return err
	}
	if qo != 1 || fk != 1 || rt != 1 {
		return fmt.Errorf("read pragmas did not take: query_only=%d foreign_keys=%d recursive_triggers=%d", qo, fk, rt)
	}
	return nil
}

// versionLess compares dotted versions numerically.
func versionLess(a, b string) bool {
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

// SQLiteVersion returns the version of the SQLite library in use.
func (s *Store) SQLiteVersion() (string, error) {
	var v string
	err := s.read.QueryRow(`SELECT sqlite_version()`).Scan(&v)
	return v, err
}

// Close finishes queued writes and closes the database.
func (s *Store) Close() error {
	if s.pg != nil {
		return s.pg.Close()
	}
	s.writer.close()
	return errors.Join(s.read.Close(), s.write.Close())
}

// Update runs fn in a durable write transaction (see app.Store).
func (s *Store) Update(ctx context.Context, fn func(app.Tx) error) error {
	if s.pg != nil {
		return s.pg.Update(ctx, func(ctx context.Context, q postgres.Querier) error {
			return fn(&txn{ctx: ctx, q: q, seal: s.seal})
		})
	}
	return s.writer.do(ctx, func(tx app.Tx) error {
		tx.(*txn).seal = s.seal // the writer builds the txn; the store knows the key
		return fn(tx)
	})
}

// View runs fn on a read snapshot.
func (s *Store) View(ctx context.Context, fn func(app.ReadTx) error) error {
	if s.pg != nil {
		return s.pg.View(ctx, func(ctx context.Context, q postgres.Querier) error {
			return fn(&txn{ctx: ctx, q: q, seal: s.seal})
		})
	}
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer tx.Rollback()
	return fn(&txn{ctx: ctx, q: tx, seal: s.seal})
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
