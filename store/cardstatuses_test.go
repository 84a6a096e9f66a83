package store

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"cardcenter/app"
	"cardcenter/store/pgtest"
	"cardcenter/store/sqlite"
)

// The card statuses a ledger allows are the program's (app.CardStatuses) after every open,
// on both engines: a status added to that table reaches the database with no migration,
// one no program knows is refused by the database, and one an older program does not know
// stays for the cards that carry it.
func TestCardStatusesFollowTheProgramOnSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	testCardStatusesFollowTheProgram(t, path, func(st *Store) *sql.DB { return st.write })
}

func TestCardStatusesFollowTheProgramOnPostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
	testCardStatusesFollowTheProgram(t, dsn, func(*Store) *sql.DB {
		raw, err := OpenRaw(dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { raw.Close() })
		return raw
	})
}

func testCardStatusesFollowTheProgram(t *testing.T, dsn string, raw func(*Store) *sql.DB) {
	open := func(create bool) (*Store, *sql.DB) {
		t.Helper()
		st, err := Open(dsn, Options{Create: create})
		if err != nil {
			t.Fatal(err)
		}
		return st, raw(st)
	}
	st, db := open(true)
	if got, want := statusesIn(t, db), programStatuses(); !slices.Equal(got, want) {
		t.Fatalf("a new ledger allows %v, the program has %v", got, want)
	}
	if _, err := db.Exec(`INSERT INTO cardholders(holder_no, name) VALUES ('S1', '张三')`); err != nil {
		t.Fatal(err)
	}
	card := func(no, status string) error {
		_, err := db.Exec(fmt.Sprintf(`INSERT INTO cards(card_no, holder_id, status)
			VALUES ('%s', (SELECT id FROM cardholders WHERE holder_no = 'S1'), '%s')`, no, status))
		return err
	}
	for _, r := range app.CardStatuses {
		if err := card("U-"+string(r.Status), string(r.Status)); err != nil {
			t.Fatalf("a card in status %s: %v", r.Status, err)
		}
	}
	if err := card("U-stolen", "stolen"); err == nil {
		t.Fatal("the database took a card in a status no program knows")
	}
	st.Close()

	// The next release adds a status: one line in app.CardStatuses, no migration.
	was := app.CardStatuses
	t.Cleanup(func() { app.CardStatuses = was })
	app.CardStatuses = append(slices.Clone(was), app.CardStatusRule{Status: "stolen", Refusal: app.CodeCardLost, ZH: "被盗", EN: "stolen"})
	st, db = open(false)
	if got, want := statusesIn(t, db), programStatuses(); !slices.Equal(got, want) {
		t.Fatalf("after the program added a status the ledger allows %v, the program has %v", got, want)
	}
	if err := card("U-stolen", "stolen"); err != nil {
		t.Fatalf("a card in the added status: %v", err)
	}
	st.Close()

	// An older program opens the ledger again: the status it does not know stays, and a
	// card in it may do nothing (app.CardStatus.Rule).
	app.CardStatuses = was
	st, db = open(false)
	defer st.Close()
	if got := statusesIn(t, db); !slices.Contains(got, "stolen") {
		t.Fatalf("an older program's open dropped the status its cards carry: %v", got)
	}
	if app.CardStatus("stolen").Rule().MayRecharge || app.CardStatus("stolen").Valid() {
		t.Fatal("a status this program does not know may be used")
	}
}

// Migration 13 rebuilds cards on SQLite (a CHECK cannot be dropped there): every card keeps
// its number, chip, holder and status, and what points at cards still points at them.
func TestMigration13KeepsEveryCard(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v12.db")
	old, err := Open(path, Options{Create: true, migrateTo: sqlite.CardStatusesSince - 1})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO cardholders(holder_no, name) VALUES ('S1', '张三');`)
	for i, r := range app.CardStatuses {
		fmt.Fprintf(&b, `INSERT INTO cards(card_no, uid, holder_id, status) VALUES ('U%d', '04A1B2C3D4E5%02d', 1, '%s');`, i, i, r.Status)
	}
	b.WriteString(`INSERT INTO cards(card_no, holder_id, status) VALUES ('U-no-chip', 1, 'normal');
		INSERT INTO operators(op_no, name, pin_hash, daily_max, merchant, enabled) VALUES ('OP1', '李四', 'x', 0, 0, 1);
		INSERT INTO auth_cards(operator_id, card_no, bound_at, bound_by) VALUES (1, 'U1', 1, 'admin');`)
	if _, err := old.write.Exec(b.String()); err != nil {
		t.Fatal(err)
	}
	before := cardsIn(t, old.write)
	old.Close()

	st, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("upgrade to %d: %v", SchemaVersion, err)
	}
	defer st.Close()
	if after := cardsIn(t, st.write); !slices.Equal(after, before) || len(after) != len(app.CardStatuses)+1 {
		t.Fatalf("cards before the migration:\n%v\nafter:\n%v", before, after)
	}
	rows, err := st.write.Query(`PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Error("a row points at a card that is not there after the migration")
	}
	rows.Close()
	var ok string
	if err := st.write.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check: %q %v", ok, err)
	}
	if _, err := st.write.Exec(`DELETE FROM cards WHERE card_no = 'U1'`); err == nil {
		t.Fatal("the bound authorization card could be deleted: auth_cards no longer refers to cards")
	}
}

func programStatuses() []string {
	var s []string
	for _, r := range app.CardStatuses {
		s = append(s, string(r.Status))
	}
	slices.Sort(s)
	return s
}

func statusesIn(t *testing.T, db *sql.DB) []string {
	t.Helper()
	return QueryColumn(t, db, `SELECT code FROM card_statuses ORDER BY code`)
}

func cardsIn(t *testing.T, db *sql.DB) []string {
	t.Helper()
	return QueryColumn(t, db, `SELECT card_no || '|' || COALESCE(uid, '-') || '|' || holder_id || '|' || status FROM cards ORDER BY card_no`)
}

// A move onto PostgreSQL carries a card status the source allows and the destination's
// program does not (a card set to it by another version): the card finds its status there.
func TestMoveCarriesACardStatusTheDestinationLacks(t *testing.T) {
	dsn := pgtest.DSN(t)
	path := filepath.Join(t.TempDir(), "ledger.db")
	st, err := Open(path, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.write.Exec(`INSERT INTO card_statuses(code) VALUES ('stolen');
		INSERT INTO cardholders(holder_no, name) VALUES ('S1', '张三');
		INSERT INTO cards(card_no, holder_id, status) VALUES ('U1', 1, 'stolen'), ('U2', 1, 'normal')`); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := MoveToPostgres(t.Context(), path, dsn); err != nil {
		t.Fatalf("move: %v", err)
	}
	raw, err := OpenRaw(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if got := cardsIn(t, raw); !slices.Equal(got, []string{"U1|-|1|stolen", "U2|-|1|normal"}) {
		t.Fatalf("cards on PostgreSQL after the move: %v", got)
	}
}
