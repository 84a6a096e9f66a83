package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"cardcenter/app"
)

// The PostgreSQL ledger, for sites with more than one host (README, "When one machine is
// not enough"). Open picks it for a postgres:// or postgresql:// address.
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

// pgMode picks how Update serializes on PostgreSQL (the lock, or SERIALIZABLE for the
// benchmark that compares them).
type pgMode int

const (
	pgAdvisoryLock pgMode = iota
	pgSerializable
)

func openPostgres(dsn string, opt Options) (*Store, error) {
	seal, err := newSealer(opt.SealKey)
	if err != nil {
		return nil, err
	}
	db, err := openPGDB(dsn)
	if err != nil {
		return nil, err
	}
	n := opt.ReadConns
	if n <= 0 {
		n = 8
	}
	db.SetMaxOpenConns(n + 2)
	db.SetMaxIdleConns(n + 2)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s := &Store{path: redactDSN(dsn), pg: db, seal: seal, pgMode: opt.pgMode}
	fail := func(err error) (*Store, error) {
		db.Close()
		return nil, err
	}
	if err := pgCheckDurable(context.Background(), db); err != nil {
		return fail(err)
	}
	if err := pgMigrate(db, opt.Create); err != nil {
		return fail(err)
	}
	if err := checkSealKey(db, seal); err != nil {
		return fail(err)
	}
	return s, nil
}

// redactDSN keeps a PostgreSQL address fit for messages: no password.
func redactDSN(dsn string) string {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return "postgres://?"
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}

// pgCheckDurable refuses a server on which an acknowledged commit may not survive a
// crash or a power loss: fsync off, full_page_writes off (a torn page is then
// unrecoverable), or a session where synchronous_commit did not take (openPGDB asks for
// "on" in every session, so a role or database default of "off" does not reach us).
func pgCheckDurable(ctx context.Context, db interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) error {
	var fsync, fpw, sc, version string
	if err := db.QueryRowContext(ctx, `SELECT current_setting('fsync'), current_setting('full_page_writes'),
		current_setting('synchronous_commit'), current_setting('server_version_num')`).Scan(&fsync, &fpw, &sc, &version); err != nil {
		return pgUnavailable(err)
	}
	if fsync != "on" || fpw != "on" || sc != "on" {
		return app.E(app.CodeNotDurable, "fsync=%s full_page_writes=%s synchronous_commit=%s", fsync, fpw, sc)
	}
	if version < "150000" {
		return app.E(app.CodeNotDurable, "PostgreSQL %s: this program needs 15 or later", version)
	}
	return nil
}

// pgUnavailable types a server that cannot be reached at open.
func pgUnavailable(err error) error {
	if _, ok := app.AsError(err); ok {
		return err
	}
	return app.E(app.CodeDatabaseUnreachable, "%v", err)
}

func pgMigrate(db *sql.DB, create bool) error {
	ctx := context.Background()
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return pgUnavailable(err)
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
		done, err := pgMigrateOne(ctx, db)
		if err != nil || done {
			return err
		}
	}
}

// pgMigrateOne applies the next migration under the writer's lock (hosts starting together
// apply it once); done when there is none left.
func pgMigrateOne(ctx context.Context, db *sql.DB) (done bool, err error) {
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
	if have > len(pgMigrations) {
		return false, app.E(app.CodeDatabaseTooOld, "schema %d, this program knows %d", have, len(pgMigrations))
	}
	if have == len(pgMigrations) {
		return true, tx.Commit()
	}
	if _, err := tx.ExecContext(ctx, pgMigrations[have]); err != nil {
		return false, fmt.Errorf("postgres migration %d: %w", have+1, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version) VALUES (?)`, have+1); err != nil {
		return false, fmt.Errorf("postgres migration %d: %w", have+1, err)
	}
	slog.Debug("ledger migrated", "backend", "postgres", "version", have+1)
	return false, tx.Commit()
}

// pgUpdate runs fn in one write transaction (see the top of this file).
func (s *Store) pgUpdate(ctx context.Context, fn func(app.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.pgMode == pgSerializable {
		return s.pgUpdateSerializable(ctx, fn)
	}
	// Once begun, the transaction runs to its end whatever becomes of the caller's
	// context: a caller who went away must not turn a commit into an unknown.
	bg := context.WithoutCancel(ctx)
	return s.pgRun(bg, nil, `SELECT cc_writer_lock()`, fn)
}

func (s *Store) pgRun(ctx context.Context, opts *sql.TxOptions, first string, fn func(app.Tx) error) (err error) {
	tx, err := s.pg.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("write transaction panicked: %v", p)
		}
		if err != nil {
			tx.Rollback()
			err = pgErr(err)
		}
	}()
	if first != "" {
		if _, err := tx.ExecContext(ctx, first); err != nil {
			return fmt.Errorf("writer lock: %w", err)
		}
	}
	if err := fn(&txn{ctx: ctx, q: tx, seal: s.seal}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// pgUpdateSerializable is the alternative measured in docs/performance.md: no lock,
// SERIALIZABLE, and the whole of fn again on a serialization failure or a deadlock. The
// use cases' closures are written to be run again (they set, never accumulate), but this is
// not what the store uses: see pgUpdate.
func (s *Store) pgUpdateSerializable(ctx context.Context, fn func(app.Tx) error) error {
	bg := context.WithoutCancel(ctx)
	for attempt := 0; ; attempt++ {
		err := s.pgRun(bg, &sql.TxOptions{Isolation: sql.LevelSerializable}, "", fn)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01") && attempt < 100 {
			s.pgRetries.Add(1)
			continue
		}
		return err
	}
}

func (s *Store) pgView(ctx context.Context, fn func(app.ReadTx) error) error {
	tx, err := s.pg.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer tx.Rollback()
	return pgErr(fn(&txn{ctx: ctx, q: tx, seal: s.seal}))
}

// OpenRaw opens a second, plain pool on a PostgreSQL ledger that bypasses the store (its
// statements are rewritten as the store's are: "?" placeholders work): for tests that
// recount from raw rows or show that the schema itself refuses what the app never does,
// and for the migration tool.
func OpenRaw(dsn string) (*sql.DB, error) {
	if !IsPostgres(dsn) {
		return nil, app.E(app.CodeBadInput, "not a PostgreSQL address")
	}
	return openPGDB(dsn)
}

// Backend names the ledger's engine: "sqlite" or "postgres".
func (s *Store) Backend() string {
	if s.pg != nil {
		return "postgres"
	}
	return "sqlite"
}

// Name is the ledger's file, or its PostgreSQL address without the password: fit for
// messages.
func (s *Store) Name() string { return s.path }

// pgIsEmpty reports whether a PostgreSQL database holds no table at all.
func pgIsEmpty(ctx context.Context, db *sql.DB) (bool, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()`).Scan(&n)
	return n == 0, err
}

// Schema reports the ledger's schema version and the version this program writes for its
// engine (PRAGMA user_version on SQLite, schema_migrations on PostgreSQL).
func (s *Store) Schema(ctx context.Context) (have, want int, err error) {
	if s.pg != nil {
		err = s.pg.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have)
		return have, PGSchemaVersion, err
	}
	err = s.read.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&have)
	return have, SchemaVersion, err
}
