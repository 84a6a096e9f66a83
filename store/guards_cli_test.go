package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/store"
)

// protectedTables are the ledger's money tables and what may legitimately change in each;
// everything else about them is append-only. The schema itself refuses the rest, to anyone
// holding the file (TestMoneyTablesRefuseRewritesThroughTheSQLiteCLI), with the guard
// pattern of store/sqlite/migrations.go (migration 5).
//
// A new money table is one line here: its mutable columns, and statements that try its
// illegal transitions (each must change the table when the triggers are gone, and be
// refused with them). If guardFixture leaves it with fewer than two rows, give it rows there.
var protectedTables = []protectedTable{
	{"recharges", []string{"booking", "card_write", "reversal_id", "cancel_id", "repair_id"}, []string{
		`UPDATE recharges SET booking = 'booked', reversal_id = NULL WHERE booking = 'reversed'`,
		`UPDATE recharges SET card_write = 'pending' WHERE card_write = 'written'`,
		`UPDATE recharges SET card_write = 'repaired' WHERE card_write = 'written'`,
		`UPDATE recharges SET reversal_id = reversal_id + 1000 WHERE reversal_id IS NOT NULL`,
		`UPDATE recharges SET cancel_id = NULL WHERE cancel_id IS NOT NULL`,
		`UPDATE recharges SET repair_id = repair_id + 1000 WHERE repair_id IS NOT NULL`,
		// Un-booked without a reversal, or by one that does not name it; linked to the
		// records of another recharge.
		`UPDATE recharges SET booking = 'reversed' WHERE id = (SELECT MAX(id) FROM recharges WHERE booking = 'booked' AND card_write = 'pending')`,
		`UPDATE recharges SET booking = 'reversed', reversal_id = (SELECT MAX(id) FROM reversals WHERE status = 'exception')
			WHERE id = (SELECT MAX(id) FROM recharges WHERE booking = 'booked' AND card_write = 'pending')`,
		`UPDATE recharges SET cancel_id = (SELECT MAX(id) FROM cancels WHERE status = 'orphan') WHERE id = (SELECT MAX(id) FROM recharges)`,
		`UPDATE recharges SET repair_id = (SELECT MIN(id) FROM repairs) WHERE id = (SELECT MAX(id) FROM recharges)`,
		newRecharge(`'2099-01-01'`, "9223372036854775807", "0", "100"),                      // balance beyond the purse
		newRecharge(`'2099-01-01'`, "0", "0", "9223372036854775800"),                        // amount beyond the purse
		newRecharge(`'2099-01-01'`, "16777215", "0", "100"),                                 // balance + amount beyond the purse
		newRecharge(`'2099-01-01'`, "0", "4294967296", "100"),                               // counter beyond 4 bytes
		newRecharge(`'2099-01-01'`, "0", "0", "100.5"),                                      // not an integer (100.5 % 100 is 0)
		newRecharge(`'2099-01-01'`, "'1 yuan'", "0", "100"),                                 // not an integer
		newRecharge(`'tomorrow'`, "0", "0", "100"),                                          // not a day
		newRecharge(`(SELECT date(MIN(day), '-1 day') FROM settled_days)`, "0", "0", "100"), // before the last settled day
	}},
	{"reversals", []string{"status", "reason", "recharge_id", "processed_at"}, []string{
		`UPDATE reversals SET status = 'pending', processed_at = NULL WHERE status = 'applied'`,
		`UPDATE reversals SET status = 'applied' WHERE status = 'tombstone'`,
		`UPDATE reversals SET reason = 'X' WHERE status = 'conflict'`,
		`UPDATE reversals SET processed_at = processed_at + 1 WHERE status = 'applied'`,
		`UPDATE reversals SET recharge_id = NULL WHERE status = 'applied'`,
		// "Applied" only for the recharge that this reversal un-booked.
		`UPDATE reversals SET status = 'applied', recharge_id = (SELECT id FROM recharges WHERE card_write = 'written' LIMIT 1),
			processed_at = 1 WHERE status = 'pending'`,
		`INSERT INTO reversals(device_id, serial, orig_device_id, orig_serial, card_no, amount, received_at, apply_after, status)
			SELECT device_id, 990001, orig_device_id, 990000, card_no, 9223372036854775800, received_at, apply_after, 'pending' FROM reversals LIMIT 1`,
	}},
	{"cancels", nil, []string{
		`INSERT INTO cancels(device_id, serial, orig_serial, card_no, amount, received_at, status)
			SELECT device_id, 990001, 990000, card_no, 9223372036854775800, received_at, 'orphan' FROM cancels LIMIT 1`,
	}},
	{"repairs", []string{"state", "card_balance_after", "card_counter_after", "finished_at"}, []string{
		`UPDATE repairs SET state = 'intent' WHERE state = 'written'`,
		`UPDATE repairs SET state = 'written' WHERE state = 'found_on_card'`,
		`UPDATE repairs SET card_balance_after = card_balance_after + 100 WHERE state = 'written'`,
		`UPDATE repairs SET card_counter_after = card_counter_after + 1 WHERE state = 'found_on_card'`,
		`UPDATE repairs SET finished_at = finished_at + 1 WHERE state = 'written'`,
		`UPDATE repairs SET card_balance_after = 5 WHERE state = 'intent'`,
		`UPDATE repairs SET state = 'written', card_balance_after = 9223372036854775807, card_counter_after = 9, finished_at = 1
			WHERE state = 'intent'`,
		`INSERT INTO repairs(recharge_id, ref, state, staff, card_balance_before, card_counter_before, started_at)
			SELECT 990001, 'RP990001', 'intent', staff, 9223372036854775807, 0, started_at FROM repairs LIMIT 1`,
	}},
	{"authorizations", []string{"ended_at"}, []string{
		`UPDATE OR REPLACE authorizations SET ended_at = NULL WHERE ended_at IS NOT NULL`,
		`UPDATE authorizations SET ended_at = ended_at + 1 WHERE ended_at IS NOT NULL`,
	}},
	{"settled_days", nil, []string{
		`INSERT INTO settled_days(day, settled_at, settled_by) SELECT date(MIN(day), '-1 day'), 1, 'x' FROM settled_days`,
		`INSERT INTO settled_days(day, settled_at, settled_by) VALUES ('someday', 1, 'x')`,
	}},
	{"settled_report", nil, []string{
		// A figure added to a settled day after it was settled.
		`INSERT INTO settled_report(day, operator_id, recharge_count, recharge_amount, reversal_count, reversal_amount, cancel_count)
			SELECT MIN(day), (SELECT MAX(id) FROM operators), 0, 0, 0, 0, 0 FROM settled_days`,
		// Figures that cannot be, in a day being settled.
		`BEGIN; INSERT INTO settled_days(day, settled_at, settled_by, operator_rows) VALUES ('2099-01-01', 1, 'x', 1);
			INSERT INTO settled_report(day, operator_id, recharge_count, recharge_amount, reversal_count, reversal_amount, cancel_count)
			VALUES ('2099-01-01', 1, 1, -100, 0, 0, 0); COMMIT;`,
		`BEGIN; INSERT INTO settled_days(day, settled_at, settled_by, operator_rows) VALUES ('2099-01-01', 1, 'x', 1);
			INSERT INTO settled_report(day, operator_id, recharge_count, recharge_amount, reversal_count, reversal_amount, cancel_count)
			VALUES ('2099-01-01', 1, 1, 9223372036854775800, 0, 0, 0); COMMIT;`,
	}},
	{"audit_log", nil, nil},
	{"terminal_answers", nil, nil},
	// The exceptions desk's memory and records (issue 8).
	{"card_memory", []string{"counter", "balance", "at", "source"}, []string{
		`UPDATE card_memory SET counter = counter - 1`,
		`UPDATE card_memory SET balance = balance + 100`,
		`INSERT OR REPLACE INTO card_memory(card_no, counter, balance, at, source)
			SELECT card_no, counter - 1, balance, at, source FROM card_memory LIMIT 1`,
		`PRAGMA ignore_check_constraints = 1; INSERT INTO card_memory(card_no, counter, balance, at, source)
			SELECT card_no, 99, 20000000, 1, 'x' FROM cards WHERE card_no NOT IN (SELECT card_no FROM card_memory) LIMIT 1`,
	}},
	{"card_reads", nil, []string{
		`PRAGMA ignore_check_constraints = 1;
			INSERT INTO card_reads(card_no, uid, counter, balance, from_backup, at, staff) VALUES ('x', 'u', 1, 20000000, 0, 1, 'x')`,
	}},
	{"device_journal_ends", nil, nil},
	{"exception_cases", nil, nil},
	{"case_decisions", nil, []string{
		`INSERT INTO case_decisions(case_key, kind, operator_id, amount, day, reason, decided_by, decided_at)
			SELECT 'x/late', 'adjustment', MIN(id), 100, (SELECT MIN(day) FROM settled_days), 'into a settled day', 'x', 1 FROM operators`,
		`PRAGMA ignore_check_constraints = 1; INSERT INTO case_decisions(case_key, kind, operator_id, amount, day, reason, decided_by, decided_at)
			SELECT 'x/huge', 'adjustment', MIN(id), 99999999999, '2099-01-01', 'beyond the purse', 'x', 1 FROM operators`,
	}},
}

// freeTables hold master data that admins edit; every table of the schema is in exactly
// one of the two lists, so a new table must be classified.
var freeTables = []string{"cardholders", "cards", "devices", "operators", "auth_cards", "staff",
	"card_statuses",       // filled from app.CardStatuses at every open (store/cardstatuses.go)
	"pending_conversions", // the program's own bookkeeping of conversions still to run at open
	"staff_sessions"}      // no money; its own triggers are tried in app/sessions_test.go

type protectedTable struct {
	table   string
	mutable []string
	illegal []string
}

// newRecharge inserts a recharge copied from an existing one with a fresh key and the
// given day, balance, counter and amount.
func newRecharge(day, balance, counter, amount string) string {
	return fmt.Sprintf(`INSERT INTO recharges(device_id, serial, authorization_id, operator_id, card_no, amount, balance_before,
		counter_before, booked_at, settle_day, booking, card_write)
		SELECT device_id, 990001, authorization_id, operator_id, card_no, %s, %s, %s, booked_at, %s, 'booked', 'pending'
		FROM recharges LIMIT 1`, amount, balance, counter, day)
}

func rechargeOK(_ app.RechargeResult, err error) error { return err }

// guardFixture is a ledger with rows in every money table, in every state each can be in:
// built through the use cases, then copied into one file (no WAL) for the CLI.
func guardFixture(t *testing.T) string {
	t.Helper()
	// A SQLite file whatever CARDCENTER_TEST_DB says: this is the sqlite3 CLI's attack.
	s := guardSite(t, apptest.Options{Operators: 3, Cards: 8, Path: filepath.Join(t.TempDir(), "ledger.db")})
	path := filepath.Join(t.TempDir(), "fixture.db")
	if _, err := s.RawDB().Exec(`VACUUM INTO ?`, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// guardSite is guardFixture's ledger, on the engine opts choose.
func guardSite(t *testing.T, opts apptest.Options) *apptest.Site {
	t.Helper()
	s := apptest.New(t, opts)
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	yuan := app.Yuan
	loc := apptest.Start.Location()
	at := func(d, h, m int) time.Time { return time.Date(2026, 3, d, h, m, 0, 0, loc) }
	confirm := func(req app.RechargeRequest) {
		_, err := s.Svc.Confirm(ctx, app.ConfirmRequest{DeviceID: req.DeviceID, Serial: s.NextSerial(req.DeviceID),
			OrigSerial: req.Serial, CardNo: req.CardNo, Amount: req.Amount})
		must(err)
	}
	cancel := func(req app.RechargeRequest, orig int64) {
		_, err := s.Svc.Cancel(ctx, app.CancelRequest{DeviceID: req.DeviceID, Serial: s.NextSerial(req.DeviceID),
			OrigSerial: orig, CardNo: req.CardNo, Amount: req.Amount})
		must(err)
	}
	reverse := func(req app.RechargeRequest, orig int64, amount app.Fen) {
		_, err := s.Svc.Reverse(ctx, app.ReverseRequest{DeviceID: req.DeviceID, Serial: s.NextSerial(req.DeviceID),
			OrigSerial: orig, CardNo: req.CardNo, Amount: amount})
		must(err)
	}
	repair := func(rechargeID int64, outcome app.RepairState) {
		rp, _, err := s.Svc.BeginRepair(ctx, s.Clerk, rechargeID, app.CardSnapshot{Balance: 500, Counter: 3})
		must(err)
		if outcome != app.RepairIntent {
			_, err = s.Svc.CompleteRepair(ctx, s.Clerk, rp.ID, outcome, app.CardSnapshot{Balance: 500 + 10*yuan, Counter: 4})
			must(err)
		}
	}

	for day := 2; day <= 4; day++ {
		s.Clock.Set(at(day, 9, 0))
		p1, p2 := s.Authorize("P1", 0), s.Authorize("P2", 1) // the day before's sessions end
		written, _ := s.Recharge(p1, apptest.UserCard(0), 10*yuan)
		confirm(written)
		cancel(written, written.Serial)                  // conflict: already written
		reverse(written, written.Serial, written.Amount) // conflict: already written
		cancelled, res := s.Recharge(p1, apptest.UserCard(1), 10*yuan)
		cancel(cancelled, cancelled.Serial)
		cancel(cancelled, cancelled.Serial) // duplicate
		repair(res.RechargeID, app.RepairWritten)
		cancelled2, res2 := s.Recharge(p2, apptest.UserCard(2), 10*yuan)
		cancel(cancelled2, cancelled2.Serial)
		if day == 4 {
			repair(res2.RechargeID, app.RepairIntent) // left unfinished
		}
		reversed, _ := s.Recharge(p2, apptest.UserCard(3), 20*yuan)
		reverse(reversed, reversed.Serial, reversed.Amount)
		cancel(reversed, 990000+int64(day))                   // orphan
		reverse(reversed, 980000+int64(day), reversed.Amount) // tombstone
		reverse(reversed, reversed.Serial, 150)               // exception
		_, res3 := s.Recharge(p2, apptest.UserCard(4), 30*yuan)
		next, _ := s.Recharge(p2, apptest.UserCard(6), 10*yuan) // P2 went on: it will not reverse res3
		confirm(next)
		s.Clock.Set(at(day, 10, 0))
		_, err := s.Svc.ApplyDueReversals(ctx)
		must(err)
		repair(res3.RechargeID, app.RepairFoundOnCard) // write unknown, found on the card
		if day == 4 {
			pending, _ := s.Recharge(p1, apptest.UserCard(5), 40*yuan)
			reverse(pending, pending.Serial, pending.Amount) // still pending
		} else {
			s.Clock.Set(at(day+1, 0, 5))
			sr, err := s.Svc.Settle(ctx, s.Admin)
			must(err)
			if len(sr.Settled) != 1 {
				t.Fatalf("fixture: settle on day %d: %+v", day, sr)
			}
		}
	}
	// The exceptions desk: desk reads, journal ends, cases of two kinds, decisions of two.
	for i, kind := range []app.JournalEndKind{app.JournalReplaced, app.JournalRetired} {
		must(s.Store.Update(ctx, func(tx app.Tx) error {
			_, err := tx.InsertCardRead(app.CardRead{CardNo: apptest.UserCard(i), UID: "B2", Counter: int64(4 + i), Balance: 500,
				FromBackup: i == 1, At: s.Clock.Now(), Staff: "clerk1"})
			return err
		}))
		_, err := s.Svc.EndDeviceJournal(ctx, s.Admin, "C1", kind, "fixture")
		must(err)
	}
	p1 := s.Authorize("P1", 0)
	dup := s.RechargeReq(p1, apptest.UserCard(7), 0, 10*yuan)
	must(rechargeOK(s.Svc.Recharge(ctx, dup)))
	dup.Amount = 20 * yuan
	if _, err := s.Svc.Recharge(ctx, dup); !errors.Is(err, app.CodeDuplicateConflict) {
		t.Fatalf("fixture: a reused serial: %v", err)
	}
	cases, err := s.Svc.Exceptions(ctx, s.Admin)
	must(err)
	decided := 0
	for _, c := range cases {
		in := app.DecisionInput{CaseKey: c.Case.Key(), Kind: app.DecideClose, Reason: "fixture"}
		if c.Case.Kind == app.CaseRepairIntentOpen {
			in.Kind = app.DecideApproveWrite
		} else if decided > 0 {
			continue
		}
		_, err := s.Svc.Decide(ctx, s.Admin, in)
		must(err)
		decided++
	}
	if decided < 2 {
		t.Fatalf("fixture: %d decisions of %d cases", decided, len(cases))
	}
	return s
}

// sqliteCLI finds Debian's sqlite3 (scripts/deps.sh installs it).
func sqliteCLI(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("sqlite3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the sqlite3 CLI is not installed (scripts/deps.sh installs it)")
		}
		t.Skip("the sqlite3 CLI is not installed: apt-get install -y sqlite3")
	}
	return bin
}

// cli runs statements on a database with the sqlite3 CLI, stopping at the first error.
func cli(t *testing.T, bin, db, script string) (ok bool, out string) {
	t.Helper()
	cmd := exec.Command(bin, "-bail", db)
	cmd.Stdin = strings.NewReader(script)
	b, err := cmd.CombinedOutput()
	return err == nil, string(b)
}

func dump(t *testing.T, bin, db string) string {
	t.Helper()
	out, err := exec.Command(bin, db, ".dump").CombinedOutput()
	if err != nil {
		t.Fatalf("dump %s: %v\n%s", db, err, out)
	}
	return string(out)
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	for _, side := range []string{"-wal", "-shm", "-journal"} {
		os.Remove(to + side)
	}
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// Issue 9.7: INSERT OR REPLACE got past the freeze and append-only triggers (with
// recursive_triggers off, as in the CLI, REPLACE deletes the old row without firing any
// DELETE trigger), and reversals, cancels and repairs had no guards at all. Through the
// sqlite3 CLI, as anyone holding the file would, every protected table is attacked with
// DELETE, UPDATE (OR REPLACE) of every column that may not change, INSERT OR REPLACE,
// REPLACE and UPSERT on every unique key, and its own illegal transitions. Each attack is
// first run on a copy without any trigger, where it must change the table (so that it is a
// real attack and not stopped by a CHECK or a typo), then on the ledger, where it must be
// refused and change nothing.
func TestMoneyTablesRefuseRewritesThroughTheSQLiteCLI(t *testing.T) {
	bin := sqliteCLI(t)
	fixture := guardFixture(t)
	dir := t.TempDir()
	db, err := sql.Open("sqlite3", "file:"+fixture+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// Every table is classified.
	tables := store.QueryColumn(t, db, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	for _, name := range tables {
		protected := slices.ContainsFunc(protectedTables, func(p protectedTable) bool { return p.table == name })
		if protected == slices.Contains(freeTables, name) {
			t.Errorf("table %s must be in exactly one of protectedTables and freeTables", name)
		}
	}

	control := filepath.Join(dir, "control.db")
	copyFile(t, fixture, control)
	var drops strings.Builder
	trows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'trigger'`)
	if err != nil {
		t.Fatal(err)
	}
	for trows.Next() {
		var n string
		trows.Scan(&n)
		fmt.Fprintf(&drops, "DROP TRIGGER %s;\n", n)
	}
	trows.Close()
	if ok, out := cli(t, bin, control, drops.String()); !ok {
		t.Fatalf("dropping the triggers of the control copy: %s", out)
	}
	fixtureDump, controlDump := dump(t, bin, fixture), dump(t, bin, control)

	attacks := 0
	for _, p := range protectedTables {
		ti := describe(t, db, p.table)
		if !enoughRows(t, p.table, ti.rows, "guardFixture") {
			continue
		}
		for _, attack := range append(ti.attacks(t, db, p.mutable), p.illegal...) {
			attacks++
			work := filepath.Join(dir, "work.db")
			copyFile(t, control, work)
			if ok, out := cli(t, bin, work, attack); !ok || dump(t, bin, work) == controlDump {
				t.Errorf("%s: not an attack: without triggers it fails or changes nothing (%s):\n%s", p.table, strings.TrimSpace(out), attack)
				continue
			}
			copyFile(t, fixture, work)
			if ok, out := cli(t, bin, work, attack); ok {
				t.Errorf("%s: the ledger took:\n%s\n%s", p.table, attack, out)
			} else if dump(t, bin, work) != fixtureDump {
				t.Errorf("%s: refused (%s) but changed the ledger:\n%s", p.table, strings.TrimSpace(out), attack)
			}
		}
	}
	t.Logf("%d attacks on %d tables", attacks, len(protectedTables))
}

type tableInfo struct {
	name string
	cols []string
	pk   []string
	keys []uniqueKey
	rows int
}

// enoughRows says whether a guarded table has the two rows its attacks are built from in
// the fixture (named for the message). It fails the test where not; the caller then skips
// the table's attacks, which would prove nothing.
func enoughRows(t *testing.T, table string, rows int, fixture string) bool {
	t.Helper()
	if rows < 2 {
		t.Errorf("%s has %d rows in %s: give it at least two", table, rows, fixture)
		return false
	}
	return true
}

type uniqueKey struct {
	cols  []string
	where string // of a partial index, "" if none
}

var partialWhere = regexp.MustCompile(`(?is)\bWHERE\b(.*)$`)

func describe(t *testing.T, db *sql.DB, table string) tableInfo {
	t.Helper()
	ti := tableInfo{name: table}
	strs := func(q string, args ...any) [][]string {
		rows, err := db.Query(q, args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		var out [][]string
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var row []string
			for _, v := range vals {
				row = append(row, v.String)
			}
			out = append(out, row)
		}
		return out
	}
	for _, c := range strs(`SELECT name, pk FROM pragma_table_info(?) ORDER BY cid`, table) {
		ti.cols = append(ti.cols, c[0])
		if c[1] != "0" {
			ti.pk = append(ti.pk, c[0])
		}
	}
	ti.keys = append(ti.keys, uniqueKey{cols: ti.pk})
	for _, ix := range strs(`SELECT l.name, l.partial, COALESCE(m.sql, '') FROM pragma_index_list(?) l
		LEFT JOIN sqlite_master m ON m.name = l.name WHERE l."unique" = 1`, table) {
		k := uniqueKey{}
		for _, c := range strs(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`, ix[0]) {
			k.cols = append(k.cols, c[0])
		}
		if ix[1] == "1" {
			k.where = strings.TrimSpace(partialWhere.FindStringSubmatch(ix[2])[1])
		}
		if slices.Equal(k.cols, ti.pk) && k.where == "" {
			continue // the primary key's own index
		}
		ti.keys = append(ti.keys, k)
	}
	db.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&ti.rows)
	return ti
}

// lit returns the SQL literals of a row's columns, keyed by column: of the first row by
// order that matches where.
func (ti tableInfo) lit(t *testing.T, db *sql.DB, where, order string) map[string]string {
	t.Helper()
	var sel []string
	for _, c := range ti.cols {
		sel = append(sel, "quote("+c+")")
	}
	vals := make([]string, len(ti.cols))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := db.QueryRow(`SELECT ` + strings.Join(sel, ", ") + ` FROM ` + ti.name + ` WHERE ` + where + ` ORDER BY ` + order + ` LIMIT 1`).Scan(ptrs...); err != nil {
		t.Fatalf("%s WHERE %s: %v", ti.name, where, err)
	}
	m := map[string]string{}
	for i, c := range ti.cols {
		m[c] = vals[i]
	}
	return m
}

func (ti tableInfo) match(row map[string]string) string {
	var w []string
	for _, c := range ti.pk {
		w = append(w, c+" IS "+row[c])
	}
	return strings.Join(w, " AND ")
}

// other is a value of column c that differs from v: another row's if there is one (so it
// passes the column's CHECK), else v changed by its type.
func (ti tableInfo) other(db *sql.DB, c, v string) string {
	var o sql.NullString
	db.QueryRow(`SELECT quote(` + c + `) FROM ` + ti.name + ` WHERE ` + c + ` IS NOT NULL AND ` + c + ` IS NOT ` + v + ` LIMIT 1`).Scan(&o)
	switch {
	case o.Valid:
		return o.String
	case v == "NULL":
		return "1"
	case strings.HasPrefix(v, "'"):
		return v + " || '~'"
	case strings.HasPrefix(v, "X'"):
		return "X'00' || " + v
	}
	return v + " + 100"
}

// fresh is a value of key column c that no row has.
func (ti tableInfo) fresh(v, c string) string {
	if strings.HasPrefix(v, "'") || strings.HasPrefix(v, "X'") {
		return v + " || '~fresh'"
	}
	return fmt.Sprintf("(SELECT MAX(%s) FROM %s) + 1000", c, ti.name)
}

func (ti tableInfo) inKey(c string) bool {
	for _, k := range ti.keys {
		if slices.Contains(k.cols, c) {
			return true
		}
	}
	return false
}

// attacks derives the generic attacks on the table from its schema, on its oldest row and
// on its newest (in this ledger: settled and final, then open and pending).
func (ti tableInfo) attacks(t *testing.T, db *sql.DB, mutable []string) []string {
	var out []string
	for _, dir := range []string{"ASC", "DESC"} {
		for _, a := range ti.attacksOn(t, db, mutable, dir) {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	return out
}

func (ti tableInfo) attacksOn(t *testing.T, db *sql.DB, mutable []string, dir string) []string {
	order := strings.Join(ti.pk, " "+dir+", ") + " " + dir
	first := ti.lit(t, db, "1", order)
	out := []string{`DELETE FROM ` + ti.name + ` WHERE ` + ti.match(first)}
	for _, c := range ti.cols {
		if slices.Contains(mutable, c) {
			continue
		}
		row := ti.lit(t, db, "1", c+" IS NULL, "+order)
		out = append(out, fmt.Sprintf(`UPDATE OR REPLACE %s SET %s = %s WHERE %s`, ti.name, c, ti.other(db, c, row[c]), ti.match(row)))
	}
	for i, k := range ti.keys {
		where := "1"
		if k.where != "" {
			where = k.where
		}
		row := ti.lit(t, db, where, order)
		vals := map[string]string{}
		for c, v := range row {
			vals[c] = v
		}
		// Only this key may collide: one column of every other key is made fresh.
		for j, k2 := range ti.keys {
			if j == i {
				continue
			}
			for _, c := range k2.cols {
				if !slices.Contains(k.cols, c) {
					vals[c] = ti.fresh(row[c], c)
					break
				}
			}
		}
		// And something the row held is rewritten (not a column of a partial index's
		// condition: the new row would then just miss the index and be a plain insert).
		payload := ""
		for _, c := range ti.cols {
			if !ti.inKey(c) && !slices.Contains(mutable, c) && row[c] != "NULL" && !strings.Contains(k.where, c) {
				payload = c
				vals[c] = ti.other(db, c, row[c])
				break
			}
		}
		values := make([]string, len(ti.cols))
		for n, c := range ti.cols {
			values[n] = vals[c]
		}
		if payload == "" {
			continue // every other column may change: the table's own illegal moves cover it
		}
		list := fmt.Sprintf(`%s(%s) VALUES (%s)`, ti.name, strings.Join(ti.cols, ", "), strings.Join(values, ", "))
		out = append(out, `INSERT OR REPLACE INTO `+list, `REPLACE INTO `+list)
		if k.where == "" {
			out = append(out, fmt.Sprintf(`INSERT INTO %s ON CONFLICT(%s) DO UPDATE SET %s = excluded.%s`,
				list, strings.Join(k.cols, ", "), payload, payload))
		}
	}
	return out
}
