package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"cardcenter/app/apptest"
	"cardcenter/store"
	"cardcenter/store/pgtest"
)

// pgGuardedTables are the tables PostgreSQL guards beyond protectedTables: the desk's
// accounts (never renamed, never deleted) and sessions (only last_seen moves on, a session
// ends once, never deleted), with what may change in each and their illegal moves.
var pgGuardedTables = []protectedTable{
	{"staff", []string{"display_name", "role", "password_hash", "enabled", "wrong_tries", "locked_at"}, nil},
	{"staff_sessions", []string{"last_seen", "ended_at"}, []string{
		`UPDATE staff_sessions SET last_seen = last_seen - 1 WHERE ended_at IS NULL`,
		`UPDATE staff_sessions SET last_seen = last_seen + 1 WHERE ended_at IS NOT NULL`,
		`UPDATE staff_sessions SET ended_at = ended_at + 1 WHERE ended_at IS NOT NULL`,
		`UPDATE staff_sessions SET ended_at = NULL WHERE ended_at IS NOT NULL`,
	}},
}

// pgIllegal are illegal moves of protectedTables' tables that only PostgreSQL's SQL says,
// or that a guard of PostgreSQL alone refuses.
var pgIllegal = map[string][]string{
	// A repair finished as it may be, but by another desk than the one that began it: only
	// repairs_desk_session_fixed refuses it.
	"repairs": {`UPDATE repairs SET state = 'written', card_balance_after = card_balance_before,
		card_counter_after = card_counter_before + 1, finished_at = started_at + 1, desk_session = COALESCE(desk_session, '') || '~'
		WHERE id = (SELECT MIN(id) FROM repairs WHERE state = 'intent')`},
	// protectedTables' INSERTs that PostgreSQL's guards (not its CHECKs) refuse: a figure
	// added to a settled day after it was settled; an adjustment into a settled day.
	"settled_report": {`INSERT INTO settled_report(day, operator_id, recharge_count, recharge_amount, reversal_count, reversal_amount,
		cancel_count) SELECT MIN(day), (SELECT MAX(id) FROM operators), 0, 0, 0, 0, 0 FROM settled_days`},
	"case_decisions": {`INSERT INTO case_decisions(case_key, kind, operator_id, amount, day, reason, decided_by, decided_at)
		SELECT 'x/late', 'adjustment', MIN(id), 100, (SELECT MIN(day) FROM settled_days), 'into a settled day', 'x', 1 FROM operators`},
}

// TestMoneyTablesRefuseRewritesThroughPostgreSQL is
// TestMoneyTablesRefuseRewritesThroughTheSQLiteCLI on PostgreSQL: on guardSite's ledger
// (rows in every money table, in every state) and two desk sessions, through a plain
// connection that bypasses the store, every protected table and the desk's accounts and
// sessions are attacked with TRUNCATE, DELETE of a row, UPDATE of every column that may not
// change, and the table's own illegal moves. Each attack is first run with no trigger
// firing (not even the foreign keys'), in a transaction rolled back, where it must change
// the table (so that it is a real attack on a row that exists, and not stopped by a CHECK,
// a unique key or a typo); then on the ledger, where a guard must refuse it (its RAISE,
// not a constraint that happens to hold) and nothing may change.
func TestMoneyTablesRefuseRewritesThroughPostgreSQL(t *testing.T) {
	pgtest.Require(t)
	s := guardSite(t, apptest.Options{Operators: 3, Cards: 8, Postgres: true})
	ctx := context.Background()
	raw, err := store.OpenRaw(s.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	// Desk sessions, one live and one ended (the fixture's use cases open none).
	for _, q := range []string{
		`INSERT INTO staff_sessions(token_hash, username, stamp, started_at, last_seen, expires_at)
			VALUES ('sha256:` + strings.Repeat("a", 64) + `', 'admin', 'st1', 10, 20, 1000)`,
		`INSERT INTO staff_sessions(token_hash, username, stamp, started_at, last_seen, expires_at, ended_at)
			VALUES ('sha256:` + strings.Repeat("b", 64) + `', 'clerk1', 'st2', 30, 40, 1000, 50)`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}

	guarded := append(slices.Clone(protectedTables), pgGuardedTables...)
	tables := store.QueryColumn(t, raw, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1`)
	for _, name := range tables {
		g := slices.ContainsFunc(guarded, func(p protectedTable) bool { return p.table == name })
		free := slices.Contains(freeTables, name) && !slices.Contains([]string{"staff", "staff_sessions"}, name)
		if g == free && name != "schema_migrations" {
			t.Errorf("table %s must be in exactly one of protectedTables, pgGuardedTables and freeTables", name)
		}
	}
	for _, p := range guarded {
		if !slices.Contains(tables, p.table) {
			t.Errorf("protected table %s is not in the PostgreSQL schema", p.table)
		}
	}

	ledger := func() string {
		t.Helper()
		var b strings.Builder
		for _, name := range tables {
			b.WriteString(name + " " + pgDigest(t, raw, name) + "\n")
		}
		return b.String()
	}
	before := ledger()

	attacks := 0
	for _, p := range guarded {
		ti := pgDescribe(t, raw, p.table)
		if !enoughRows(t, p.table, ti.rows, "guardSite") {
			continue
		}
		for _, a := range slices.Concat(ti.pgAttacks(t, raw, p.mutable), pgOnly(p.illegal), pgIllegal[p.table]) {
			if ok, why := pgChanges(t, raw, p.table, a); !ok {
				t.Errorf("%s: not an attack: without the triggers %s:\n%s", p.table, why, a)
				continue
			}
			attacks++
			var pe *pgconn.PgError
			if _, err := raw.ExecContext(ctx, a); err == nil {
				t.Errorf("%s: the ledger took:\n%s", p.table, a)
			} else if !errors.As(err, &pe) || pe.Code != "P0001" {
				// A guard's RAISE (BEFORE triggers fire before foreign keys, CHECK and
				// UNIQUE are checked): the guards refuse it, not a constraint by the way.
				t.Errorf("%s: refused, but not by a guard (%v):\n%s", p.table, err, a)
			}
			if after := ledger(); after != before {
				t.Fatalf("%s: refused but changed the ledger:\n%s", p.table, a)
			}
		}
	}
	if attacks < 100 {
		t.Errorf("only %d attacks", attacks)
	}
	t.Logf("%d attacks on %d tables", attacks, len(guarded))
}

// pgOnly keeps the illegal moves of protectedTables that are PostgreSQL's SQL too (not
// SQLite's OR REPLACE or date()), and of those only the UPDATEs: most of its INSERTs try
// bounds that CHECK constraints hold on PostgreSQL (testGuards tries them); the two that
// PostgreSQL's guards refuse are in pgIllegal.
func pgOnly(stmts []string) []string {
	var out []string
	for _, q := range stmts {
		// 9223372036854775807: beyond the purse, which a CHECK holds on PostgreSQL.
		if strings.HasPrefix(q, "UPDATE ") && !strings.Contains(q, "OR REPLACE") && !strings.Contains(q, "date(") &&
			!strings.Contains(q, "9223372036854775807") {
			out = append(out, q)
		}
	}
	return out
}

// pgDigest is a digest of every row of a table.
func pgDigest(t *testing.T, db interface {
	QueryRow(string, ...any) *sql.Row
}, table string) string {
	t.Helper()
	var d string
	if err := db.QueryRow(`SELECT md5(COALESCE(string_agg(x::text, '|' ORDER BY x::text), '')) FROM ` + table + ` x`).Scan(&d); err != nil {
		t.Fatalf("digest of %s: %v", table, err)
	}
	return d
}

type pgColumn struct{ name, typ string }

type pgTableInfo struct {
	name string
	cols []pgColumn
	pk   []string
	rows int
}

func pgDescribe(t *testing.T, db *sql.DB, table string) pgTableInfo {
	t.Helper()
	ti := pgTableInfo{name: table}
	rows, err := db.Query(`SELECT a.attname, format_type(a.atttypid, a.atttypmod),
			COALESCE(a.attnum = ANY (i.indkey), false)
		FROM pg_attribute a LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
		WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, table)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c pgColumn
		var pk bool
		if err := rows.Scan(&c.name, &c.typ, &pk); err != nil {
			t.Fatal(err)
		}
		ti.cols = append(ti.cols, c)
		if pk {
			ti.pk = append(ti.pk, c.name)
		}
	}
	rows.Close()
	if len(ti.pk) == 0 {
		t.Fatalf("%s has no primary key", table)
	}
	if err := db.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&ti.rows); err != nil {
		t.Fatal(err)
	}
	return ti
}

// row is a condition that picks one existing row: the first by order.
func (ti pgTableInfo) row(order string) string {
	k := strings.Join(ti.pk, ", ")
	return fmt.Sprintf(`(%s) = (SELECT %s FROM %s ORDER BY %s LIMIT 1)`, k, k, ti.name, order)
}

// pgAttacks: TRUNCATE, DELETE of a row, and for every column that may not change an
// UPDATE of one row's value to another — another row's value if that changes the table
// without the triggers (so that it passes the column's CHECK and foreign key), else one
// made from it by its type.
func (ti pgTableInfo) pgAttacks(t *testing.T, db *sql.DB, mutable []string) []string {
	t.Helper()
	pkOrder := strings.Join(ti.pk, ", ")
	out := []string{`TRUNCATE ` + ti.name + ` CASCADE`, `DELETE FROM ` + ti.name + ` WHERE ` + ti.row(pkOrder)}
	for _, c := range ti.cols {
		if slices.Contains(mutable, c.name) {
			continue
		}
		candidates := []string{fmt.Sprintf(`(SELECT y.%[1]s FROM %[2]s y WHERE y.%[1]s IS NOT NULL AND y.%[1]s IS DISTINCT FROM %[2]s.%[1]s
			ORDER BY y.%[1]s LIMIT 1)`, c.name, ti.name)}
		switch c.typ {
		case "text":
			candidates = append(candidates, fmt.Sprintf(`COALESCE(%s, '') || '~'`, c.name),
				`'2099-01-01'`, `'sha256:' || repeat('c', 64)`) // a fresh day, a fresh token's hash
		case "bigint", "integer":
			candidates = append(candidates, fmt.Sprintf(`COALESCE(%s, 0) + 100`, c.name), fmt.Sprintf(`COALESCE(%s, 0) + 1`, c.name),
				fmt.Sprintf(`1 - COALESCE(%s, 0)`, c.name), fmt.Sprintf(`(SELECT MAX(%s) FROM %s) + 1000`, c.name, ti.name))
		case "bytea":
			candidates = append(candidates, fmt.Sprintf(`COALESCE(%s, ''::bytea) || '\x00'::bytea`, c.name))
		}
		found := ""
		var whys []string
	search:
		for _, v := range candidates {
			for _, dir := range []string{"ASC", "DESC"} {
				where := ti.row(c.name + " IS NULL, " + strings.Join(ti.pk, " "+dir+", ") + " " + dir)
				a := fmt.Sprintf(`UPDATE %s SET %s = %s WHERE %s`, ti.name, c.name, v, where)
				ok, why := pgChanges(t, db, ti.name, a)
				if ok {
					found = a
					break search
				}
				whys = append(whys, why)
			}
		}
		if found == "" {
			t.Errorf("%s.%s (%s): no UPDATE changes it even without the triggers: %s", ti.name, c.name, c.typ, strings.Join(whys, "; "))
			continue
		}
		out = append(out, found)
	}
	return out
}

// pgChanges runs a statement with no trigger firing (session_replication_role = replica:
// neither the guards nor the foreign keys' triggers; CHECK, NOT NULL and UNIQUE still
// hold), in a transaction rolled back: whether it succeeds and changes the table, and if
// not why.
func pgChanges(t *testing.T, db *sql.DB, table, stmt string) (bool, string) {
	t.Helper()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`SET LOCAL session_replication_role = replica`); err != nil {
		t.Fatalf("the attacks' control needs a superuser: %v", err)
	}
	before := pgDigest(t, tx, table)
	if _, err := tx.Exec(stmt); err != nil {
		return false, "it fails: " + err.Error()
	}
	if pgDigest(t, tx, table) == before {
		return false, "it changes nothing"
	}
	return true, ""
}
