// Package pgtest gives each test a fresh PostgreSQL database on the server the test command
// started (make test runs go test under scripts/pg-run.sh, which exports PGHOST, PGPORT,
// PGUSER; pg_virtualenv, which also sets PGPASSWORD, works as well). Under CI=true a test that needs PostgreSQL fails when there is
// none; elsewhere it is skipped with a message saying how to run it.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for the server's own database
)

// Env names the variable that makes the backend-switchable tests (app's rule and property
// tests, apptest) run on PostgreSQL: CARDCENTER_TEST_DB=postgres.
const Env = "CARDCENTER_TEST_DB"

// Selected reports whether CARDCENTER_TEST_DB asks for PostgreSQL.
func Selected() bool { return os.Getenv(Env) == "postgres" }

// server is the address of the server's maintenance database, from the PG* variables.
func server(db string) (string, bool) {
	host := os.Getenv("PGHOST")
	if host == "" {
		return "", false
	}
	port := os.Getenv("PGPORT")
	if port == "" {
		port = "5432"
	}
	u := url.URL{Scheme: "postgres", Host: host + ":" + port, Path: "/" + db}
	q := url.Values{}
	if strings.HasPrefix(host, "/") {
		// A Unix socket's directory (scripts/pg-run.sh): pgx takes it as the host parameter.
		u.Host = ""
		q.Set("host", host)
		q.Set("port", port)
	}
	if user := os.Getenv("PGUSER"); user != "" {
		if pw := os.Getenv("PGPASSWORD"); pw != "" {
			u.User = url.UserPassword(user, pw)
		} else {
			u.User = url.User(user)
		}
	}
	q.Set("sslmode", "disable")
	u.RawQuery = q.Encode()
	return u.String(), true
}

var (
	adminOnce sync.Once
	admin     *sql.DB
	adminErr  error
)

func adminDB() (*sql.DB, error) {
	adminOnce.Do(func() {
		dsn, ok := server(envOr("PGDATABASE", "postgres"))
		if !ok {
			adminErr = fmt.Errorf("PGHOST is not set: no PostgreSQL server (run the tests as make test does, under scripts/pg-run.sh)")
			return
		}
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			adminErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			adminErr = fmt.Errorf("PostgreSQL at $PGHOST=%s: %w", os.Getenv("PGHOST"), err)
			return
		}
		admin = db
	})
	return admin, adminErr
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// Require fails (CI) or skips (elsewhere) the test when no PostgreSQL server is reachable.
func Require(t testing.TB) {
	t.Helper()
	if _, err := adminDB(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL needed and unavailable under CI=true: %v", err)
		}
		t.Skipf("PostgreSQL unavailable, skipped: %v", err)
	}
}

// DSN creates a new, empty database for the test, dropped when the test ends, and returns
// its postgres:// address.
func DSN(t testing.TB) string {
	t.Helper()
	Require(t)
	db, _ := adminDB()
	name := newName()
	if _, err := db.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	cleanup(t, db, name)
	dsn, _ := server(name)
	return dsn
}

// DSNFromTemplate is DSN, with the database a copy of a template that prepare made once
// (for every test process of the same key): a ledger whose migrations ran once, not in
// every test. key names what prepare makes; a new key makes a new template. Preparation is
// guarded by a session advisory lock on the server, since the packages' test processes run
// at the same time; a template is ready once marked IS_TEMPLATE.
func DSNFromTemplate(t testing.TB, key string, prepare func(dsn string) error) string {
	t.Helper()
	Require(t)
	db, _ := adminDB()
	tpl := "cc_tpl_" + key
	if err := ensureTemplate(db, tpl, prepare); err != nil {
		t.Fatalf("template %s: %v", tpl, err)
	}
	name := newName()
	if _, err := db.Exec(`CREATE DATABASE ` + name + ` TEMPLATE ` + tpl); err != nil {
		t.Fatalf("create database from %s: %v", tpl, err)
	}
	cleanup(t, db, name)
	dsn, _ := server(name)
	return dsn
}

var templates sync.Map // name → struct{}: ready in this process

func ensureTemplate(db *sql.DB, tpl string, prepare func(string) error) error {
	if _, ok := templates.Load(tpl); ok {
		return nil
	}
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(1667330661)`); err != nil {
		return err
	}
	defer conn.ExecContext(ctx, `SELECT pg_advisory_unlock(1667330661)`)
	var ready sql.NullBool
	err = conn.QueryRowContext(ctx, `SELECT datistemplate FROM pg_database WHERE datname = $1`, tpl).Scan(&ready)
	if err != nil && err != sql.ErrNoRows {
		return err
	}
	if !ready.Bool {
		// Absent, or left half-made by a process that died: make it again.
		if _, err := conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+tpl+` WITH (FORCE)`); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+tpl); err != nil {
			return err
		}
		dsn, _ := server(tpl)
		if err := prepare(dsn); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, `ALTER DATABASE `+tpl+` IS_TEMPLATE true`); err != nil {
			return err
		}
	}
	templates.Store(tpl, struct{}{})
	return nil
}

func newName() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "cc_test_" + hex.EncodeToString(b)
}

func cleanup(t testing.TB, db *sql.DB, name string) {
	t.Cleanup(func() {
		// WITH (FORCE): a connection a failed test left open must not keep the database.
		if _, err := db.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
}

// Exec runs a statement as the server's superuser (on its maintenance database): for tests
// that change a server setting.
func Exec(t testing.TB, query string) {
	t.Helper()
	Require(t)
	db, _ := adminDB()
	if _, err := db.Exec(query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}
