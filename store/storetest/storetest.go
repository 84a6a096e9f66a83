// Package storetest is the store contract as tests, run on every engine the store has
// (like River's riverdrivertest): what app relies on of app.Store, and what the schema
// itself refuses whoever writes to it. store_test runs it on SQLite and on PostgreSQL.
package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/store"
)

// Backend is one engine of the store.
type Backend struct {
	Name string
	// NewPath gives the address of a new, empty ledger: a file that does not exist yet,
	// or an empty PostgreSQL database. It is removed when the test ends.
	NewPath func(t *testing.T) string
}

// Run runs the contract on b.
func Run(t *testing.T, b Backend) {
	t.Run("migrations from empty", func(t *testing.T) { testMigrations(t, b) })
	t.Run("ErrNoRow", func(t *testing.T) { testNoRow(t, b) })
	t.Run("guards refuse what the app never does", func(t *testing.T) { testGuards(t, b) })
	t.Run("settled days are frozen", func(t *testing.T) { testSettledFrozen(t, b) })
	t.Run("idempotency on (device, serial)", func(t *testing.T) { testIdempotency(t, b) })
	t.Run("writes are serialized", func(t *testing.T) { testSerialized(t, b) })
	t.Run("a failed write leaves nothing", func(t *testing.T) { testRollback(t, b) })
	t.Run("two hosts on one ledger", func(t *testing.T) { testTwoHosts(t, b) })
	t.Run("desk sessions across hosts", func(t *testing.T) { testSessionsAcrossHosts(t, b) })
}

// Raw opens a connection that bypasses the store, as any other program would.
func Raw(t testing.TB, path string) *sql.DB {
	t.Helper()
	var db *sql.DB
	var err error
	if store.IsPostgres(path) {
		db, err = store.OpenRaw(path)
	} else {
		q := url.Values{}
		q.Set("_busy_timeout", "10000")
		q.Set("_foreign_keys", "1")
		q.Set("_recursive_triggers", "1")
		db, err = sql.Open("sqlite3", "file:"+url.PathEscape(path)+"?"+q.Encode())
	}
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func site(t *testing.T, b Backend, cfg func(*app.Config)) *apptest.Site {
	return apptest.New(t, apptest.Options{Path: b.NewPath(t), Cards: 8, Config: cfg})
}

func testMigrations(t *testing.T, b Backend) {
	path := b.NewPath(t)
	if _, err := store.Open(path, store.Options{}); !isCode(err, app.CodeDatabaseMissing) {
		t.Fatalf("open of an empty ledger without Create: %v, want DATABASE_MISSING", err)
	}
	st, err := store.Open(path, store.Options{Create: true, SealKey: apptest.SealKey})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	ctx := context.Background()
	have, want, err := st.Schema(ctx)
	if err != nil || have != want || want < 1 {
		t.Fatalf("schema %d, want %d (%v)", have, want, err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	// Opening again migrates nothing and keeps the version.
	st, err = store.Open(path, store.Options{SealKey: apptest.SealKey})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer st.Close()
	if again, _, err := st.Schema(ctx); err != nil || again != have {
		t.Fatalf("schema after reopen %d (%v), want %d", again, err, have)
	}
	// Every table the app's rows go to exists: a write and a read of each aggregate.
	if err := st.Update(ctx, func(tx app.Tx) error {
		return tx.AppendAudit(app.AuditEntry{At: time.Now(), Actor: "t", Action: "probe", Subject: "s", Detail: "d"})
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.View(ctx, func(tx app.ReadTx) error {
		ok, err := tx.AuditExists("probe", "s")
		if err == nil && !ok {
			err = errors.New("audit entry not found")
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func isCode(err error, c app.Code) bool {
	e, ok := app.AsError(err)
	return ok && e.Code == c
}

func testNoRow(t *testing.T, b Backend) {
	s := site(t, b, nil)
	err := s.Store.View(context.Background(), func(tx app.ReadTx) error {
		for name, f := range map[string]func() error{
			"Recharge":      func() error { _, err := tx.Recharge(987654); return err },
			"RechargeByKey": func() error { _, err := tx.RechargeByKey("P1", 987654); return err },
			"Device":        func() error { _, err := tx.Device("NOPE"); return err },
			"Operator":      func() error { _, err := tx.Operator(987654); return err },
			"Card":          func() error { _, err := tx.Card("0000"); return err },
			"CardMemory":    func() error { _, err := tx.CardMemory(apptest.UserCard(0)); return err },
			"Reversal":      func() error { _, err := tx.Reversal(987654); return err },
			"TerminalAnswer": func() error {
				_, err := tx.TerminalAnswer("P1", 987654)
				return err
			},
			"DecisionOf": func() error { _, err := tx.DecisionOf("no/such"); return err },
		} {
			if err := f(); !errors.Is(err, app.ErrNoRow) {
				return fmt.Errorf("%s: %v, want ErrNoRow", name, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// attack runs each statement on a raw connection: every one must be refused, and the
// ledger must be as it was.
func attack(t *testing.T, s *apptest.Site, stmts []string) {
	t.Helper()
	raw := Raw(t, s.Path)
	before := s.Ledger()
	for _, q := range stmts {
		if _, err := raw.Exec(q); err == nil {
			t.Errorf("the schema took %q", q)
		}
	}
	if after := s.Ledger(); after != before {
		t.Fatalf("the ledger changed under refused statements:\n%+v\n%+v", before, after)
	}
}

func testGuards(t *testing.T, b Backend) {
	s := site(t, b, nil)
	sess := s.Authorize("P1", 0)
	s.Recharge(sess, apptest.UserCard(0), 50*app.Yuan)
	_, res := s.Recharge(sess, apptest.UserCard(1), 20*app.Yuan)
	ctx := context.Background()
	if _, err := s.Svc.Confirm(ctx, app.ConfirmRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: 3,
		CardNo: apptest.UserCard(1), Amount: 20 * app.Yuan}); err != nil {
		t.Fatal(err)
	}
	_ = res
	stmts := []string{
		// money fields never change
		`UPDATE recharges SET amount = amount + 100`,
		`UPDATE recharges SET operator_id = operator_id + 1`,
		`UPDATE recharges SET settle_day = '2026-03-09'`,
		`UPDATE recharges SET booked_at = booked_at - 1`,
		// one-way states
		`UPDATE recharges SET booking = 'reversed' WHERE card_write = 'pending'`,
		`UPDATE recharges SET card_write = 'pending' WHERE card_write = 'written'`,
		`UPDATE recharges SET confirmed_at = confirmed_at + 1 WHERE confirmed_at IS NOT NULL`,
		// records are never deleted
		`DELETE FROM recharges`,
		`DELETE FROM authorizations`,
		`UPDATE authorizations SET operator_id = operator_id + 1`,
		// append-only
		`UPDATE audit_log SET detail = 'edited'`,
		`DELETE FROM audit_log`,
		`UPDATE terminal_answers SET answer = answer || answer`,
		`DELETE FROM terminal_answers`,
		// bounds: whole yuan within the purse
		`INSERT INTO recharges(device_id, serial, authorization_id, operator_id, card_no, amount, balance_before, counter_before,
			booked_at, settle_day, booking, card_write)
			SELECT device_id, 99999, authorization_id, operator_id, card_no, 150, 0, 0, booked_at, settle_day, 'booked', 'pending'
			FROM recharges LIMIT 1`,
		`INSERT INTO recharges(device_id, serial, authorization_id, operator_id, card_no, amount, balance_before, counter_before,
			booked_at, settle_day, booking, card_write)
			SELECT device_id, 99998, authorization_id, operator_id, card_no, 100, 16777200, 0, booked_at, settle_day, 'booked', 'pending'
			FROM recharges LIMIT 1`,
		`INSERT INTO recharges(device_id, serial, authorization_id, operator_id, card_no, amount, balance_before, counter_before,
			booked_at, settle_day, booking, card_write)
			SELECT device_id, 99997, authorization_id, operator_id, card_no, 100, 0, 0, booked_at, '2026-02-30', 'booked', 'pending'
			FROM recharges LIMIT 1`,
		`UPDATE operators SET daily_max = 150`,
		// the 1:1 binding of operators and authorization cards
		fmt.Sprintf(`INSERT INTO auth_cards(operator_id, card_no, bound_at, bound_by) VALUES (%d, '%s', 0, 'sql')`, s.Ops[1].ID, apptest.AuthCard(0)),
		fmt.Sprintf(`INSERT INTO auth_cards(operator_id, card_no, bound_at, bound_by) VALUES (%d, '%s', 0, 'sql')`, s.Ops[0].ID, apptest.UserCard(5)),
		// secrets sealed, codes hashed
		`UPDATE devices SET secret = ` + plainBlob(b) + ` WHERE id = 'P1'`,
		`UPDATE authorizations SET auth_code = '123456'`,
		// a card's memory only moves forward
		`UPDATE card_memory SET counter = counter - 1`,
		`DELETE FROM card_memory`,
		// the same key twice
		`INSERT INTO recharges(device_id, serial, authorization_id, operator_id, card_no, amount, balance_before, counter_before,
			booked_at, settle_day, booking, card_write)
			SELECT device_id, serial, authorization_id, operator_id, card_no, amount, 0, 0, booked_at, settle_day, 'booked', 'pending'
			FROM recharges LIMIT 1`,
	}
	if store.IsPostgres(s.Path) {
		// TRUNCATE fires no row trigger: PostgreSQL's statement triggers refuse it.
		stmts = append(stmts, `TRUNCATE audit_log`, `TRUNCATE recharges CASCADE`, `TRUNCATE terminal_answers`)
	}
	attack(t, s, stmts)
}

func plainBlob(b Backend) string {
	if b.Name == "postgres" {
		return `'\x00112233'::bytea`
	}
	return `X'00112233'`
}

func testSettledFrozen(t *testing.T, b Backend) {
	s := site(t, b, nil)
	sess := s.Authorize("P1", 0)
	s.Recharge(sess, apptest.UserCard(0), 30*app.Yuan)
	req, _ := s.Recharge(sess, apptest.UserCard(1), 40*app.Yuan)
	ctx := context.Background()
	day := s.Cfg.SettleDay(s.Clock.Now())
	s.Clock.Advance(26 * time.Hour)
	res, err := s.Svc.Settle(ctx, s.Staff("boss", app.RoleSupervisor))
	if err != nil || len(res.Settled) == 0 {
		t.Fatalf("settle: %+v %v", res, err)
	}
	attack(t, s, []string{
		`UPDATE settled_report SET recharge_amount = recharge_amount + 100`,
		`DELETE FROM settled_report`,
		`DELETE FROM settled_days`,
		`UPDATE settled_days SET settled_by = 'x'`,
		// a day before the last settled one cannot be settled any more
		`INSERT INTO settled_days(day, settled_at, settled_by, operator_rows) VALUES ('2026-01-01', 0, 'sql', 1)`,
		// nothing more on the settled day, nor on any day before it
		fmt.Sprintf(`INSERT INTO settled_report(day, operator_id, recharge_count, recharge_amount, reversal_count, reversal_amount,
			cancel_count) VALUES ('%s', %d, 1, 100, 0, 0, 0)`, day, s.Ops[1].ID),
		`INSERT INTO recharges(device_id, serial, authorization_id, operator_id, card_no, amount, balance_before, counter_before,
			booked_at, settle_day, booking, card_write)
			SELECT device_id, 99999, authorization_id, operator_id, card_no, 100, 0, 0, booked_at, settle_day, 'booked', 'pending'
			FROM recharges LIMIT 1`,
		`INSERT INTO recharges(device_id, serial, authorization_id, operator_id, card_no, amount, balance_before, counter_before,
			booked_at, settle_day, booking, card_write)
			SELECT device_id, 99998, authorization_id, operator_id, card_no, 100, 0, 0, booked_at, '2026-01-02', 'booked', 'pending'
			FROM recharges LIMIT 1`,
	})
	// And through the app: a reversal of a recharge of the settled day is late, and counts
	// on an open day; the settled figures stay.
	before, err := s.Svc.Report(ctx, app.SystemActor, day, day)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Svc.Reverse(ctx, app.ReverseRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: req.Serial,
		CardNo: req.CardNo, Amount: req.Amount}); err != nil {
		t.Fatal(err)
	}
	s.Clock.Advance(10 * time.Minute)
	if _, err := s.Svc.ApplyDueReversals(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := s.Svc.Report(ctx, app.SystemActor, day, day)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Fatalf("settled day changed:\n%v\n%v", before, after)
	}
}

func testIdempotency(t *testing.T, b Backend) {
	s := site(t, b, nil)
	ctx := context.Background()
	sess := s.Authorize("P1", 0)
	req := s.RechargeReq(sess, apptest.UserCard(0), 0, 10*app.Yuan)
	first, err := s.Svc.Recharge(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	// The same message again, from this host or another one on the same ledger, is the
	// first answer and no second booking.
	other, err := store.Open(s.Path, store.Options{SealKey: apptest.SealKey})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	svc2 := app.New(other, s.Clock, s.Cfg, nil)
	for _, svc := range []*app.Service{s.Svc, svc2, svc2} {
		again, err := svc.Recharge(ctx, req)
		if err != nil || again != first {
			t.Fatalf("replay: %+v %v, want %+v", again, err, first)
		}
	}
	if n := s.Count(`SELECT COUNT(*) FROM recharges WHERE device_id = 'P1' AND serial = ?`, req.Serial); n != 1 {
		t.Fatalf("%d recharges under one key", n)
	}
	// The store itself refuses a second answer under a key.
	ans := app.StoredAnswer{DeviceID: "P1", Serial: 424242, Kind: "recharge", RequestHash: []byte{1}, Answer: []byte(`{}`),
		ReceivedAt: time.Now()}
	if err := s.Store.Update(ctx, func(tx app.Tx) error { return tx.InsertTerminalAnswer(ans) }); err != nil {
		t.Fatal(err)
	}
	if err := other.Update(ctx, func(tx app.Tx) error { return tx.InsertTerminalAnswer(ans) }); err == nil {
		t.Fatal("a second answer under the same key was taken")
	}
}

// testSerialized: concurrent read-then-write transactions from two stores on one ledger
// (two hosts) never interleave. Each reads the device's last serial and writes the next
// one; if two ever ran side by side, both would write the same key and one would fail.
func testSerialized(t *testing.T, b Backend) {
	s := site(t, b, nil)
	other, err := store.Open(s.Path, store.Options{SealKey: apptest.SealKey})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx := context.Background()
	const workers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		st := s.Store
		if w%2 == 1 {
			st = other
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				errs <- st.Update(ctx, func(tx app.Tx) error {
					last, err := tx.LastSerial("C1")
					if err != nil {
						return err
					}
					// Give the other writers every chance to interleave.
					time.Sleep(time.Millisecond)
					return tx.InsertTerminalAnswer(app.StoredAnswer{DeviceID: "C1", Serial: last + 1, Kind: "probe",
						RequestHash: []byte{1}, Answer: []byte(`{}`), ReceivedAt: time.Now()})
				})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a serialized write failed: %v", err)
		}
	}
	var last int64
	if err := other.View(ctx, func(tx app.ReadTx) error { last, err = tx.LastSerial("C1"); return err }); err != nil {
		t.Fatal(err)
	}
	if last != workers*each {
		t.Fatalf("last serial %d, want %d", last, workers*each)
	}
}

func testRollback(t *testing.T, b Backend) {
	s := site(t, b, nil)
	ctx := context.Background()
	before := s.Ledger()
	boom := errors.New("boom")
	ans := func(serial int64) app.StoredAnswer {
		return app.StoredAnswer{DeviceID: "C1", Serial: serial, Kind: "probe", RequestHash: []byte{1}, Answer: []byte(`{}`),
			ReceivedAt: time.Now()}
	}
	err := s.Store.Update(ctx, func(tx app.Tx) error {
		if err := tx.AppendAudit(app.AuditEntry{At: time.Now(), Actor: "t", Action: "rolled", Subject: "back", Detail: ""}); err != nil {
			return err
		}
		if err := tx.InsertTerminalAnswer(ans(1)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("update: %v, want the caller's error", err)
	}
	err = s.Store.Update(ctx, func(tx app.Tx) error {
		if err := tx.InsertTerminalAnswer(ans(2)); err != nil {
			return err
		}
		panic("in the middle")
	})
	if err == nil {
		t.Fatal("a panicking write reported success")
	}
	// A statement the schema refuses fails the write; nothing of it stays, and the store
	// goes on writing.
	err = s.Store.Update(ctx, func(tx app.Tx) error {
		if err := tx.InsertTerminalAnswer(ans(3)); err != nil {
			return err
		}
		return tx.InsertTerminalAnswer(ans(3))
	})
	if err == nil {
		t.Fatal("a duplicate key inside a write was taken")
	}
	if after := s.Ledger(); after != before {
		t.Fatalf("failed writes left something:\n%+v\n%+v", before, after)
	}
	if n := s.Count(`SELECT COUNT(*) FROM terminal_answers WHERE device_id = 'C1'`); n != 0 {
		t.Fatalf("%d answers of failed writes kept", n)
	}
	if err := s.Store.Update(ctx, func(tx app.Tx) error { return tx.InsertTerminalAnswer(ans(4)) }); err != nil {
		t.Fatalf("the store does not write after failures: %v", err)
	}
}

// testTwoHosts: two services, each with its own store, on one ledger: POS terminals on
// both book recharges and send reversals, both run the reversal worker all along, and
// both settle at once at the end. Every approved recharge is booked once, every reversal
// of a pending recharge is applied exactly once, the day is settled once, and the cash of
// the report is the recount of the raw rows.
func testTwoHosts(t *testing.T, b Backend) {
	s := site(t, b, func(c *app.Config) { c.ReversalDelay = 0 })
	other, err := store.Open(s.Path, store.Options{SealKey: apptest.SealKey})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	hosts := []*app.Service{s.Svc, app.New(other, s.Clock, s.Cfg, nil)}
	ctx := context.Background()
	day := s.Cfg.SettleDay(s.Clock.Now())

	const perPOS = 30
	var booked, reversed [2]int
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	stop := make(chan struct{})
	for i, dev := range []string{"P1", "P2"} {
		auth, err := hosts[i].Authorize(ctx, app.AuthorizeRequest{DeviceID: dev, Serial: 1, CardNo: apptest.AuthCard(i), PIN: apptest.PIN})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			serial := int64(1)
			for n := range perPOS {
				serial++
				card := apptest.UserCard(i*4 + n%4)
				// Each message goes to one host or the other, as a POS that fails over does.
				h := hosts[(n+i)%2]
				req := app.RechargeRequest{DeviceID: dev, Serial: serial, BatchNo: auth.BatchNo, AuthCode: auth.AuthCode,
					CardNo: card, CardBalance: 0, CardCounter: int64(n), Amount: app.Fen(10+n) * app.Yuan}
				if _, err := h.Recharge(ctx, req); err != nil {
					errs <- fmt.Errorf("%s recharge %d: %w", dev, serial, err)
					return
				}
				booked[i]++
				if n%3 == 0 {
					serial++
					rv, err := hosts[(n+i+1)%2].Reverse(ctx, app.ReverseRequest{DeviceID: dev, Serial: serial, OrigSerial: req.Serial,
						CardNo: card, Amount: req.Amount})
					if err != nil {
						errs <- fmt.Errorf("%s reverse %d: %w", dev, serial, err)
						return
					}
					if rv.Status != app.RevPending {
						errs <- fmt.Errorf("%s reverse %d: %s", dev, serial, rv.Status)
						return
					}
					reversed[i]++
				}
			}
		}()
	}
	// Both hosts' workers, all along.
	var workers sync.WaitGroup
	for _, h := range hosts {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for {
				if _, err := h.ApplyDueReversals(ctx); err != nil {
					errs <- fmt.Errorf("worker: %w", err)
					return
				}
				select {
				case <-stop:
					return
				case <-time.After(time.Millisecond):
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	workers.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	// Both settle at once, after the day and the delay.
	s.Clock.Advance(26 * time.Hour)
	results := make([]app.SettleResult, 2)
	bosses := []app.Actor{s.Staff("boss0", app.RoleSupervisor), s.Staff("boss1", app.RoleSupervisor)}
	var settle sync.WaitGroup
	for i, h := range hosts {
		settle.Add(1)
		go func() {
			defer settle.Done()
			var err error
			results[i], err = h.Settle(ctx, bosses[i])
			if err != nil {
				errs <- fmt.Errorf("settle on host %d: %w", i, err)
			}
		}()
	}
	settle.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	if n := len(results[0].Settled) + len(results[1].Settled); n != 1 {
		t.Fatalf("the day was settled %d times: %+v", n, results)
	}
	nBooked, nReversed := booked[0]+booked[1], reversed[0]+reversed[1]
	rc, err := s.Store.Recount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rc.Recharges.Count != int64(nBooked) || rc.Reversals.Count != int64(nReversed) || rc.Reversed != int64(nReversed) {
		t.Fatalf("recount %+v: want %d recharges, %d reversals applied once each", rc, nBooked, nReversed)
	}
	if n := s.Count(`SELECT COUNT(*) FROM reversals WHERE status <> 'applied'`); n != 0 {
		t.Fatalf("%d reversals not applied", n)
	}
	rep, err := s.Svc.Report(ctx, app.SystemActor, day, day)
	if err != nil {
		t.Fatal(err)
	}
	cash := rep.Total.Cash()
	for _, r := range rep.Rows {
		if !r.Settled {
			t.Fatalf("row %+v of the settled day is not the settled one", r)
		}
	}
	if cash != rc.Cash() || cash == 0 {
		t.Fatalf("settled cash %d, recount %d", cash, rc.Cash())
	}
	if strings.TrimSpace(day) == "" {
		t.Fatal("no day")
	}
}

// testSessionsAcrossHosts: two services, each with its own store, on one ledger. A desk
// session opened on host A is good on host B (its token is all B is given); logged out on
// B, it is ended on A as well: a session lives in the ledger, not in a host.
func testSessionsAcrossHosts(t *testing.T, b Backend) {
	s := site(t, b, nil)
	other, err := store.Open(s.Path, store.Options{SealKey: apptest.SealKey})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	hostA, hostB := s.Svc, app.New(other, s.Clock, s.Cfg, nil)
	ctx := context.Background()
	s.Staff("super9", app.RoleSupervisor)
	onA, err := hostA.Login(ctx, "super9", "super9-pass-1")
	if err != nil || onA.Session == "" {
		t.Fatalf("login on A: %+v %v", onA, err)
	}
	onB, err := hostB.SessionActor(ctx, onA.Session)
	if err != nil || onB.User != "super9" || onB.Role != app.RoleSupervisor || onB.Session != onA.Session {
		t.Fatalf("A's session on B: %+v %v", onB, err)
	}
	if _, err := hostB.Exceptions(ctx, onB); err != nil {
		t.Fatalf("a desk call on B with A's session: %v", err)
	}
	if _, err := hostA.Exceptions(ctx, onA); err != nil {
		t.Fatalf("a desk call on A before the logout: %v", err)
	}
	if err := hostB.Logout(ctx, onB); err != nil {
		t.Fatalf("logout on B: %v", err)
	}
	if a, err := hostA.SessionActor(ctx, onA.Session); !isCode(err, app.CodeSessionEnded) {
		t.Fatalf("A after the logout on B: %+v %v, want SESSION_ENDED", a, err)
	}
	if _, err := hostA.Exceptions(ctx, onA); !isCode(err, app.CodeSessionEnded) {
		t.Fatalf("a desk call on A after the logout on B: %v, want SESSION_ENDED", err)
	}
	if _, err := hostB.Exceptions(ctx, onB); !isCode(err, app.CodeSessionEnded) {
		t.Fatalf("a desk call on B after its logout: %v, want SESSION_ENDED", err)
	}
}
