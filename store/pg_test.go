package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/store/pgtest"
)

// A database whose default is synchronous_commit=off does not reach the store: its
// sessions ask for on, and open checks that they got it.
func TestPGDurableDespiteDatabaseDefault(t *testing.T) {
	dsn := pgtest.DSN(t)
	name := dsn[strings.LastIndex(dsn, "/")+1 : strings.Index(dsn, "?")]
	pgtest.Exec(t, `ALTER DATABASE `+name+` SET synchronous_commit = off`)
	st, err := Open(dsn, Options{Create: true})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer st.Close()
	var sc string
	if err := st.pg.Pool().QueryRow(`SHOW synchronous_commit`).Scan(&sc); err != nil || sc != "on" {
		t.Fatalf("store session synchronous_commit=%q (%v)", sc, err)
	}
}

// Never lay a ledger over tables that are not ours; an unreachable server is typed.
func TestPGOpenRefusals(t *testing.T) {
	dsn := pgtest.DSN(t)
	raw, err := OpenRaw(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`CREATE TABLE someone_elses (x int)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	if _, err := Open(dsn, Options{Create: true}); !isCode(err, app.CodeDatabaseCorrupt) {
		t.Fatalf("open over foreign tables: %v, want DATABASE_CORRUPT", err)
	}
	if _, err := Open("postgres://nobody@127.0.0.1:1/none?connect_timeout=2", Options{}); !isCode(err, app.CodeDatabaseUnreachable) {
		t.Fatalf("open of an unreachable server: %v, want DATABASE_UNREACHABLE", err)
	}
	// The message names the server, never the password.
	_, err = Open("postgres://u:secret-pw@127.0.0.1:1/none?connect_timeout=2", Options{})
	if err == nil || strings.Contains(err.Error(), "secret-pw") {
		t.Fatalf("error %v shows the password", err)
	}
}

func isCode(err error, c app.Code) bool {
	var e *app.Error
	return errors.As(err, &e) && e.Code == c
}

// pgProbeLedger is a new PostgreSQL ledger at dsn with one device, C1, to keep answers
// under (its secret only needs to look sealed here), and a raw connection to the same
// database; both are closed when the test ends.
func pgProbeLedger(t *testing.T, dsn string) (*Store, *sql.DB) {
	t.Helper()
	st, err := Open(dsn, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	raw, err := OpenRaw(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	if _, err := raw.Exec(`INSERT INTO devices(id, name, model, location, enabled, secret) VALUES ('C1', 'c', '0101', '', 1, '\x636373310000'::bytea)`); err != nil {
		t.Fatal(err)
	}
	return st, raw
}

// probeAnswer is a stored answer of C1 under serial.
func probeAnswer(serial int64) app.StoredAnswer {
	return app.StoredAnswer{DeviceID: "C1", Serial: serial, Kind: "probe", RequestHash: []byte{1}, Answer: []byte(`{}`), ReceivedAt: time.Now()}
}

// A host cut off from the database in the middle of a write: the write fails, nothing of
// it is kept (the server rolls back the session's transaction, releasing the writer's
// lock), and the store writes again once the server is reachable.
func TestPGWriteCutOffMidTransaction(t *testing.T) {
	dsn := pgtest.DSN(t)
	name := dsn[strings.LastIndex(dsn, "/")+1 : strings.Index(dsn, "?")]
	st, raw := pgProbeLedger(t, dsn)
	ctx := context.Background()
	ans := probeAnswer
	wrote := false
	err := st.Update(ctx, func(tx app.Tx) error {
		if err := tx.InsertTerminalAnswer(ans(1)); err != nil {
			return err
		}
		wrote = true
		// The network goes: the server ends this session while it holds the lock.
		pgtest.Exec(t, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '`+name+`'
			AND application_name = 'cardcenter' AND state = 'idle in transaction'`)
		return tx.InsertTerminalAnswer(ans(2))
	})
	if err == nil || !wrote {
		t.Fatalf("a write cut off from the database: %v (its first statement ran: %v)", err, wrote)
	}
	var n int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM terminal_answers`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d answers of the cut-off write kept (%v)", n, err)
	}
	if err := st.Update(ctx, func(tx app.Tx) error { return tx.InsertTerminalAnswer(ans(3)) }); err != nil {
		t.Fatalf("the store does not write after the cut: %v", err)
	}
}

// A postgresql:// address (libpq's other spelling) opens a PostgreSQL ledger as
// postgres:// does, not a SQLite file of that name.
func TestPGOpenPostgresqlScheme(t *testing.T) {
	dsn := pgtest.DSN(t)
	if !strings.HasPrefix(dsn, "postgres://") {
		t.Fatalf("pgtest.DSN gave %q", dsn)
	}
	alt := "postgresql://" + strings.TrimPrefix(dsn, "postgres://")
	if !IsPostgres(alt) {
		t.Fatalf("IsPostgres(%q) = false", alt)
	}
	st, err := Open(alt, Options{Create: true})
	if err != nil {
		t.Fatalf("open %s: %v", alt, err)
	}
	defer st.Close()
	if st.Backend() != "postgres" {
		t.Fatalf("backend %q, want postgres", st.Backend())
	}
	if have, want, err := st.Schema(context.Background()); err != nil || have != want || want != PGSchemaVersion {
		t.Fatalf("schema %d, want %d (PostgreSQL's %d): %v", have, want, PGSchemaVersion, err)
	}
	// The schema was laid in the very database the postgres:// spelling names.
	raw, err := OpenRaw(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var n int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != PGSchemaVersion {
		t.Fatalf("schema_migrations has %d rows (%v), want %d", n, err, PGSchemaVersion)
	}
}

// A unique violation that reaches PostgreSQL (here a second answer under the same
// device and serial, which the use cases look for before they insert) comes back as
// app.ErrDuplicate, as SQLite's does.
func TestPGUniqueViolationIsErrDuplicate(t *testing.T) {
	dsn := pgtest.DSN(t)
	st, _ := pgProbeLedger(t, dsn)
	ctx := context.Background()
	ans := probeAnswer(5)
	if err := st.Update(ctx, func(tx app.Tx) error { return tx.InsertTerminalAnswer(ans) }); err != nil {
		t.Fatal(err)
	}
	err := st.Update(ctx, func(tx app.Tx) error { return tx.InsertTerminalAnswer(ans) })
	if !errors.Is(err, app.ErrDuplicate) {
		t.Fatalf("second answer under C1/5: %v, want app.ErrDuplicate", err)
	}
	if !strings.Contains(err.Error(), "23505") && !strings.Contains(err.Error(), "unique") {
		t.Fatalf("error %v lost PostgreSQL's message", err)
	}
}
