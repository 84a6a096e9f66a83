package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"

	"cardcenter/app"
	"cardcenter/store/engine"
)

// Bulk is the bulk loader's engine on PostgreSQL (cardcenter gen --db postgres://…). The
// store's Bulk methods are the same as on SQLite, and so are their statements; what
// differs is how the rows travel:
// inserts are held per table and sent with COPY (pgx CopyFrom, binary), thousands of rows a
// round trip, where one INSERT each would cost a round trip and a parse per row.
//
// Order: the sink calls the methods in an order the schema accepts (a row's parents before
// it, an update after the row it changes). Held rows are sent table by table in the order
// of the tables NewBulk was given, parents first, so a flush keeps every row after its
// parents; and every UPDATE first sends everything held, so it meets the rows the calls before it made, exactly as on SQLite.
//
// The whole load is one transaction under the writer's lock: a load that fails or is
// killed leaves the database as it found it, empty (the schema and no row), which a second
// gen, or cardcenter migrate, accepts. COPY fires every trigger and checks every
// constraint, so the guards check every generated row as they check the use cases' rows.
// The plain indexes of recharges are dropped inside the transaction and built at Close, one
// sort each, as on SQLite; Close then sets the identity sequences after the generated ids
// and runs VACUUM (ANALYZE), so the planner knows the site's size from its first query.
type Bulk struct {
	db      *sql.DB
	conn    *sql.Conn
	tables  []string
	held    map[string]*heldRows
	nHeld   int
	maxHeld int
	// deferred are the CREATE statements of the indexes dropped for the load.
	deferred []string
	done     bool // committed or rolled back
}

type heldRows struct {
	cols []string
	rows [][]any
}

// bulkHeld bounds the rows held before a flush: big enough that COPY's per-call cost
// (a describe of the table, a round trip) vanishes, small enough to be a few MB.
const bulkHeld = 20_000

var (
	bulkInsert      = regexp.MustCompile(`(?is)^\s*INSERT\s+INTO\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(([^)]*)\)`)
	bulkInsertCache sync.Map // query → bulkTarget
)

type bulkTarget struct {
	table string
	cols  []string
}

// bulkTargetOf reads the table and the columns out of one of Bulk's INSERT statements.
func bulkTargetOf(query string) (bulkTarget, error) {
	if t, ok := bulkInsertCache.Load(query); ok {
		return t.(bulkTarget), nil
	}
	m := bulkInsert.FindStringSubmatch(query)
	if m == nil {
		return bulkTarget{}, fmt.Errorf("bulk: not an INSERT INTO table(columns): %.60s", query)
	}
	t := bulkTarget{table: m[1]}
	for _, c := range strings.Split(m[2], ",") {
		t.cols = append(t.cols, strings.TrimSpace(c))
	}
	bulkInsertCache.Store(query, t)
	return t, nil
}

// NewBulk begins a bulk load into the PostgreSQL ledger at dsn, whose schema is made and
// which holds no row (the store checks both); tables are the ledger's tables in an order
// their foreign keys accept.
func NewBulk(dsn string, tables []string) (*Bulk, error) {
	ctx := context.Background()
	db, err := OpenPool(dsn)
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, Unavailable(err)
	}
	p := &Bulk{db: db, conn: conn, tables: tables, held: map[string]*heldRows{}, maxHeld: bulkHeld}
	fail := func(err error) (*Bulk, error) {
		p.Abort()
		return nil, err
	}
	for _, q := range []string{
		`BEGIN`,
		// No host writes while the site is loaded, and a second gen waits for this one.
		`SELECT cc_writer_lock()`,
		// The load is one transaction: only its COMMIT need wait for the disk, and that one
		// does (synchronous_commit stays on for the session).
		`SET LOCAL maintenance_work_mem = '256MB'`,
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fail(fmt.Errorf("bulk %s: %w", q, err))
		}
	}
	// A second gen that waited for the lock finds the first one's rows.
	var filled bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM recharges) OR EXISTS (SELECT 1 FROM audit_log)`).Scan(&filled); err != nil {
		return fail(err)
	} else if filled {
		return fail(app.E(app.CodeTargetNotEmpty, "another load filled the database meanwhile"))
	}
	if err := p.deferIndexes(ctx); err != nil {
		return fail(err)
	}
	return p, nil
}

// deferIndexes drops the plain (non-unique, non-partial, not a constraint's) indexes of
// recharges and keeps their definitions for close.
func (p *Bulk) deferIndexes(ctx context.Context) (err error) {
	p.deferred, err = engine.DeferIndexes(ctx, p.conn, `SELECT c.relname, pg_get_indexdef(x.indexrelid)
		FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
		WHERE t.relname = 'recharges' AND t.relnamespace = current_schema()::regnamespace
		  AND NOT x.indisunique AND x.indpred IS NULL
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)
		ORDER BY c.relname`,
		func(name string) string { return pgx.Identifier{name}.Sanitize() })
	return err
}

// Deferred are the CREATE statements of the indexes dropped for the load.
func (p *Bulk) Deferred() []string { return p.deferred }

// HoldAtMost sets how many rows are held before a flush (tests that want many flushes).
func (p *Bulk) HoldAtMost(n int) { p.maxHeld = n }

// Insert holds one row for COPY.
func (p *Bulk) Insert(query string, args []any) error {
	t, err := bulkTargetOf(query)
	if err != nil {
		return err
	}
	if len(args) != len(t.cols) {
		return fmt.Errorf("bulk %s: %d values for %d columns", t.table, len(args), len(t.cols))
	}
	h := p.held[t.table]
	if h == nil {
		h = &heldRows{cols: t.cols}
		p.held[t.table] = h
	} else if !slices.Equal(h.cols, t.cols) {
		// Every insert of a table names the same columns; a second shape would need a
		// flush between them to keep the order of calls.
		if err := p.Flush(); err != nil {
			return err
		}
		h.cols = t.cols
	}
	row := make([]any, len(args))
	for i, a := range args {
		// The app's named types (app.Fen, app.CardWrite, …) as the plain values COPY's
		// binary encoders take.
		v, err := driver.DefaultParameterConverter.ConvertValue(a)
		if err != nil {
			return fmt.Errorf("bulk %s.%s: %w", t.table, t.cols[i], err)
		}
		row[i] = v
	}
	h.rows = append(h.rows, row)
	if p.nHeld++; p.nHeld >= p.maxHeld {
		return p.Flush()
	}
	return nil
}

// Update sends what is held, then runs one UPDATE; it reports the rows it changed.
func (p *Bulk) Update(query string, args []any) (int64, error) {
	if err := p.Flush(); err != nil {
		return 0, err
	}
	res, err := p.conn.ExecContext(context.Background(), query, args...)
	if err != nil {
		return 0, MapErr(err)
	}
	return res.RowsAffected()
}

// Flush sends every held row, table by table, parents first.
func (p *Bulk) Flush() error {
	if p.nHeld == 0 {
		return nil
	}
	ctx := context.Background()
	for _, table := range p.tables {
		h := p.held[table]
		if h == nil || len(h.rows) == 0 {
			continue
		}
		n, err := CopyFrom(ctx, p.conn, table, h.cols, pgx.CopyFromRows(h.rows))
		if err == nil && n != int64(len(h.rows)) {
			err = fmt.Errorf("copied %d of %d rows", n, len(h.rows))
		}
		if err != nil {
			return fmt.Errorf("bulk copy %s: %w", table, MapErr(err))
		}
		h.rows = h.rows[:0]
	}
	for table, h := range p.held {
		if len(h.rows) > 0 {
			return fmt.Errorf("bulk: table %s is not among the ledger's tables", table)
		}
	}
	p.nHeld = 0
	return nil
}

// Close sends what is held, builds the deferred indexes, moves the identities past the
// loaded ids, commits, and has the planner's statistics gathered.
func (p *Bulk) Close() error {
	ctx := context.Background()
	if err := p.Flush(); err != nil {
		return err
	}
	for _, create := range p.deferred {
		if _, err := p.conn.ExecContext(ctx, create); err != nil {
			return fmt.Errorf("bulk: %s: %w", create, err)
		}
	}
	for _, table := range p.tables {
		if !idTables[table] {
			continue
		}
		if _, err := p.conn.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+table+`', 'id'),
			COALESCE((SELECT MAX(id) FROM `+table+`), 0) + 1, false)`); err != nil {
			return fmt.Errorf("bulk: identity of %s: %w", table, err)
		}
	}
	if _, err := p.conn.ExecContext(ctx, `COMMIT`); err != nil {
		return fmt.Errorf("bulk commit: %w", err)
	}
	p.done = true
	// VACUUM sets the visibility map, without which no scan of the fresh rows is index-only,
	// and the hint bits, which the first reads would otherwise write; ANALYZE gives the
	// planner the site's size.
	if _, err := p.conn.ExecContext(ctx, `VACUUM (ANALYZE)`); err != nil {
		return fmt.Errorf("bulk analyze: %w", err)
	}
	return errors.Join(p.conn.Close(), p.db.Close())
}

// Abort rolls the load back: the database is left empty, as it was.
func (p *Bulk) Abort() {
	if !p.done {
		p.conn.ExecContext(context.Background(), `ROLLBACK`)
		p.done = true
	}
	p.conn.Close()
	p.db.Close()
}
