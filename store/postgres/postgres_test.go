package postgres

import (
	"context"
	"testing"

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
