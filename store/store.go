// Package store is cardcenter's ledger: the contract the app's ports ask of it (app.Store)
// and the one body of SQL that keeps it (txn and its methods, in the files of this
// package), run on either engine. store.Open picks the engine by address: a path is a
// SQLite file (store/sqlite, the embedded default for one machine), a postgres:// or
// postgresql:// address a PostgreSQL database (store/postgres, for several hosts). Each
// engine package holds its connections, its durable settings, its migrations and how it
// serializes writes; the statements are the same on both (store/postgres/driver.go bridges
// the few differences of dialect), and one conformance suite (store/storetest) holds both
// to the contract.
package store

import (
	"context"
	"database/sql"

	"cardcenter/app"
	"cardcenter/store/engine"
	"cardcenter/store/postgres"
	"cardcenter/store/sqlite"
)

// MinSQLiteVersion: earlier versions have the WAL-reset corruption bug.
const MinSQLiteVersion = sqlite.MinVersion

// SchemaVersion is the SQLite schema version this program writes.
var SchemaVersion = sqlite.SchemaVersion

// Schema is every SQLite migration's SQL in order: the schema a ledger of this program
// has, as text, for tests that hold the app's tables against it.
func Schema() string { return sqlite.Schema() }

// Options tune Open.
type Options struct {
	// Create makes a new database if the file does not exist; otherwise a missing file
	// is refused (DATABASE_MISSING) rather than silently created empty. On PostgreSQL it
	// lays the schema into an empty database.
	Create bool
	// MaxBatch bounds how many write transactions of callers share one commit (group
	// commit, SQLite). 1 disables grouping. 0 means the default.
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

// Store is the ledger, on one engine or the other.
type Store struct {
	path string
	seal *sealer
	// lite is a SQLite ledger; write and read are its writer's connection and its read
	// pool, for the store's own statements outside a use case (moving a site, tests).
	lite        *sqlite.DB
	write, read *sql.DB
	// pg is a PostgreSQL ledger; lite, write and read are then nil.
	pg *postgres.DB
}

var _ app.Store = (*Store)(nil)

// Open opens (and migrates) the ledger at path: a SQLite file, or, for a postgres:// or
// postgresql:// address, a PostgreSQL database.
func Open(path string, opt Options) (*Store, error) {
	if IsPostgres(path) {
		return openPostgres(path, opt)
	}
	seal, err := newSealer(opt.SealKey)
	if err != nil {
		return nil, err
	}
	db, err := sqlite.Open(path, sqlite.Options{Create: opt.Create, MaxBatch: opt.MaxBatch, ReadConns: opt.ReadConns,
		MigrateTo: opt.migrateTo, BulkLoad: opt.bulkLoad, Seal: liteSealer(seal),
		Check: afterMigrations(seal, opt.migrateTo == 0 || opt.migrateTo >= sqlite.CardStatusesSince)})
	if err != nil {
		return nil, err
	}
	return &Store{path: path, seal: seal, lite: db, write: db.Writer(), read: db.Reader()}, nil
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

// SQLiteVersion returns the version of the SQLite library in use.
func (s *Store) SQLiteVersion() (string, error) {
	if s.lite == nil {
		return "", app.E(app.CodeBadInput, "not a SQLite ledger")
	}
	return s.lite.Version()
}

// Close finishes queued writes and closes the database.
func (s *Store) Close() error {
	if s.pg != nil {
		return s.pg.Close()
	}
	return s.lite.Close()
}

// Update runs fn in a durable write transaction (see app.Store).
func (s *Store) Update(ctx context.Context, fn func(app.Tx) error) error {
	run := s.overTxn(func(t *txn) error { return fn(t) })
	if s.pg != nil {
		return s.pg.Update(ctx, run)
	}
	return s.lite.Update(ctx, run)
}

// View runs fn on a read snapshot.
func (s *Store) View(ctx context.Context, fn func(app.ReadTx) error) error {
	run := s.overTxn(func(t *txn) error { return fn(t) })
	if s.pg != nil {
		return s.pg.View(ctx, run)
	}
	return s.lite.View(ctx, run)
}

// overTxn is fn as an engine's transaction runs it: over the store's txn of the
// transaction's context and querier.
func (s *Store) overTxn(fn func(*txn) error) func(context.Context, engine.Querier) error {
	return func(ctx context.Context, q engine.Querier) error {
		return fn(&txn{ctx: ctx, q: q, seal: s.seal})
	}
}
