// Package apptest builds a small recharge site on a real ledger for tests: devices,
// operators with bound authorization cards, cardholders, a manual clock. The ledger is a
// SQLite file, or, with CARDCENTER_TEST_DB=postgres (or Options.Postgres), a fresh
// PostgreSQL database of its own (store/pgtest).
package apptest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/cardio"
	"cardcenter/store"
	"cardcenter/store/pgtest"
)

// Start is the manual clock's start: 10:00 Beijing time on a weekday.
var Start = time.Date(2026, 3, 2, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

// PIN of every operator of the fixture.
const PIN = "123456"

// Site is a ledger with a known cast.
type Site struct {
	T       testing.TB
	Path    string
	Store   *store.Store
	Svc     *app.Service
	Clock   *app.ManualClock
	Cfg     app.Config
	Admin   app.Actor
	Clerk   app.Actor
	Boss    app.Actor          // a supervisor
	Ops     []app.OperatorInfo // op[i] is bound to card AuthCard(i)
	Devices []string           // recharge POS ids; P1 is op 0's designated... none designated by default
	serial  map[string]int64
	counter map[string]int64 // the last counter each user card showed a POS
	raw     *sql.DB          // see RawDB
	sealKey []byte
}

// AuthCard is the authorization card number of operator i. Card numbers are decimal
// digits, as the card layout stores them (cardio), so the same numbers work on virtual cards.
func AuthCard(i int) string { return fmt.Sprintf("8%07d", i+1) }

// UserCard is the card number of cardholder i.
func UserCard(i int) string { return fmt.Sprintf("2%07d", i+1) }

// Options shape the fixture.
type Options struct {
	Operators, Cards int
	Config           func(*app.Config)
	StoreOptions     store.Options
	// Postgres puts the site on a fresh PostgreSQL database whatever CARDCENTER_TEST_DB says.
	Postgres bool
	// Path puts the site's ledger at this address (a new file, an empty PostgreSQL
	// database) rather than at a new one of the fixture's choosing.
	Path string
}

// pgTemplateKey names the migrated empty ledger every PostgreSQL site is copied from: a
// schema of other migrations makes another template.
var pgTemplateKey = fmt.Sprintf("v%d_%x", store.PGSchemaVersion, sha256.Sum256([]byte(store.PGSchema())))[:24]

// ledgerPath is where a new site's ledger lives: a file in the test's directory, or a
// fresh PostgreSQL database when the test or the environment asks for one.
func ledgerPath(t testing.TB, file string, pg bool) string {
	if pg || pgtest.Selected() {
		return pgtest.DSNFromTemplate(t, pgTemplateKey, func(dsn string) error {
			st, err := store.Open(dsn, store.Options{Create: true})
			if err != nil {
				return err
			}
			return st.Close()
		})
	}
	return filepath.Join(t.TempDir(), file)
}

// New builds a site in t.TempDir() with 2 recharge POS (P1, P2), one consumption POS (C1),
// opts.Operators operators (default 2) and opts.Cards user cards (default 4).
func New(t testing.TB, opts Options) *Site {
	t.Helper()
	if opts.Operators == 0 {
		opts.Operators = 2
	}
	if opts.Cards == 0 {
		opts.Cards = 4
	}
	cfg := app.DefaultConfig()
	cfg.Hasher = app.TestHasher()
	cfg.Location = Start.Location()
	if opts.Config != nil {
		opts.Config(&cfg)
	}
	s := &Site{T: t, Path: opts.Path, Clock: app.NewManualClock(Start), Cfg: cfg,
		Admin: app.Actor{User: "admin", Role: app.RoleAdmin}, Clerk: app.Actor{User: "clerk1", Role: app.RoleClerk},
		serial: map[string]int64{}, counter: map[string]int64{}}
	if s.Path == "" {
		s.Path = ledgerPath(t, "ledger.db", opts.Postgres)
	}
	so := opts.StoreOptions
	so.Create = true
	if so.SealKey == nil {
		so.SealKey = SealKey
	}
	s.open(so)
	t.Cleanup(func() { s.Store.Close() })
	ctx := context.Background()
	must(t, s.Svc.CreateStaff(ctx, app.SystemActor, "admin", "管理员", app.RoleAdmin, "admin-pass-1"))
	must(t, s.Svc.CreateStaff(ctx, s.Admin, "clerk1", "柜员一", app.RoleClerk, "clerk-pass-1"))
	for _, d := range []app.DeviceInput{
		{ID: "P1", Name: "一食堂充值机", Model: app.ModelRechargePOS, Location: "一食堂"},
		{ID: "P2", Name: "图书馆充值机", Model: app.ModelRechargePOS, Location: "图书馆"},
		{ID: "C1", Name: "一食堂消费机", Model: "0101", Location: "一食堂"},
	} {
		_, _, err := s.Svc.RegisterDevice(ctx, s.Admin, d)
		must(t, err)
	}
	s.Devices = []string{"P1", "P2"}
	for i := 0; i < opts.Operators; i++ {
		_, err := s.Svc.IssueCard(ctx, s.Admin, app.IssueCardInput{HolderNo: fmt.Sprintf("T%04d", i+1),
			HolderName: fmt.Sprintf("操作员%d", i+1), CardNo: AuthCard(i), UID: fmt.Sprintf("A1%06X", i+1)})
		must(t, err)
		op, err := s.Svc.CreateOperator(ctx, s.Admin, app.OperatorInput{OpNo: fmt.Sprintf("OP%02d", i+1),
			Name: fmt.Sprintf("充值员%d", i+1), PIN: PIN, Enabled: true})
		must(t, err)
		must(t, s.Svc.BindCard(ctx, s.Admin, op.ID, AuthCard(i)))
		s.Ops = append(s.Ops, op)
	}
	for i := 0; i < opts.Cards; i++ {
		_, err := s.Svc.IssueCard(ctx, s.Admin, app.IssueCardInput{HolderNo: fmt.Sprintf("S%06d", i+1),
			HolderName: fmt.Sprintf("学生%d", i+1), CardNo: UserCard(i), UID: fmt.Sprintf("B2%06X", i+1)})
		must(t, err)
	}
	return s
}

// NewEmpty is a ledger with nothing in it, not even a desk account: a first run.
func NewEmpty(t testing.TB) *Site {
	t.Helper()
	cfg := app.DefaultConfig()
	cfg.Hasher = app.TestHasher()
	cfg.Location = Start.Location()
	s := &Site{T: t, Path: ledgerPath(t, "empty.db", false), Clock: app.NewManualClock(Start), Cfg: cfg, serial: map[string]int64{},
		counter: map[string]int64{}}
	s.open(store.Options{Create: true})
	t.Cleanup(func() { s.Store.Close() })
	return s
}

// SiteKey is the fixture's site key: its cards' keys and, derived from it as on a real
// site, the key that seals its device secrets. A test that runs a command on the fixture's
// ledger gives the command this key ($CARDCENTER_SITE_KEY = SiteKey.Hex()).
var SiteKey = must2(cardio.ParseSiteKey(strings.Repeat("a5", 32)))

// SealKey seals the fixture's device secrets (store.Options.SealKey).
var SealKey = SiteKey.LedgerSealKey()

func must2[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func (s *Site) open(so store.Options) {
	st, err := store.Open(s.Path, so)
	must(s.T, err)
	s.Store, s.sealKey = st, so.SealKey
	s.Svc = app.New(st, s.Clock, s.Cfg, nil)
}

// Reopen closes the database and opens it again, as after a host restart.
func (s *Site) Reopen() {
	s.T.Helper()
	must(s.T, s.Store.Close())
	s.open(store.Options{SealKey: s.sealKey})
}

// NextSerial returns the next terminal serial of a device.
func (s *Site) NextSerial(device string) int64 {
	s.serial[device]++
	return s.serial[device]
}

// Session is an operator's authorization on a device.
type Session struct {
	Device   string
	BatchNo  int64
	AuthCode string
	Operator app.OperatorInfo
}

// Authorize authorizes operator i on device and fails the test if refused.
func (s *Site) Authorize(device string, i int) Session {
	s.T.Helper()
	res, err := s.Svc.Authorize(context.Background(), app.AuthorizeRequest{DeviceID: device, Serial: s.NextSerial(device),
		CardNo: AuthCard(i), PIN: PIN})
	must(s.T, err)
	return Session{Device: device, BatchNo: res.BatchNo, AuthCode: res.AuthCode, Operator: s.Ops[i]}
}

// RechargeReq builds a recharge request in the session with a fresh serial. The card's
// counter moves on by ten between requests, as a card used at the canteen in between does,
// so the ledger's memory of the card (what its last confirmed write reached) never finds
// it behind.
func (s *Site) RechargeReq(sess Session, card string, balance, amount app.Fen) app.RechargeRequest {
	s.counter[card] += 10
	return app.RechargeRequest{DeviceID: sess.Device, Serial: s.NextSerial(sess.Device), BatchNo: sess.BatchNo,
		AuthCode: sess.AuthCode, CardNo: card, CardBalance: balance, CardCounter: s.counter[card] - 9, Amount: amount}
}

// Recharge books a recharge and fails the test if refused.
func (s *Site) Recharge(sess Session, card string, amount app.Fen) (app.RechargeRequest, app.RechargeResult) {
	s.T.Helper()
	req := s.RechargeReq(sess, card, 0, amount)
	res, err := s.Svc.Recharge(context.Background(), req)
	must(s.T, err)
	return req, res
}

// RechargeCounted books a recharge of a card the POS read at counter (the tests of the
// card's memory need the counter exact, not RechargeReq's) and fails the test if refused.
func (s *Site) RechargeCounted(sess Session, card string, balance, amount app.Fen, counter int64) (app.RechargeRequest, app.RechargeResult) {
	s.T.Helper()
	req := s.RechargeReq(sess, card, balance, amount)
	req.CardCounter = counter
	res, err := s.Svc.Recharge(context.Background(), req)
	must(s.T, err)
	return req, res
}

// about is the record a POS sends about the recharge req afterwards, a confirm (or, as
// app.CancelRequest, a cancel): from its device, with a fresh serial.
func (s *Site) about(req app.RechargeRequest) app.ConfirmRequest {
	return app.ConfirmRequest{DeviceID: req.DeviceID, Serial: s.NextSerial(req.DeviceID), OrigSerial: req.Serial,
		CardNo: req.CardNo, Amount: req.Amount}
}

// Confirm sends the POS's confirm of the recharge req and fails the test if refused.
func (s *Site) Confirm(req app.RechargeRequest) app.ConfirmResult {
	s.T.Helper()
	res, err := s.Svc.Confirm(context.Background(), s.about(req))
	must(s.T, err)
	return res
}

// Cancel sends the operator's cancel of the recharge req and fails the test if the host
// refuses the message (a cancel it records as a conflict is not a refusal: Status says so).
func (s *Site) Cancel(req app.RechargeRequest) app.CancelResult {
	s.T.Helper()
	res, err := s.Svc.Cancel(context.Background(), app.CancelRequest(s.about(req)))
	must(s.T, err)
	return res
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Staff is the actor of a desk account with that name and role, created (by the admin) if
// the site has none yet: the ledger checks every actor against its stored account.
func (s *Site) Staff(user string, role app.Role) app.Actor {
	s.T.Helper()
	a := app.Actor{User: user, Role: role}
	var st app.Staff
	err := s.Store.View(context.Background(), func(tx app.ReadTx) (err error) { st, err = tx.Staff(user); return })
	if err == nil {
		if st.Role != role {
			s.T.Fatalf("staff %s is a %s, not a %s", user, st.Role, role)
		}
		return a
	}
	must(s.T, s.Svc.CreateStaff(context.Background(), app.SystemActor, user, user, role, user+"-pass-1"))
	return a
}
