package postgres

import (
	"context"
	"database/sql"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"cardcenter/app"
	"cardcenter/store/pgtest"
)

// A session that would acknowledge a commit before it is on disk is refused.
func TestPGRefusesNonDurableSession(t *testing.T) {
	dsn := pgtest.DSN(t)
	db, err := OpenPool(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := CheckDurable(ctx, conn); err != nil {
		t.Fatalf("durable session refused: %v", err)
	}
	if _, err := conn.ExecContext(ctx, `SET synchronous_commit = off`); err != nil {
		t.Fatal(err)
	}
	e, ok := app.AsError(CheckDurable(ctx, conn))
	if !ok || e.Code != app.CodeNotDurable {
		t.Fatalf("synchronous_commit=off: %v, want DATABASE_NOT_DURABLE", e)
	}
}

// Open itself refuses a pool whose sessions would acknowledge a commit before it is on
// disk: OpenPool's asking every session for synchronous_commit=on is not the only guard.
func TestPGOpenRefusesNonDurablePool(t *testing.T) {
	dsn := pgtest.DSN(t)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RuntimeParams["synchronous_commit"] = "off"
	pool := sql.OpenDB(pgConnector{inner: stdlib.GetConnector(*cfg)})
	d, err := openOn(pool, Options{Create: true})
	if e, ok := app.AsError(err); !ok || e.Code != app.CodeNotDurable {
		if d != nil {
			d.Close()
		}
		t.Fatalf("open on synchronous_commit=off sessions: %v, want DATABASE_NOT_DURABLE", err)
	}
	// Refused before anything was written.
	check, err := OpenPool(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	var laid bool
	if err := check.QueryRow(`SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&laid); err != nil || laid {
		t.Fatalf("schema laid by a refused open: %v (%v)", laid, err)
	}
	// The same database on durable sessions opens.
	d, err = Open(dsn, Options{Create: true})
	if err != nil {
		t.Fatalf("durable open: %v", err)
	}
	d.Close()
}
