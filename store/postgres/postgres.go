// Package postgres is the PostgreSQL engine of the ledger, for sites with more than one
// host (README, "When one machine is not enough"): its connections (driver.go, which
// bridges the dialect of the store's one body of SQL), its migrations (migrations.go), how
// it serializes writes and how it reads, and its bulk load by COPY (bulk.go). The store
// package (store.Open, for a postgres:// or postgresql:// address) runs its statements
// through it; nothing here knows the ledger's rows.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"cardcenter/app"
	"cardcenter/store/engine"
)

// The PostgreSQL ledger.
//
// Writes: every Update is one transaction that first takes a transaction-scoped advisory
// lock (cc_writer_lock, pg_advisory_xact_lock), so write transactions of every host run one
// at a time, as SQLite's single writer runs them: the use cases' "look, then write" (the
// daily maximum, one decision per case, the reversal worker re-reading its reversal, a
// settlement counting its day) holds across hosts without a retry loop around them.
// docs/performance.md has the measurement against SERIALIZABLE with retries.
//
// The transaction is READ COMMITTED on purpose: each statement takes a new snapshot, so
// every statement after the lock sees everything the previous holder committed. Under
// REPEATABLE READ the snapshot would be taken by the lock statement itself, before it
// waited, and the transaction would not see the commit it waited for.
//
// Reads: View is a READ ONLY REPEATABLE READ transaction, a consistent snapshot as on
// SQLite, taking no lock.

// Options tune Open.
type Options struct {
	// Create lays the schema into an empty database; without it an empty one is refused.
	Create bool
	// ReadConns is the size of the read pool. 0 means the default.
	ReadConns int
	// Serializable: Update runs SERIALIZABLE with retries instead of under the writer's
	// lock (the benchmark that compares them).
	Serializable bool
	// Check runs on the pool after the migrations (the store's seal key check); an error
	// refuses the open.
	Check func(*sql.DB) error
	// MigrateTo stops migrations at a version (tests of upgrades from every version).
	MigrateTo int
}

// DB is an open PostgreSQL ledger.
type DB struct {
	pool         *sql.DB
	serializable bool
	retries      atomic.Int64 // serialization failures retried (Serializable)
}

// Open opens (and migrates) the ledger at the address dsn.
func Open(dsn string, opt Options) (*DB, error) {
	pool, err := OpenPool(dsn)
	if err != nil {
		return nil, err
	}
	return openOn(pool, opt)
}

// openOn opens the ledger on pool, which it owns from then on (closed if the open fails):
// the durability check, the migrations, opt.Check. The check does not rely on the
// sessions OpenPool asks for; a pool of sessions that are not durable is refused.
func openOn(pool *sql.DB, opt Options) (*DB, error) {
	n := opt.ReadConns
	if n <= 0 {
		n = 8
	}
	pool.SetMaxOpenConns(n + 2)
	pool.SetMaxIdleConns(n + 2)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	d := &DB{pool: pool, serializable: opt.Serializable}
	fail := func(err error) (*DB, error) {
		pool.Close()
		return nil, err
	}
	if err := CheckDurable(context.Background(), pool); err != nil {
		return fail(err)
	}
	to := SchemaVersion
	if opt.MigrateTo > 0 {
		to = opt.MigrateTo
	}
	if err := migrate(pool, opt.Create, to); err != nil {
		return fail(err)
	}
	if opt.Check != nil {
		if err := opt.Check(pool); err != nil {
			return fail(err)
		}
	}
	return d, nil
}

// Pool is the database's pool (its statements rewritten, driver.go).
func (d *DB) Pool() *sql.DB { return d.pool }

// Close closes the pool.
func (d *DB) Close() error { return d.pool.Close() }

// Retries: serialization failures retried so far (Serializable).
func (d *DB) Retries() int64 { return d.retries.Load() }

// RedactDSN keeps a PostgreSQL address fit for messages: no password.
func RedactDSN(dsn string) string {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return "postgres://?"
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}

// CheckDurable refuses a server on which an acknowledged commit may not survive a
// crash or a power loss: fsync off, full_page_writes off (a torn page is then
// unrecoverable), or a session where synchronous_commit did not take (OpenPool asks for
// "on" in every session, so a role or database default of "off" does not reach us).
func CheckDurable(ctx context.Context, db interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) error {
	var fsync, fpw, sc, version string
	if err := db.QueryRowContext(ctx, `SELECT current_setting('fsync'), current_setting('full_page_writes'),
		current_setting('synchronous_commit'), current_setting('server_version_num')`).Scan(&fsync, &fpw, &sc, &version); err != nil {
		return Unavailable(err)
	}
	if fsync != "on" || fpw != "on" || sc != "on" {
		return app.E(app.CodeNotDurable, "fsync=%s full_page_writes=%s synchronous_commit=%s", fsync, fpw, sc)
	}
	if version < "150000" {
		return app.E(app.CodeNotDurable, "PostgreSQL %s: this program needs 15 or later", version)
	}
	return nil
}

// Unavailable types a server that cannot be reached at open.
func Unavailable(err error) error {
	if _, ok := app.AsError(err); ok {
		return err
	}
	return app.E(app.CodeDatabaseUnreachable, "%v", err)
}

// migrate applies the migrations after the database's version, up to version to.
func migrate(db *sql.DB, create bool, to int) error {
	ctx := context.Background()
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return Unavailable(err)
	}
	if !exists {
		var tables int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()`).Scan(&tables); err != nil {
			return err
		}
		if tables > 0 {
			// Not ours: never lay a ledger over someone else's tables.
			return app.E(app.CodeDatabaseCorrupt, "the database has %d tables and no cardcenter schema", tables)
		}
		if !create {
			return app.E(app.CodeDatabaseMissing, "no ledger in this PostgreSQL database (create one with the desk or `cardcenter migrate`)")
		}
	}
	for {
		done, err := migrateOne(ctx, db, to)
		if err != nil || done {
			return err
		}
	}
}

// migrateOne applies the next migration under the writer's lock (hosts starting together
// apply it once); done when there is none left before version to.
func migrateOne(ctx context.Context, db *sql.DB, to int) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(1667330660)`); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    BIGINT PRIMARY KEY,
		applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
		return false, err
	}
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return false, err
	}
	if have > len(migrations) {
		return false, app.E(app.CodeDatabaseTooOld, "schema %d, this program knows %d", have, len(migrations))
	}
	if have >= to {
		return true, tx.Commit()
	}
	if _, err := tx.ExecContext(ctx, migrations[have]); err != nil {
		return false, fmt.Errorf("postgres migration %d: %w", have+1, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version) VALUES (?)`, have+1); err != nil {
		return false, fmt.Errorf("postgres migration %d: %w", have+1, err)
	}
	slog.Debug("ledger migrated", "backend", "postgres", "version", have+1)
	return false, tx.Commit()
}

// Update runs fn in one write transaction (see the top of this file); fn gets the
// transaction's context and its querier.
func (d *DB) Update(ctx context.Context, fn func(context.Context, engine.Querier) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d.serializable {
		return d.updateSerializable(ctx, fn)
	}
	// Once begun, the transaction runs to its end whatever becomes of the caller's
	// context: a caller who went away must not turn a commit into an unknown.
	bg := context.WithoutCancel(ctx)
	return d.run(bg, nil, `SELECT cc_writer_lock()`, fn)
}

func (d *DB) run(ctx context.Context, opts *sql.TxOptions, first string, fn func(context.Context, engine.Querier) error) (err error) {
	tx, err := d.pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("write transaction panicked: %v", p)
		}
		if err != nil {
			tx.Rollback()
			err = MapErr(err)
		}
	}()
	if first != "" {
		if _, err := tx.ExecContext(ctx, first); err != nil {
			return fmt.Errorf("writer lock: %w", err)
		}
	}
	if err := fn(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// updateSerializable is the alternative measured in docs/performance.md: no lock,
// SERIALIZABLE, and the whole of fn again on a serialization failure or a deadlock. The
// use cases' closures are written to be run again (they set, never accumulate), but this is
// not what the store uses: see Update.
func (d *DB) updateSerializable(ctx context.Context, fn func(context.Context, engine.Querier) error) error {
	bg := context.WithoutCancel(ctx)
	for attempt := 0; ; attempt++ {
		err := d.run(bg, &sql.TxOptions{Isolation: sql.LevelSerializable}, "", fn)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01") && attempt < 100 {
			d.retries.Add(1)
			continue
		}
		return err
	}
}

// View runs fn on a read snapshot (a READ ONLY REPEATABLE READ transaction).
func (d *DB) View(ctx context.Context, fn func(context.Context, engine.Querier) error) error {
	tx, err := d.pool.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer tx.Rollback()
	return MapErr(fn(ctx, tx))
}

// SchemaHave is the version of the database's schema.
func (d *DB) SchemaHave(ctx context.Context) (int, error) {
	var have int
	err := d.pool.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have)
	return have, err
}

// IsEmpty reports whether a PostgreSQL database holds no table at all.
func IsEmpty(ctx context.Context, db *sql.DB) (bool, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()`).Scan(&n)
	return n == 0, err
}

// RefuseNonEmpty: no table, or this program's tables (the store names them) without a
// row; anything else is refused (TARGET_NOT_EMPTY).
func RefuseNonEmpty(ctx context.Context, dsn string, tables []string) error {
	db, err := OpenPool(dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := CheckDurable(ctx, db); err != nil {
		return err
	}
	empty, err := IsEmpty(ctx, db)
	if err != nil || empty {
		return err
	}
	var ours bool
	if err := db.QueryRowContext(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&ours); err != nil {
		return err
	}
	if !ours {
		return app.E(app.CodeTargetNotEmpty, "the database has tables of another program")
	}
	for _, table := range tables {
		var filled bool
		if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+table+`)`).Scan(&filled); err != nil {
			return err
		}
		if filled {
			return app.E(app.CodeTargetNotEmpty, "table %s has rows", table)
		}
	}
	return nil
}

// CopyFrom sends rows into table with COPY on a connection of a pool opened here.
func CopyFrom(ctx context.Context, conn *sql.Conn, table string, cols []string, src pgx.CopyFromSource) (int64, error) {
	var n int64
	err := conn.Raw(func(dc any) error {
		pc, ok := dc.(*pgConn)
		if !ok {
			return fmt.Errorf("connection is a %T", dc)
		}
		var err error
		n, err = pc.Conn.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, src)
		return err
	})
	return n, err
}
