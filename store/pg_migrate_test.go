package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"cardcenter/app"
	"cardcenter/store/pgtest"
	"cardcenter/store/postgres"
)

// pgCatalogOf lists a PostgreSQL ledger's whole schema from the catalog, so that two
// databases can be compared: tables and their columns (in order, with type, nullability,
// default and identity), constraints, indexes, triggers, functions, sequences, and the
// versions schema_migrations records.
func pgCatalogOf(t *testing.T, dsn string) string {
	t.Helper()
	db, err := OpenRaw(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out []string
	add := func(kind, query string) {
		t.Helper()
		rows, err := db.Query(query)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, kind+" "+s)
			n++
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if n == 0 && kind != "sequence" {
			t.Fatalf("no %s in the catalog of %s", kind, postgres.RedactDSN(dsn))
		}
	}
	const ns = `(SELECT oid FROM pg_namespace WHERE nspname = current_schema())`
	add("table", `SELECT relname FROM pg_class WHERE relnamespace = `+ns+` AND relkind = 'r' ORDER BY 1`)
	add("column", `SELECT c.relname || '.' || a.attnum || ' ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
			|| CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
			|| COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
			|| CASE WHEN a.attidentity <> '' THEN ' IDENTITY ' || a.attidentity::text ELSE '' END
		FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
		LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
		WHERE c.relnamespace = `+ns+` AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum`)
	add("constraint", `SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
		FROM pg_constraint WHERE connamespace = `+ns+` ORDER BY conrelid::regclass::text, conname`)
	add("index", `SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname`)
	add("trigger", `SELECT pg_get_triggerdef(oid) || CASE tgenabled WHEN 'O' THEN '' ELSE ' enabled=' || tgenabled::text END
		FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgrelid::regclass::text, tgname`)
	add("function", `SELECT pg_get_functiondef(oid) FROM pg_proc WHERE pronamespace = `+ns+` ORDER BY proname`)
	add("sequence", `SELECT relname FROM pg_class WHERE relnamespace = `+ns+` AND relkind = 'S' ORDER BY 1`)
	add("version", `SELECT version::text FROM schema_migrations ORDER BY version`)
	return strings.Join(out, "\n")
}

// pgRowsAt puts, into a PostgreSQL ledger at schema version v, rows of the tables that
// version has: a cardholder, a card and an audit entry from version 1 on, a desk account
// (its columns as of v) and, from version 2 on, one of its desk sessions.
func pgRowsAt(t *testing.T, raw *sql.DB, v int) {
	t.Helper()
	stmts := []string{
		`INSERT INTO cardholders(holder_no, name) VALUES ('S1', '张三')`,
		`INSERT INTO cards(card_no, holder_id, status) VALUES ('U1', (SELECT id FROM cardholders WHERE holder_no = 'S1'), 'normal')`,
		`INSERT INTO audit_log(at, actor, action, subject, detail) VALUES (1, 'admin', 'card.issue', 'U1', '{}')`,
		`INSERT INTO staff(username, display_name, role, password_hash, enabled) VALUES ('alice', 'Alice', 'clerk', 'x', 1)`,
	}
	if v >= 2 {
		stmts = append(stmts, `INSERT INTO staff_sessions(token_hash, username, stamp, started_at, last_seen, expires_at)
			VALUES ('sha256:`+strings.Repeat("a", 64)+`', 'alice', 'st', 10, 11, 99)`)
	}
	if v >= 3 {
		stmts = append(stmts, `UPDATE staff SET wrong_tries = 2 WHERE username = 'alice'`)
	}
	for _, q := range stmts {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("version %d: %s: %v", v, q, err)
		}
	}
}

// pgRowsKept checks, after the upgrade from version v, that the rows pgRowsAt put in are
// all there, as they were, and that the columns a later migration added have their
// defaults.
func pgRowsKept(t *testing.T, raw *sql.DB, v int) {
	t.Helper()
	var name, card, status, action, display string
	var tries int
	var locked sql.NullInt64
	if err := raw.QueryRow(`SELECT h.name, c.card_no, c.status FROM cardholders h JOIN cards c ON c.holder_id = h.id
		WHERE h.holder_no = 'S1'`).Scan(&name, &card, &status); err != nil || name != "张三" || card != "U1" || status != "normal" {
		t.Errorf("upgrade from %d: cardholder and card %q %q %q (%v)", v, name, card, status, err)
	}
	if err := raw.QueryRow(`SELECT action FROM audit_log WHERE subject = 'U1'`).Scan(&action); err != nil || action != "card.issue" {
		t.Errorf("upgrade from %d: audit entry %q (%v)", v, action, err)
	}
	wantTries := 0
	if v >= 3 {
		wantTries = 2
	}
	if err := raw.QueryRow(`SELECT display_name, wrong_tries, locked_at FROM staff WHERE username = 'alice'`).
		Scan(&display, &tries, &locked); err != nil || display != "Alice" || tries != wantTries || locked.Valid {
		t.Errorf("upgrade from %d: desk account %q tries=%d locked=%v (%v), want %d tries, not locked", v, display, tries, locked, err, wantTries)
	}
	var sessions int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM staff_sessions WHERE username = 'alice' AND last_seen = 11`).Scan(&sessions); err != nil {
		t.Fatal(err)
	}
	if want := map[bool]int{true: 1, false: 0}[v >= 2]; sessions != want {
		t.Errorf("upgrade from %d: %d desk sessions, want %d", v, sessions, want)
	}
}

// TestPGMigrationsFromEveryVersion is TestMigrationsFromEveryVersion on PostgreSQL: an
// empty database, and a database left at each earlier schema version holding rows of the
// tables that version has, are brought by Open to exactly the schema a fresh database gets
// (the whole catalog), keeping the rows.
func TestPGMigrationsFromEveryVersion(t *testing.T) {
	fresh := pgtest.DSN(t)
	st, err := Open(fresh, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	want := pgCatalogOf(t, fresh)
	if PGSchemaVersion < 2 {
		t.Fatalf("PostgreSQL schema version %d: nothing to upgrade from", PGSchemaVersion)
	}

	for from := 0; from < PGSchemaVersion; from++ {
		t.Run(fmt.Sprintf("from%d", from), func(t *testing.T) {
			dsn := pgtest.DSN(t)
			if from > 0 {
				old, err := Open(dsn, Options{Create: true, migrateTo: from})
				if err != nil {
					t.Fatalf("open at version %d: %v", from, err)
				}
				old.Close()
				raw, err := OpenRaw(dsn)
				if err != nil {
					t.Fatal(err)
				}
				var have int
				if err := raw.QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&have); err != nil || have != from {
					t.Fatalf("migrated to %d, the database records %d (%v)", from, have, err)
				}
				if got := pgCatalogOf(t, dsn); got == want {
					t.Fatalf("a database at version %d already has the schema of version %d", from, PGSchemaVersion)
				}
				pgRowsAt(t, raw, from)
				raw.Close()
			}
			st, err := Open(dsn, Options{Create: from == 0}) // an empty database is a ledger only when creating
			if err != nil {
				t.Fatalf("upgrade from %d: %v", from, err)
			}
			have, wantV, err := st.Schema(t.Context())
			st.Close()
			if err != nil || have != wantV || have != PGSchemaVersion {
				t.Fatalf("upgrade from %d: schema %d of %d (%v)", from, have, wantV, err)
			}
			if got := pgCatalogOf(t, dsn); got != want {
				t.Errorf("upgrade from version %d: schema differs from a fresh database:\n%s", from, catalogDiff(got, want))
			}
			if from > 0 {
				raw, err := OpenRaw(dsn)
				if err != nil {
					t.Fatal(err)
				}
				defer raw.Close()
				pgRowsKept(t, raw, from)
			}
		})
	}
}

// catalogDiff names the lines only one of two catalogs has.
func catalogDiff(got, want string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	g, w := in(got), in(want)
	var b strings.Builder
	for _, l := range strings.Split(got, "\n") {
		if !w[l] {
			b.WriteString("+ " + l + "\n")
		}
	}
	for _, l := range strings.Split(want, "\n") {
		if !g[l] {
			b.WriteString("- " + l + "\n")
		}
	}
	if b.Len() == 0 {
		return "(the same lines, in another order)"
	}
	return b.String()
}

// TestPGOpenRefusesNewerSchema is TestOpenRefusesNewerSchema on PostgreSQL: a ledger whose
// schema_migrations records a version this program does not know is refused
// (DATABASE_NEWER_THAN_PROGRAM), and left as it was.
func TestPGOpenRefusesNewerSchema(t *testing.T) {
	dsn := pgtest.DSN(t)
	st, err := Open(dsn, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	raw, err := OpenRaw(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`INSERT INTO schema_migrations(version) VALUES (?)`, PGSchemaVersion+1); err != nil {
		t.Fatal(err)
	}
	before := pgCatalogOf(t, dsn)
	for _, opt := range []Options{{}, {Create: true}} {
		_, err = Open(dsn, opt)
		if !errors.Is(err, app.CodeDatabaseTooOld) {
			t.Fatalf("open (create=%v) of a newer schema: %v, want DATABASE_NEWER_THAN_PROGRAM", opt.Create, err)
		}
	}
	if after := pgCatalogOf(t, dsn); after != before {
		t.Fatalf("a refused open changed the schema:\n%s", catalogDiff(after, before))
	}
}
