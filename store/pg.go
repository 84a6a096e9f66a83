package store

import (
	"context"
	"database/sql"

	"cardcenter/app"
	"cardcenter/store/postgres"
)

// The PostgreSQL ledger: store/postgres opens, migrates and serializes it; the store runs
// its one body of SQL on it (txn and its methods).

func openPostgres(dsn string, opt Options) (*Store, error) {
	seal, err := newSealer(opt.SealKey)
	if err != nil {
		return nil, err
	}
	db, err := postgres.Open(dsn, postgres.Options{Create: opt.Create, ReadConns: opt.ReadConns,
		Serializable: opt.pgSerializable, MigrateTo: opt.migrateTo, Check: afterMigrations(seal, opt.migrateTo == 0 || opt.migrateTo >= postgres.CardStatusesSince)})
	if err != nil {
		return nil, err
	}
	return &Store{path: postgres.RedactDSN(dsn), pg: db, seal: seal}, nil
}

// OpenRaw opens a second, plain pool on a PostgreSQL ledger that bypasses the store (its
// statements are rewritten as the store's are: "?" placeholders work): for tests that
// recount from raw rows or show that the schema itself refuses what the app never does,
// and for the migration tool.
func OpenRaw(dsn string) (*sql.DB, error) {
	if !IsPostgres(dsn) {
		return nil, app.E(app.CodeBadInput, "not a PostgreSQL address")
	}
	return postgres.OpenPool(dsn)
}

// IsPostgres reports whether a --db value names a PostgreSQL database rather than a file.
func IsPostgres(db string) bool { return postgres.IsAddress(db) }

// PGSchemaVersion is the version of the PostgreSQL schema this program writes.
var PGSchemaVersion = postgres.SchemaVersion

// PGSchema is the PostgreSQL schema, every migration in order.
func PGSchema() string { return postgres.Schema() }

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

// Schema reports the ledger's schema version and the version this program writes for its
// engine (PRAGMA user_version on SQLite, schema_migrations on PostgreSQL).
func (s *Store) Schema(ctx context.Context) (have, want int, err error) {
	if s.pg != nil {
		have, err = s.pg.SchemaHave(ctx)
		return have, PGSchemaVersion, err
	}
	have, err = s.lite.SchemaHave(ctx)
	return have, SchemaVersion, err
}
