package apptest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"cardcenter/app"
	"cardcenter/store"
)

// RawDB is a second connection to the site's database that bypasses the app and the
// store: for recounting the ledger from raw rows and for showing that the schema itself
// refuses what the app would never do. Opened on first use, closed at the end of the test.
func (s *Site) RawDB() *sql.DB {
	s.T.Helper()
	if s.raw != nil {
		return s.raw
	}
	var db *sql.DB
	var err error
	if store.IsPostgres(s.Path) {
		db, err = store.OpenRaw(s.Path)
	} else {
		q := url.Values{}
		q.Set("_busy_timeout", "10000")
		q.Set("_foreign_keys", "1")
		db, err = sql.Open("sqlite3", "file:"+url.PathEscape(s.Path)+"?"+q.Encode())
	}
	must(s.T, err)
	db.SetMaxOpenConns(1)
	must(s.T, db.Ping())
	s.raw = db
	s.T.Cleanup(func() { db.Close(); s.raw = nil })
	return db
}

// Count runs a SELECT COUNT(*)-like query on the raw connection and returns its integer.
func (s *Site) Count(query string, args ...any) int64 {
	s.T.Helper()
	var n int64
	must(s.T, s.RawDB().QueryRow(query, args...).Scan(&n))
	return n
}

// Ledger is a recount of the whole database from raw rows: comparing two of them tells
// whether anything changed in between.
type Ledger struct {
	Recharges, Booked, Reversed         int64
	BookedFen, ReversedFen              app.Fen
	Pending, Written, CancelReported    int64
	Repaired, FoundOnCard               int64
	Reversals, ReversalsPending         int64
	Cancels, Repairs, RepairsDone       int64
	Authorizations, SettledDays, Audit  int64
	WrongPINs                           int64
	Devices, Operators, Cards, Bindings string // every row of the master data, concatenated
	Staff                               string
}

// Ledger recounts the database.
func (s *Site) Ledger() Ledger {
	s.T.Helper()
	var l Ledger
	err := s.RawDB().QueryRow(ledgerQuery(store.IsPostgres(s.Path))).
		Scan(&l.Recharges, &l.Booked, &l.Reversed, &l.BookedFen, &l.ReversedFen, &l.Pending, &l.Written, &l.CancelReported,
			&l.Repaired, &l.FoundOnCard, &l.Reversals, &l.ReversalsPending, &l.Cancels, &l.Repairs, &l.RepairsDone,
			&l.Authorizations, &l.SettledDays, &l.Audit, &l.WrongPINs, &l.Devices, &l.Operators, &l.Cards, &l.Bindings, &l.Staff)
	must(s.T, err)
	return l
}

// ledgerCounts are Ledger's recounts, in the order of its fields; the same SQL on both
// engines.
var ledgerCounts = []string{
	"SELECT COUNT(*) FROM recharges",
	"SELECT COUNT(*) FROM recharges WHERE booking = 'booked'",
	"SELECT COUNT(*) FROM recharges WHERE booking = 'reversed'",
	"SELECT COALESCE(SUM(amount), 0) FROM recharges WHERE booking = 'booked'",
	"SELECT COALESCE(SUM(amount), 0) FROM recharges WHERE booking = 'reversed'",
	"SELECT COUNT(*) FROM recharges WHERE card_write = 'pending'",
	"SELECT COUNT(*) FROM recharges WHERE card_write = 'written'",
	"SELECT COUNT(*) FROM recharges WHERE card_write = 'cancel_reported'",
	"SELECT COUNT(*) FROM recharges WHERE card_write = 'repaired'",
	"SELECT COUNT(*) FROM recharges WHERE card_write = 'found_on_card'",
	"SELECT COUNT(*) FROM reversals",
	"SELECT COUNT(*) FROM reversals WHERE status = 'pending'",
	"SELECT COUNT(*) FROM cancels",
	"SELECT COUNT(*) FROM repairs",
	"SELECT COUNT(*) FROM repairs WHERE state <> 'intent'",
	"SELECT COUNT(*) FROM authorizations",
	"SELECT COUNT(*) FROM settled_days",
	"SELECT COUNT(*) FROM audit_log",
	"SELECT COALESCE(SUM(wrong_pins), 0) FROM operators",
}

// ledgerRows are the master-data tables Ledger concatenates row by row: the table, its key
// (the order), and the row as one text expression.
var ledgerRows = []struct{ table, key, row string }{
	{"devices", "id", "id||'|'||name||'|'||model||'|'||location||'|'||enabled"},
	{"operators", "id", "id||'|'||op_no||'|'||name||'|'||pin_hash||'|'||daily_max||'|'||COALESCE(designated_device,'')||'|'||merchant||'|'||enabled"},
	{"cards", "card_no", "card_no||'|'||status"},
	{"auth_cards", "operator_id", "operator_id||'|'||card_no"},
	{"staff", "username", "username||'|'||role||'|'||enabled||'|'||password_hash||'|'||wrong_tries||'|'||COALESCE(CAST(locked_at AS TEXT), '')"},
}

// ledgerQuery is Ledger's recount as one statement, in the dialect's words: PostgreSQL says
// string_agg for group_concat and wants an alias for every derived table.
func ledgerQuery(pg bool) string {
	parts := make([]string, 0, len(ledgerCounts)+len(ledgerRows))
	for _, c := range ledgerCounts {
		parts = append(parts, "("+c+")")
	}
	for _, r := range ledgerRows {
		agg := fmt.Sprintf("group_concat(%s, ';')", r.row)
		from := fmt.Sprintf("(SELECT * FROM %s ORDER BY %s)", r.table, r.key)
		if pg {
			agg = fmt.Sprintf("string_agg(%s, ';' ORDER BY %s)", r.row, r.key)
			from += " x"
		}
		parts = append(parts, fmt.Sprintf("(SELECT COALESCE(%s, '') FROM %s)", agg, from))
	}
	return "SELECT " + strings.Join(parts, ",\n\t")
}

// view runs fn on a read snapshot of the store, failing the test on error.
func (s *Site) view(fn func(app.ReadTx) error) {
	s.T.Helper()
	must(s.T, s.Store.View(context.Background(), fn))
}

// RechargeByKey returns the recharge booked under (device, serial), and whether there is one.
func (s *Site) RechargeByKey(device string, serial int64) (app.Recharge, bool) {
	s.T.Helper()
	var r app.Recharge
	found := true
	s.view(func(tx app.ReadTx) error {
		var err error
		r, err = tx.RechargeByKey(device, serial)
		if errors.Is(err, app.ErrNoRow) {
			found = false
			return nil
		}
		return err
	})
	return r, found
}

// RechargeOf returns recharge id, failing the test if there is none.
func (s *Site) RechargeOf(id int64) app.Recharge {
	s.T.Helper()
	return viewOne(s, func(tx app.ReadTx) (app.Recharge, error) { return tx.Recharge(id) })
}

// ReversalOf returns reversal id, failing the test if there is none.
func (s *Site) ReversalOf(id int64) app.Reversal {
	s.T.Helper()
	return viewOne(s, func(tx app.ReadTx) (app.Reversal, error) { return tx.Reversal(id) })
}

// CancelOf returns cancel record id, failing the test if there is none.
func (s *Site) CancelOf(id int64) app.Cancel {
	s.T.Helper()
	return viewOne(s, func(tx app.ReadTx) (app.Cancel, error) { return tx.Cancel(id) })
}

// OperatorOf returns operator i of the fixture as stored now.
func (s *Site) OperatorOf(i int) app.Operator {
	s.T.Helper()
	return viewOne(s, func(tx app.ReadTx) (app.Operator, error) { return tx.Operator(s.Ops[i].ID) })
}

// viewOne is the one row get reads, failing the test if there is none.
func viewOne[T any](s *Site, get func(app.ReadTx) (T, error)) T {
	s.T.Helper()
	var v T
	s.view(func(tx app.ReadTx) (err error) { v, err = get(tx); return })
	return v
}

// EditOperator changes operator i's attributes through the admin use case.
func (s *Site) EditOperator(i int, edit func(*app.OperatorInput)) {
	s.T.Helper()
	o := s.OperatorOf(i)
	in := app.OperatorInput{ID: o.ID, OpNo: o.OpNo, Name: o.Name, DailyMax: o.DailyMax, DesignatedDevice: o.DesignatedDevice,
		Merchant: o.Merchant, Enabled: o.Enabled}
	edit(&in)
	must(s.T, s.Svc.UpdateOperator(context.Background(), s.Admin, in))
}

// LastAudit returns the newest audit entry.
func (s *Site) LastAudit() app.AuditEntry {
	s.T.Helper()
	es, err := s.Svc.Audit(context.Background(), app.SystemActor, 1)
	must(s.T, err)
	if len(es) == 0 {
		s.T.Fatal("audit log is empty")
	}
	return es[0]
}

// WantCode fails the test unless err is the typed refusal code.
func WantCode(t testing.TB, err error, code app.Code) *app.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	e, ok := app.AsError(err)
	if !ok {
		t.Fatalf("got untyped error %v, want %s", err, code)
	}
	if e.Code != code {
		t.Fatalf("got %v, want %s", err, code)
	}
	if e.ZH == "" || e.EN == "" || e.ZH == "未知错误" {
		t.Fatalf("%s has no catalogued messages: %+v", code, e)
	}
	return e
}

// CardOf returns the ledger's record of a card.
func (s *Site) CardOf(no string) app.Card {
	s.T.Helper()
	c, err := s.Svc.CardByNo(context.Background(), app.SystemActor, no)
	must(s.T, err)
	return c
}

// IsUniqueViolation reports whether err is the ledger's engine refusing a duplicate key:
// SQLite's "UNIQUE constraint failed" or PostgreSQL's unique_violation (23505).
func IsUniqueViolation(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "UNIQUE constraint failed") || strings.Contains(err.Error(), "SQLSTATE 23505"))
}

// IsCheckViolation reports whether err is a CHECK constraint refusing a row: SQLite's
// "CHECK constraint failed" or PostgreSQL's check_violation (23514).
func IsCheckViolation(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "CHECK constraint failed") || strings.Contains(err.Error(), "SQLSTATE 23514"))
}
