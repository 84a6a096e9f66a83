package sitegen

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/store"
)

// serviceSink plays a generated history through the use cases, message by message, on a
// manual clock: what the bulk loader writes must be what the host would have written.
// Every id the host hands out must be the one the generator planned.
type serviceSink struct {
	ctx   context.Context
	svc   *app.Service
	clock *app.ManualClock
	admin app.Actor
}

func (s *serviceSink) at(t time.Time) { s.clock.Set(t) }

func (s *serviceSink) Staff(at time.Time, st *staffPlan) error {
	s.at(at)
	return s.svc.CreateStaff(s.ctx, st.By, st.Username, st.DisplayName, st.Role, st.Password)
}

func (s *serviceSink) Device(at time.Time, d *devicePlan) error {
	s.at(at)
	_, _, err := s.svc.RegisterDevice(s.ctx, s.admin, app.DeviceInput{ID: d.ID, Name: d.Name, Model: d.Model, Location: d.Location})
	return err
}

func (s *serviceSink) IssueCard(at time.Time, c *cardPlan) error {
	s.at(at)
	_, err := s.svc.IssueCard(s.ctx, s.admin, app.IssueCardInput{HolderNo: c.Holder.No, HolderName: c.Holder.Name,
		Dept: c.Holder.Dept, CardNo: c.No, UID: c.UID})
	return err
}

func (s *serviceSink) Operator(at time.Time, o *opPlan) error {
	s.at(at)
	op, err := s.svc.CreateOperator(s.ctx, s.admin, app.OperatorInput{OpNo: o.OpNo, Name: o.Name, PIN: o.PIN,
		DailyMax: o.DailyMax, DesignatedDevice: o.DesignatedDevice, Merchant: o.Merchant, Enabled: true})
	if err == nil && op.ID != o.ID {
		err = fmt.Errorf("operator %s got id %d, planned %d", o.OpNo, op.ID, o.ID)
	}
	return err
}

func (s *serviceSink) Bind(at time.Time, o *opPlan, by app.Actor) error {
	s.at(at)
	return s.svc.BindCard(s.ctx, by, o.ID, o.AuthCard.No)
}

func (s *serviceSink) RetireOperator(at time.Time, o *opPlan, by app.Actor) error {
	s.at(at)
	return s.svc.UpdateOperator(s.ctx, by, app.OperatorInput{ID: o.ID, OpNo: o.OpNo, Name: o.Name, DailyMax: o.DailyMax,
		DesignatedDevice: o.DesignatedDevice, Merchant: o.Merchant, Enabled: false})
}

func (s *serviceSink) CardStatus(at time.Time, c *cardPlan, by app.Actor) error {
	s.at(at)
	return s.svc.SetCardStatus(s.ctx, by, c.No, c.Status)
}

func (s *serviceSink) Authorize(a *authPlan) (string, error) {
	s.at(a.StartedAt)
	res, err := s.svc.Authorize(s.ctx, app.AuthorizeRequest{DeviceID: a.DeviceID, Serial: a.Serial, CardNo: a.CardNo, PIN: a.Op.PIN})
	if err == nil && (res.AuthorizationID != a.ID || res.BatchNo != a.BatchNo) {
		err = fmt.Errorf("authorization %d batch %d, planned %d batch %d", res.AuthorizationID, res.BatchNo, a.ID, a.BatchNo)
	}
	return res.AuthCode, err
}

func (s *serviceSink) Recharge(r *rechargePlan) error {
	s.at(r.BookedAt)
	res, err := s.svc.Recharge(s.ctx, rechargeRequest(r))
	if err == nil && res.RechargeID != r.ID {
		err = fmt.Errorf("recharge got id %d, planned %d", res.RechargeID, r.ID)
	}
	return err
}

func rechargeRequest(r *rechargePlan) app.RechargeRequest {
	return app.RechargeRequest{DeviceID: r.DeviceID, Serial: r.Serial, BatchNo: r.Auth.BatchNo, AuthCode: r.AuthCode,
		CardNo: r.CardNo, CardBalance: r.BalanceBefore, CardCounter: r.CounterBefore, Amount: r.Amount}
}

func (s *serviceSink) Confirm(r *rechargePlan) error {
	s.at(r.FollowAt)
	_, err := s.svc.Confirm(s.ctx, app.ConfirmRequest{DeviceID: r.DeviceID, Serial: r.FollowSerial, OrigSerial: r.Serial,
		CardNo: r.CardNo, Amount: r.Amount})
	return err
}

func (s *serviceSink) Cancel(r *rechargePlan) error {
	s.at(r.FollowAt)
	res, err := s.svc.Cancel(s.ctx, app.CancelRequest{DeviceID: r.DeviceID, Serial: r.FollowSerial, OrigSerial: r.Serial,
		CardNo: r.CardNo, Amount: r.Amount})
	if err == nil && (res.CancelID != r.CancelID || res.Status != app.CancelRecorded) {
		err = fmt.Errorf("cancel %d %s, planned %d recorded", res.CancelID, res.Status, r.CancelID)
	}
	return err
}

func (s *serviceSink) reverse(at time.Time, device string, serial, orig int64, card string, amount app.Fen, id int64) error {
	s.at(at)
	res, err := s.svc.Reverse(s.ctx, app.ReverseRequest{DeviceID: device, Serial: serial, OrigSerial: orig, CardNo: card, Amount: amount})
	if err == nil && (res.ReversalID != id || res.Status != app.RevPending) {
		err = fmt.Errorf("reversal %d %s, planned %d pending", res.ReversalID, res.Status, id)
	}
	return err
}

func (s *serviceSink) Reverse(r *rechargePlan) error {
	return s.reverse(r.FollowAt, r.DeviceID, r.FollowSerial, r.Serial, r.CardNo, r.Amount, r.ReversalID)
}

func (s *serviceSink) LostRecharge(t *tombstonePlan) error {
	return s.reverse(t.At, t.Dev.ID, t.Serial, t.OrigSerial, t.CardNo, t.Amount, t.ID)
}

func (s *serviceSink) ApplyReversal(at time.Time, id int64) error {
	s.at(at)
	_, err := s.svc.ApplyDueReversals(s.ctx)
	return err
}

func (s *serviceSink) BeginRepair(r *rechargePlan) error {
	s.at(r.Repair.StartedAt)
	items, err := s.svc.AwaitingDesk(s.ctx, app.SystemActor, r.CardNo)
	if err != nil {
		return err
	}
	found := false
	for _, it := range items {
		found = found || it.Recharge.ID == r.ID
	}
	if !found {
		return fmt.Errorf("recharge %d is not awaiting the desk on card %s: %+v", r.ID, r.CardNo, items)
	}
	rp, resumed, err := s.svc.BeginRepair(s.ctx, r.RepairBy, r.ID,
		app.CardSnapshot{Balance: r.Repair.CardBalanceBefore, Counter: r.Repair.CardCounterBefore})
	if err == nil && (rp.ID != r.Repair.ID || resumed) {
		err = fmt.Errorf("repair %d (resumed %t), planned %d", rp.ID, resumed, r.Repair.ID)
	}
	return err
}

func (s *serviceSink) CompleteRepair(r *rechargePlan) error {
	s.at(r.Repair.FinishedAt)
	_, err := s.svc.CompleteRepair(s.ctx, r.RepairBy, r.Repair.ID, r.Repair.State,
		app.CardSnapshot{Balance: r.Repair.CardBalanceAfter, Counter: r.Repair.CardCounterAfter})
	return err
}

func (s *serviceSink) Finish([]*devicePlan) error { return nil }

// recordingSink keeps what was played, to replay it later.
type recordingSink struct {
	siteSink
	auths     []*authPlan
	recharges []*rechargePlan
	lost      []*tombstonePlan
}

func (s *recordingSink) Authorize(a *authPlan) (string, error) {
	s.auths = append(s.auths, a)
	return s.siteSink.Authorize(a)
}

func (s *recordingSink) Recharge(r *rechargePlan) error {
	s.recharges = append(s.recharges, r)
	return s.siteSink.Recharge(r)
}

func (s *recordingSink) LostRecharge(t *tombstonePlan) error {
	s.lost = append(s.lost, t)
	return s.siteSink.LostRecharge(t)
}

// testNow is a Friday afternoon in March: the history runs through the end of the winter
// vacation and the first weeks of the semester, weekends included.
var testNow = time.Date(2026, 3, 20, 15, 30, 0, 0, time.FixedZone("CST", 8*3600))

func testParams(n, days int) Params {
	cfg := app.DefaultConfig()
	cfg.Hasher = app.TestHasher()
	cfg.Location = testNow.Location()
	return Params{Recharges: n, Days: days, Seed: 7, Now: testNow, Cfg: cfg, AdminPassword: "admin-password-1"}
}

// busyRates make every story common enough to appear in a small history.
var busyRates = storyRates{Reversed: 0.04, Cancel: 0.04, Unknown: 0.02, Lost: 0.01,
	CancelCredited: 0.3, UnknownCredited: 0.5, CancelToDesk: 0.8, UnknownToDesk: 0.8}

// genBulk generates a site with the bulk loader, then settles it through the use cases.
func genBulk(t *testing.T, p Params) (*Generator, *recordingSink, *store.Store, *app.Service) {
	t.Helper()
	return genBulkAt(t, p, filepath.Join(t.TempDir(), "bulk.db"))
}

// genBulkAt is genBulk into a given ledger: a new file, or an empty PostgreSQL database.
func genBulkAt(t *testing.T, p Params, path string) (*Generator, *recordingSink, *store.Store, *app.Service) {
	t.Helper()
	g, err := New(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	g.rates = busyRates
	b, err := store.BulkLoad(path, store.BulkOptions{TxRows: 1000, SealKey: apptest.SealKey})
	if err != nil {
		t.Fatal(err)
	}
	bs, err := newBulkSink(b, g)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recordingSink{siteSink: bs}
	g.sink = rec
	if err := g.run(); err != nil {
		bs.stop()
		b.Abort()
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(path, store.Options{SealKey: apptest.SealKey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := app.New(st, app.NewManualClock(p.Now), p.Cfg, nil)
	if _, err := svc.Settle(context.Background(), app.SystemActor); err != nil {
		t.Fatal(err)
	}
	return g, rec, st, svc
}

// The bulk loader writes exactly what the use cases write when the same history is played
// through them message by message: same rows, same ids, same first answers, same audit
// log, same report. And the use cases accept every message of the history: no generated
// recharge breaks a rule the host enforces.
func TestGenBulkEqualsUseCases(t *testing.T) {
	ctx := context.Background()
	p := testParams(1200, 24)
	g, _, bulk, _ := genBulk(t, p)

	sst, err := store.Open(filepath.Join(t.TempDir(), "service.db"), store.Options{Create: true, SealKey: apptest.SealKey})
	if err != nil {
		t.Fatal(err)
	}
	defer sst.Close()
	clock := app.NewManualClock(p.Now)
	ssvc := app.New(sst, clock, p.Cfg, nil)
	g2, err := New(p, &serviceSink{ctx: ctx, svc: ssvc, clock: clock, admin: app.Actor{User: "admin", Role: app.RoleAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	g2.rates = busyRates
	if err := g2.run(); err != nil {
		t.Fatalf("the use cases refused the generated history: %v", err)
	}
	clock.Set(p.Now)
	if _, err := ssvc.Settle(ctx, app.SystemActor); err != nil {
		t.Fatal(err)
	}
	if g.stats != g2.stats {
		t.Fatalf("same seed, different histories:\n%+v\n%+v", g.stats, g2.stats)
	}
	s := g.stats
	if s.Recharges != 1200 || s.Reversed == 0 || s.Cancels == 0 || s.Unknown == 0 || s.Repairs == 0 || s.Tombstones == 0 {
		t.Fatalf("the history lacks a story: %+v", s)
	}

	var nDevSerials = map[string]int64{}
	for _, d := range g.devices {
		nDevSerials[d.ID] = d.nextSerial
	}
	compareLedgers(t, g, bulk, sst, nDevSerials)
}

func compareLedgers(t *testing.T, g *Generator, bulk, service *store.Store, serials map[string]int64) {
	t.Helper()
	ctx := context.Background()
	read := func(st *store.Store, fn func(tx app.ReadTx) (any, error)) any {
		var v any
		if err := st.View(ctx, func(tx app.ReadTx) error {
			var err error
			v, err = fn(tx)
			if errors.Is(err, app.ErrNoRow) {
				v, err = "no row", nil
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return v
	}
	same := func(what string, fn func(tx app.ReadTx) (any, error)) {
		t.Helper()
		a, b := read(bulk, fn), read(service, fn)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%s differs:\nbulk:     %+v\nservice:  %+v", what, a, b)
		}
	}
	for id := int64(1); id <= g.ids.recharge; id++ {
		same(fmt.Sprintf("recharge %d", id), func(tx app.ReadTx) (any, error) { return tx.Recharge(id) })
	}
	for _, h := range g.holders {
		for _, c := range h.Cards {
			same(fmt.Sprintf("memory of card %s", c.No), func(tx app.ReadTx) (any, error) { return tx.CardMemory(c.No) })
		}
	}
	for id := int64(1); id <= g.ids.reversal+1; id++ {
		same(fmt.Sprintf("reversal %d", id), func(tx app.ReadTx) (any, error) { return tx.Reversal(id) })
	}
	for id := int64(1); id <= g.ids.cancel+1; id++ {
		same(fmt.Sprintf("cancel %d", id), func(tx app.ReadTx) (any, error) { return tx.Cancel(id) })
	}
	for id := int64(1); id <= g.ids.repair+1; id++ {
		same(fmt.Sprintf("repair %d", id), func(tx app.ReadTx) (any, error) { return tx.Repair(id) })
	}
	for dev, n := range serials {
		for serial := int64(1); serial <= n+1; serial++ {
			// Authorization codes are random, so authorize answers and the fingerprints of
			// the recharges that carry the code differ; everything else is byte for byte.
			same(fmt.Sprintf("answer %s/%d", dev, serial), func(tx app.ReadTx) (any, error) {
				a, err := tx.TerminalAnswer(dev, serial)
				if a.Kind == app.KindAuthorize {
					a.Answer = nil
				}
				if a.Kind == app.KindRecharge {
					a.RequestHash = nil
				}
				return a, err
			})
		}
		same("current authorization of "+dev, func(tx app.ReadTx) (any, error) {
			a, err := tx.CurrentAuthorization(dev)
			a.AuthCodeHash = ""
			return a, err
		})
	}
	same("devices", func(tx app.ReadTx) (any, error) {
		ds, err := tx.Devices()
		for i := range ds {
			ds[i].Secret = nil
		}
		return ds, err
	})
	same("operators", func(tx app.ReadTx) (any, error) {
		os, err := tx.Operators()
		for i := range os {
			os[i].PINHash = ""
		}
		return os, err
	})
	for _, o := range g.ops {
		same("binding of "+o.OpNo, func(tx app.ReadTx) (any, error) { return tx.BindingByOperator(o.ID) })
	}
	for _, st := range g.staff {
		same("staff "+st.Username, func(tx app.ReadTx) (any, error) {
			s, err := tx.Staff(st.Username)
			s.PasswordHash = ""
			return s, err
		})
	}
	for _, h := range g.holders {
		same(fmt.Sprintf("holder %d", h.ID), func(tx app.ReadTx) (any, error) { return tx.Cardholder(h.ID) })
		for _, c := range h.Cards {
			same("card "+c.No, func(tx app.ReadTx) (any, error) { return tx.Card(c.No) })
		}
	}
	same("audit log", func(tx app.ReadTx) (any, error) { return tx.Audit(1 << 30) })
	same("report", func(tx app.ReadTx) (any, error) {
		return tx.SettledReport(g.stats.FirstDay, g.stats.LastDay)
	})
	same("live report", func(tx app.ReadTx) (any, error) {
		return tx.LiveReport(g.stats.FirstDay, g.stats.LastDay)
	})
	a, err := bulk.Recount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := service.Recount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a != b || a.Recharges.Count != g.stats.Recharges || a.Reversals.Count != g.stats.Reversed || a.Reversed != a.Reversals.Count {
		t.Fatalf("recount: bulk %+v service %+v generated %+v", a, b, g.stats)
	}
}

// Every message of a generated history, sent again, gets its first answer back and
// changes nothing; the same serial with other content is refused; and the site goes on
// taking new recharges on the POS's current session.
func TestGenReplaysGetTheirFirstAnswers(t *testing.T) {
	ctx := context.Background()
	p := testParams(600, 10)
	g, rec, st, svc := genBulk(t, p)
	before, err := st.Recount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range rec.auths {
		res, err := svc.Authorize(ctx, app.AuthorizeRequest{DeviceID: a.DeviceID, Serial: a.Serial, CardNo: a.CardNo, PIN: "000000"})
		if err != nil || res.AuthorizationID != a.ID || res.AuthCode != a.AuthCode || !res.AuthorizedAt.Equal(a.StartedAt) {
			t.Fatalf("authorize replay %s/%d: %+v, %v; planned %+v", a.DeviceID, a.Serial, res, err, a.Authorization)
		}
	}
	for _, r := range rec.recharges {
		res, err := svc.Recharge(ctx, rechargeRequest(r))
		if err != nil || res.RechargeID != r.ID || res.BalanceAfter != r.BalanceBefore+r.Amount || !res.BookedAt.Equal(r.BookedAt) {
			t.Fatalf("recharge replay %s/%d: %+v, %v", r.DeviceID, r.Serial, res, err)
		}
		if r.FollowAt.IsZero() {
			continue
		}
		switch r.Fate {
		case fateWritten:
			res, err := svc.Confirm(ctx, app.ConfirmRequest{DeviceID: r.DeviceID, Serial: r.FollowSerial, OrigSerial: r.Serial,
				CardNo: r.CardNo, Amount: r.Amount})
			if err != nil || res.RechargeID != r.ID || res.CardWrite != app.WriteWritten {
				t.Fatalf("confirm replay of recharge %d: %+v, %v", r.ID, res, err)
			}
		case fateCancel:
			res, err := svc.Cancel(ctx, app.CancelRequest{DeviceID: r.DeviceID, Serial: r.FollowSerial, OrigSerial: r.Serial,
				CardNo: r.CardNo, Amount: r.Amount})
			if err != nil || res.CancelID != r.CancelID || res.Status != app.CancelRecorded {
				t.Fatalf("cancel replay of recharge %d: %+v, %v", r.ID, res, err)
			}
		case fateReversed:
			res, err := svc.Reverse(ctx, app.ReverseRequest{DeviceID: r.DeviceID, Serial: r.FollowSerial, OrigSerial: r.Serial,
				CardNo: r.CardNo, Amount: r.Amount})
			if err != nil || res.ReversalID != r.ReversalID || res.Status != app.RevPending {
				t.Fatalf("reversal replay of recharge %d: %+v, %v", r.ID, res, err)
			}
		}
	}
	for _, l := range rec.lost {
		// The original arrives at last: it was reversed and is never booked (rule 12).
		_, err := svc.Recharge(ctx, app.RechargeRequest{DeviceID: l.Dev.ID, Serial: l.OrigSerial, BatchNo: 1, AuthCode: "x",
			CardNo: l.CardNo, CardBalance: 0, CardCounter: 1, Amount: l.Amount})
		if !errors.Is(err, app.CodePreviouslyRev) {
			t.Fatalf("late original of tombstone %d: %v, want PREVIOUSLY_REVERSED", l.ID, err)
		}
	}
	after, err := st.Recount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Fatalf("replays changed the ledger: %+v → %+v", before, after)
	}

	r := rec.recharges[len(rec.recharges)-1]
	other := rechargeRequest(r)
	other.Amount += app.Yuan
	if _, err := svc.Recharge(ctx, other); !errors.Is(err, app.CodeDuplicateConflict) {
		t.Fatalf("reused serial with another amount: %v, want DUPLICATE_CONFLICT", err)
	}
	d := r.Dev
	cur := d.current
	res, err := svc.Recharge(ctx, app.RechargeRequest{DeviceID: d.ID, Serial: d.nextSerial + 1, BatchNo: cur.BatchNo,
		AuthCode: cur.AuthCode, CardNo: r.CardNo, CardBalance: r.Card.balance, CardCounter: r.Card.counter, Amount: 50 * app.Yuan})
	if err != nil || res.RechargeID != g.ids.recharge+1 || res.OperatorNo != cur.Op.OpNo {
		t.Fatalf("new recharge on %s after gen: %+v, %v", d.ID, res, err)
	}
}
