package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"cardcenter/app"
)

// The PostgreSQL backend runs the very statements the SQLite one runs (txn and its
// methods): one body of SQL, so the two ledgers cannot drift apart in what they ask. The
// few differences of dialect are bridged here, below database/sql, by a connector that
// wraps pgx's: every statement is rewritten once (and the rewrite cached) —
//   - "?" placeholders become $1, $2, … and "?N" becomes $N (outside quoted literals and
//     comments);
//   - SQLite's planner hints are dropped: "INDEXED BY name", and "CROSS JOIN … ON" (which
//     fixes SQLite's join order and which PostgreSQL only knows without ON) becomes JOIN;
//   - an INSERT into a table with a serial id gets "RETURNING id", so that
//     sql.Result.LastInsertId works as it does on SQLite (pgx has no LastInsertId).
// Errors keep their pgconn.PgError inside; pgErr maps the ones the app knows.

// HasID reports whether the database assigns the ids of table (an identity column).
func HasID(table string) bool { return idTables[table] }

// idTables are the tables whose id the database assigns (an identity column), whose
// inserts the store reads the id of.
var idTables = map[string]bool{
	"cardholders": true, "operators": true, "audit_log": true, "authorizations": true, "recharges": true,
	"reversals": true, "cancels": true, "repairs": true, "card_reads": true, "device_journal_ends": true,
	"exception_cases": true, "case_decisions": true,
}

type pgStmt struct {
	sql      string
	returnID bool // an INSERT that reports its new id
	insert   bool // any INSERT: its result's LastInsertId is 0 when the table has no id
}

var (
	pgRewrites   sync.Map // string → pgStmt
	indexedBy    = regexp.MustCompile(`(?i)\s+INDEXED\s+BY\s+[A-Za-z_][A-Za-z0-9_]*`)
	crossJoin    = regexp.MustCompile(`\bCROSS\s+JOIN\b`)
	insertTarget = regexp.MustCompile(`(?is)^\s*INSERT\s+INTO\s+([A-Za-z_][A-Za-z0-9_]*)`)
)

// pgRewrite translates one statement (see above).
func pgRewrite(q string) pgStmt {
	if s, ok := pgRewrites.Load(q); ok {
		return s.(pgStmt)
	}
	var b strings.Builder
	n := 0
	inQuote := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '-' && !inQuote && i+1 < len(q) && q[i+1] == '-':
			// A comment runs to the end of the line; its apostrophes quote nothing.
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			i += j - 1
		case c == '\'':
			inQuote = !inQuote // '' inside a literal toggles twice: still inside
			b.WriteByte(c)
		case c == '?' && !inQuote && i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9':
			b.WriteByte('$') // ?NNN, SQLite's numbered parameter, is PostgreSQL's $NNN
		case c == '?' && !inQuote:
			n++
			fmt.Fprintf(&b, "$%d", n)
		default:
			b.WriteByte(c)
		}
	}
	s := pgStmt{sql: crossJoin.ReplaceAllString(indexedBy.ReplaceAllString(b.String(), ""), "JOIN")}
	m := insertTarget.FindStringSubmatch(s.sql)
	s.insert = m != nil
	if m != nil && idTables[strings.ToLower(m[1])] && !strings.Contains(strings.ToUpper(s.sql), "RETURNING") {
		s.sql = strings.TrimRight(strings.TrimSpace(s.sql), ";") + " RETURNING id"
		s.returnID = true
	}
	pgRewrites.Store(q, s)
	return s
}

// pgConnector opens pgx connections wrapped in pgConn.
type pgConnector struct{ inner driver.Connector }

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &pgConn{Conn: conn}, nil
}

func (c pgConnector) Driver() driver.Driver { return c.inner.Driver() }

// pgConn is a pgx stdlib connection whose statements are rewritten. pgx's connection
// implements every optional interface used here; the assertions are checked once.
type pgConn struct {
	driver.Conn
}

func (c *pgConn) inner() interface {
	driver.ExecerContext
	driver.QueryerContext
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.Pinger
	driver.SessionResetter
	driver.NamedValueChecker
} {
	return c.Conn.(*stdlib.Conn)
}

func (c *pgConn) Prepare(q string) (driver.Stmt, error) {
	return c.Conn.Prepare(pgRewrite(q).sql)
}

func (c *pgConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return c.inner().PrepareContext(ctx, pgRewrite(q).sql)
}

func (c *pgConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.inner().BeginTx(ctx, opts)
}

func (c *pgConn) Ping(ctx context.Context) error             { return c.inner().Ping(ctx) }
func (c *pgConn) ResetSession(ctx context.Context) error     { return c.inner().ResetSession(ctx) }
func (c *pgConn) CheckNamedValue(v *driver.NamedValue) error { return c.inner().CheckNamedValue(v) }
func (c *pgConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	return c.inner().QueryContext(ctx, pgRewrite(q).sql, args)
}

func (c *pgConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	s := pgRewrite(q)
	if !s.returnID {
		res, err := c.inner().ExecContext(ctx, s.sql, args)
		if err == nil && s.insert {
			// txn.insert asks every insert for its id; a table keyed by its own columns
			// (staff, devices, answers) has none, as SQLite's rowid would be unused.
			n, _ := res.RowsAffected()
			return pgInsertResult(n), nil
		}
		return res, err
	}
	rows, err := c.inner().QueryContext(ctx, s.sql, args)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	dest := make([]driver.Value, 1)
	if err := rows.Next(dest); err != nil {
		return nil, fmt.Errorf("insert returned no id: %w", err)
	}
	id, ok := dest[0].(int64)
	if !ok {
		return nil, fmt.Errorf("insert returned id %T", dest[0])
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	return pgResult(id), nil
}

type pgResult int64

type pgInsertResult int64

func (r pgInsertResult) LastInsertId() (int64, error) { return 0, nil }
func (r pgInsertResult) RowsAffected() (int64, error) { return int64(r), nil }

func (r pgResult) LastInsertId() (int64, error) { return int64(r), nil }
func (r pgResult) RowsAffected() (int64, error) { return 1, nil }

// OpenPool opens a pool of rewritten pgx connections. Every session of it commits
// durably (synchronous_commit=on, whatever the role or database default says) and gives up
// on a lock held too long rather than hanging a POS request forever.
func OpenPool(dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, app.E(app.CodeBadInput, "PostgreSQL address: %v", err)
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["synchronous_commit"] = "on"
	cfg.RuntimeParams["application_name"] = "cardcenter"
	// A host that stops in the middle of a write transaction (frozen, cut off with its TCP
	// connection still open) holds the writer's lock: the server ends such a session after
	// a minute, which releases the lock and rolls its work back, so the other hosts go on.
	cfg.RuntimeParams["idle_in_transaction_session_timeout"] = "60s"
	// A write waiting that long for the lock fails (the POS hears "host unavailable" and
	// sends again) rather than holding its request forever.
	cfg.RuntimeParams["lock_timeout"] = "30s"
	// The ledger's timestamps are integers (Unix ms) and days are text: no session time
	// zone reaches them, but reports of psql users should read the same anywhere.
	cfg.RuntimeParams["TimeZone"] = "UTC"
	return sql.OpenDB(pgConnector{inner: stdlib.GetConnector(*cfg)}), nil
}

// IsAddress reports whether a --db value names a PostgreSQL database rather than a file.
func IsAddress(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// MapErr maps PostgreSQL's refusals onto what the app knows: a unique violation is
// app.ErrDuplicate (the store's own inserts look before they insert, so it is met only by
// a write racing one that does not take the writer's lock — or a guard doing its job);
// the message and the PgError stay in the chain for logs and tests.
func MapErr(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" && !errors.Is(err, app.ErrDuplicate) {
		return fmt.Errorf("%w: %w", app.ErrDuplicate, err)
	}
	return err
}
