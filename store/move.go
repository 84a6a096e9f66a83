package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"cardcenter/app"
	"cardcenter/store/postgres"
)

// Moving a site from SQLite onto PostgreSQL (cardcenter migrate, issue 12.4).
//
// The source is read in one read transaction: a consistent snapshot, even if a host were
// still writing (it should not be: the move is for a stopped site). The target must be
// empty — no table at all, or this program's schema with no row in it (what a move that
// failed its recount leaves). Every row goes in through COPY, in one transaction under the
// writer's lock, so every guard of the PostgreSQL schema (its triggers fire for COPY too)
// checks every row. Before the COMMIT, the copy is recounted inside that same transaction
// and compared with a recount of the source: the money (per operator and day, both the live
// and the settled report; the whole ledger by Recount) and the number of recharges,
// reversals, cancels and repairs in each state, and of rows of each table. A difference rolls
// the whole copy back.

// moveOrder puts each table after the ones its foreign keys and guards need: settled days
// last of the ledger's (a recharge, or an adjustment, of a settled day is refused once the
// day is there), their frozen rows after them.
var moveOrder = []string{"cardholders", "cards", "devices", "operators", "auth_cards", "staff", "staff_sessions", "audit_log",
	"authorizations", "terminal_answers", "recharges", "reversals", "cancels", "repairs", "card_memory", "card_reads",
	"device_journal_ends", "exception_cases", "case_decisions", "settled_days", "settled_report"}

// MoveReport is what a move copied and what both ledgers recount to.
type MoveReport struct {
	Rows     map[string]int64 // rows copied, by table
	Recount  Recount
	Days     int // days of the report compared
	Elapsed  time.Duration
	From, To string
}

// MoveToPostgres copies the SQLite ledger at from into the empty PostgreSQL database at to
// and verifies the copy by recount (see above).
func MoveToPostgres(ctx context.Context, from, to string) (MoveReport, error) {
	start := time.Now()
	rep := MoveReport{Rows: map[string]int64{}, From: from, To: postgres.RedactDSN(to)}
	if IsPostgres(from) {
		return rep, app.E(app.CodeBadInput, "--from is a SQLite ledger file")
	}
	if !IsPostgres(to) {
		return rep, app.E(app.CodeBadInput, "--to is a postgres:// or postgresql:// address")
	}
	src, err := Open(from, Options{})
	if err != nil {
		return rep, err
	}
	defer src.Close()
	if err := pgRefuseNonEmpty(ctx, to); err != nil {
		return rep, err
	}
	dst, err := Open(to, Options{Create: true})
	if err != nil {
		return rep, err
	}
	defer dst.Close()

	// The source's snapshot, held until the copy is verified.
	stx, err := src.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return rep, err
	}
	defer stx.Rollback()
	if err := refuseUnknownTables(ctx, stx); err != nil {
		return rep, err
	}
	srcView := &txn{ctx: ctx, q: stx}
	want, err := moveFigures(srcView)
	if err != nil {
		return rep, fmt.Errorf("recount the source: %w", err)
	}

	conn, err := dst.pg.Pool().Conn(ctx)
	if err != nil {
		return rep, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN`); err != nil {
		return rep, err
	}
	committed := false
	defer func() {
		if !committed {
			conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
		}
	}()
	if _, err := conn.ExecContext(ctx, `SELECT cc_writer_lock()`); err != nil {
		return rep, err
	}
	if err := copyCardStatuses(ctx, stx, conn); err != nil {
		return rep, err
	}
	for _, table := range moveOrder {
		n, err := copyTable(ctx, stx, conn, table)
		if err != nil {
			return rep, fmt.Errorf("copy %s: %w", table, err)
		}
		rep.Rows[table] = n
		if postgres.HasID(table) {
			// The copied ids are the source's; new rows continue after them.
			if _, err := conn.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+table+`', 'id'),
				COALESCE((SELECT MAX(id) FROM `+table+`), 0) + 1, false)`); err != nil {
				return rep, fmt.Errorf("identity of %s: %w", table, err)
			}
		}
	}
	got, err := moveFigures(&txn{ctx: ctx, q: conn})
	if err != nil {
		return rep, fmt.Errorf("recount the copy: %w", err)
	}
	if d := want.diff(got); d != "" {
		return rep, app.E(app.CodeMigrateMismatch, "%s", d)
	}
	if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
		return rep, fmt.Errorf("commit: %w", err)
	}
	committed = true
	rep.Recount, rep.Days, rep.Elapsed = got.recount, len(got.live), time.Since(start)
	return rep, nil
}

// pgRefuseNonEmpty: no table, or this program's tables without a row.
func pgRefuseNonEmpty(ctx context.Context, dsn string) error {
	return postgres.RefuseNonEmpty(ctx, dsn, moveOrder)
}

// refuseUnknownTables: a table this program would not copy means a ledger of another
// program or version; a conversion still pending means secrets in the clear.
func refuseUnknownTables(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return err
		}
		if name != "pending_conversions" && name != "card_statuses" && !slices.Contains(moveOrder, name) {
			return app.E(app.CodeDatabaseTooOld, "table %s is unknown to this program", name)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var pending int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM pending_conversions`).Scan(&pending); err != nil {
		return err
	}
	if pending > 0 {
		return app.E(app.CodeSiteKeyNeeded, "open the ledger once with the site key (serve or desk) before moving it")
	}
	return nil
}

// copyCardStatuses adds to the destination the card statuses the source allows that it
// lacks: both ledgers hold this program's already (each fills card_statuses at open), but a
// card may carry one only another version knows, and its row must find its status.
func copyCardStatuses(ctx context.Context, stx *sql.Tx, conn *sql.Conn) error {
	codes, err := cardStatusCodes(ctx, stx)
	if err != nil {
		return fmt.Errorf("copy %w", err)
	}
	for _, c := range codes {
		if _, err := conn.ExecContext(ctx, `INSERT INTO card_statuses(code) VALUES ($1) ON CONFLICT (code) DO NOTHING`, c); err != nil {
			return fmt.Errorf("copy card status %s: %w", c, err)
		}
	}
	return nil
}

// copyTable streams one table's rows from the SQLite snapshot into PostgreSQL with COPY.
func copyTable(ctx context.Context, stx *sql.Tx, conn *sql.Conn, table string) (int64, error) {
	rows, err := stx.QueryContext(ctx, `SELECT * FROM `+table+` ORDER BY 1`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	src := &sqlRowsSource{rows: rows, vals: make([]any, len(cols))}
	var n int64
	n, err = postgres.CopyFrom(ctx, conn, table, cols, src)
	if err != nil {
		return n, err
	}
	if src.err != nil {
		return n, src.err
	}
	return n, rows.Err()
}

// sqlRowsSource feeds database/sql rows to pgx's COPY.
type sqlRowsSource struct {
	rows *sql.Rows
	vals []any
	err  error
}

func (s *sqlRowsSource) Next() bool {
	if !s.rows.Next() {
		return false
	}
	ptrs := make([]any, len(s.vals))
	for i := range s.vals {
		ptrs[i] = &s.vals[i]
	}
	if err := s.rows.Scan(ptrs...); err != nil {
		s.err = err
		return false
	}
	return true
}

func (s *sqlRowsSource) Values() ([]any, error) {
	// SQLite gives INTEGER as int64, TEXT as string and BLOB as []byte: each already what
	// COPY's binary format wants for the column (bigint, text, bytea).
	return slices.Clone(s.vals), nil
}

func (s *sqlRowsSource) Err() error { return s.err }

// moveFigures is what a ledger recounts to, by the store's own questions and by plain
// counts of rows in each state.
type figures struct {
	recount Recount
	live    []app.ReportRow
	settled []app.ReportRow
	counts  map[string]int64
}

var moveCounts = map[string]string{
	"recharges by booking and write": `SELECT COUNT(*) * 1000003 + COALESCE(SUM(CASE booking WHEN 'reversed' THEN 1 ELSE 0 END), 0) * 1009
		+ COALESCE(SUM(CASE card_write WHEN 'written' THEN 1 WHEN 'cancel_reported' THEN 2 WHEN 'repaired' THEN 3 WHEN 'found_on_card' THEN 4 ELSE 0 END), 0)
		FROM recharges`,
	"reversals applied":       `SELECT COUNT(*) FROM reversals WHERE status = 'applied'`,
	"reversals pending":       `SELECT COUNT(*) FROM reversals WHERE status = 'pending'`,
	"reversals tombstone":     `SELECT COUNT(*) FROM reversals WHERE status = 'tombstone'`,
	"reversals set aside":     `SELECT COUNT(*) FROM reversals WHERE status IN ('conflict', 'exception')`,
	"cancels recorded":        `SELECT COUNT(*) FROM cancels WHERE status = 'recorded'`,
	"repairs finished":        `SELECT COUNT(*) FROM repairs WHERE state <> 'intent'`,
	"repairs open":            `SELECT COUNT(*) FROM repairs WHERE state = 'intent'`,
	"repaired amount":         `SELECT COALESCE(SUM(r.amount), 0) FROM repairs p JOIN recharges r ON r.id = p.recharge_id WHERE p.state = 'written'`,
	"settled days":            `SELECT COUNT(*) FROM settled_days`,
	"settled rows":            `SELECT COUNT(*) FROM settled_report`,
	"terminal answers":        `SELECT COUNT(*) FROM terminal_answers`,
	"audit entries":           `SELECT COUNT(*) FROM audit_log`,
	"decisions":               `SELECT COUNT(*) FROM case_decisions`,
	"cases":                   `SELECT COUNT(*) FROM exception_cases`,
	"card memories":           `SELECT COUNT(*) FROM card_memory`,
	"authorizations":          `SELECT COUNT(*) FROM authorizations`,
	"cards and bindings":      `SELECT (SELECT COUNT(*) FROM cards) * 1000003 + (SELECT COUNT(*) FROM auth_cards)`,
	"devices and operators":   `SELECT (SELECT COUNT(*) FROM devices) * 1000003 + (SELECT COUNT(*) FROM operators)`,
	"recharge serials (hash)": `SELECT COALESCE(SUM(serial % 1000003), 0) + COALESCE(SUM(amount / 100 % 1009), 0) FROM recharges`,
}

func moveFigures(t *txn) (figures, error) {
	f := figures{counts: map[string]int64{}}
	var err error
	if f.recount, err = recountTx(t); err != nil {
		return f, err
	}
	var lo, hi sql.NullString
	if err := t.one("report span", []any{&lo, &hi}, `SELECT MIN(d), MAX(d) FROM (
		SELECT settle_day AS d FROM recharges UNION ALL SELECT reversal_day FROM recharges WHERE reversal_day IS NOT NULL
		UNION ALL SELECT day FROM settled_days UNION ALL SELECT day FROM case_decisions WHERE day <> '') AS days`); err != nil {
		return f, err
	}
	if lo.Valid {
		if f.live, err = t.LiveReport(lo.String, hi.String); err != nil {
			return f, err
		}
		if f.settled, err = t.SettledReport(lo.String, hi.String); err != nil {
			return f, err
		}
	}
	for name, q := range moveCounts {
		var n int64
		if err := t.one(name, []any{&n}, q); err != nil {
			return f, err
		}
		f.counts[name] = n
	}
	return f, nil
}

// diff says how two ledgers' figures differ ("" if they do not).
func (a figures) diff(b figures) string {
	var out []string
	if a.recount != b.recount {
		out = append(out, fmt.Sprintf("recount %+v, copy %+v", a.recount, b.recount))
	}
	if x, y := fmt.Sprint(a.live), fmt.Sprint(b.live); x != y {
		out = append(out, fmt.Sprintf("live report differs (%d rows, copy %d)", len(a.live), len(b.live)))
	}
	if x, y := fmt.Sprint(a.settled), fmt.Sprint(b.settled); x != y {
		out = append(out, fmt.Sprintf("settled report differs (%d rows, copy %d)", len(a.settled), len(b.settled)))
	}
	for _, k := range slices.Sorted(maps.Keys(a.counts)) {
		if a.counts[k] != b.counts[k] {
			out = append(out, fmt.Sprintf("%s %d, copy %d", k, a.counts[k], b.counts[k]))
		}
	}
	return strings.Join(out, "; ")
}
