package sitegen

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"runtime"
	"sync"
	"time"

	"cardcenter/app"
	"cardcenter/store"
)

// bulkSink writes a generated history straight into a new ledger through store.Bulk: each
// row as it stands at the end of the history, the first answer of every terminal message
// as the host would have kept it, and the audit log as the use cases write it. The rows
// are built here and written by a second goroutine, so that encoding answers and SQLite
// run on both cores.
type bulkSink struct {
	cfg    app.Config
	now    time.Time
	hashes map[string]string // PIN hashes by operator number, password hashes by user name
	cur    *bulkBatch
	out    chan *bulkBatch
	open   map[string]int64 // device → its open authorization
	// memory is the ledger's memory of each card as the use cases keep it: moved forward by
	// every confirm and every finished repair, written once at the end.
	memory map[string]app.CardMemory

	// The writer closes failed when a write fails (werr says why) and finished when it
	// has taken its last batch.
	failed, finished chan struct{}
	werr             error
	closeOnce        sync.Once
}

// bulkBatch holds rows in the order the schema's foreign keys need them: a row's parents
// come in an earlier stage of the same batch or in an earlier batch.
type bulkBatch struct {
	staff     []app.Staff
	holders   []app.Cardholder
	cards     []app.Card
	devices   []app.Device
	operators []app.Operator
	bindings  []app.Binding
	auths     []authStep
	recharges []app.Recharge
	reversals []app.Reversal
	cancels   []app.Cancel
	repairs   []app.Repair
	updates   []rechargeUpdate
	answers   []app.StoredAnswer
	audit     []app.AuditEntry
	next      map[string]int64
	memory    []app.CardMemory
	size      int
}

// authStep ends the device's open authorization (end != 0) or opens a new one.
type authStep struct {
	end int64
	at  time.Time
	a   app.Authorization
}

type rechargeUpdate struct {
	id       int64
	repairID int64
	write    app.CardWrite
}

const bulkBatchSize = 4096

func newBulkSink(b *store.Bulk, g *Generator) (*bulkSink, error) {
	s := &bulkSink{cfg: g.p.Cfg, now: g.p.Now, out: make(chan *bulkBatch, 8), open: map[string]int64{}, memory: map[string]app.CardMemory{}, cur: &bulkBatch{},
		failed: make(chan struct{}), finished: make(chan struct{})}
	if err := s.hashSecrets(g); err != nil {
		return nil, err
	}
	go s.writeBatches(b)
	return s, nil
}

// hashSecrets hashes every PIN and password up front, on every core: argon2id is meant
// to be slow.
func (s *bulkSink) hashSecrets(g *Generator) error {
	type job struct{ key, secret string }
	var jobs []job
	for _, o := range g.ops {
		jobs = append(jobs, job{"op:" + o.OpNo, o.PIN})
	}
	for _, st := range g.staff {
		jobs = append(jobs, job{"staff:" + st.Username, st.Password})
	}
	s.hashes = make(map[string]string, len(jobs))
	var mu sync.Mutex
	var wg sync.WaitGroup
	var firstErr error
	ch := make(chan job)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				h, err := s.cfg.Hasher.Hash(j.secret)
				mu.Lock()
				s.hashes[j.key] = h
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	return firstErr
}

func (s *bulkSink) writeBatches(b *store.Bulk) {
	defer close(s.finished)
	for batch := range s.out {
		if s.werr != nil {
			continue // drain, so that the generator never blocks on a dead writer
		}
		if err := batch.write(b); err != nil {
			s.werr = err
			close(s.failed)
		}
	}
}

func (x *bulkBatch) write(b *store.Bulk) error {
	insertAll(x.staff, b.InsertStaff)
	insertAll(x.holders, b.InsertCardholder)
	insertAll(x.cards, b.InsertCard)
	insertAll(x.devices, b.InsertDevice)
	insertAll(x.operators, b.InsertOperator)
	insertAll(x.bindings, b.InsertBinding)
	for _, st := range x.auths {
		if st.end != 0 {
			b.EndAuthorization(st.end, st.at)
		} else {
			b.InsertAuthorization(st.a)
		}
	}
	insertAll(x.recharges, b.InsertRecharge)
	insertAll(x.reversals, b.InsertReversal)
	insertAll(x.cancels, b.InsertCancel)
	insertAll(x.repairs, b.InsertRepair)
	for _, u := range x.updates {
		if u.repairID != 0 {
			b.LinkRepair(u.id, u.repairID)
		}
		if u.write != "" {
			b.SetCardWrite(u.id, u.write)
		}
	}
	insertAll(x.answers, b.InsertTerminalAnswer)
	insertAll(x.audit, b.AppendAudit)
	for id, n := range x.next {
		b.SetNextBatch(id, n)
	}
	insertAll(x.memory, b.InsertCardMemory)
	return b.Err() // the first error sticks in b
}

// insertAll puts every row through insert, in order; an error sticks in the Bulk that
// insert belongs to (bulkBatch.write reads it from there).
func insertAll[T any](rows []T, insert func(T) error) {
	for _, r := range rows {
		insert(r)
	}
}

// flush hands the current batch to the writer when it is full (or always, if force).
func (s *bulkSink) flush(force bool) error {
	if s.cur.size < bulkBatchSize && !force {
		return nil
	}
	select {
	case <-s.failed:
		return s.werr
	case s.out <- s.cur:
	}
	s.cur = &bulkBatch{}
	return nil
}

func (s *bulkSink) row() error {
	s.cur.size++
	return s.flush(false)
}

func (s *bulkSink) audit(at time.Time, actor, action, subject, detail string) {
	s.cur.audit = append(s.cur.audit, app.AuditEntry{At: at, Actor: actor, Action: action, Subject: subject, Detail: detail})
}

func (s *bulkSink) answer(kind, device string, serial int64, req, result any, at time.Time) error {
	a, err := app.FirstAnswer(kind, device, serial, req, result, nil, at)
	if err != nil {
		return err
	}
	s.cur.answers = append(s.cur.answers, a)
	return nil
}

func (s *bulkSink) Staff(at time.Time, st *staffPlan) error {
	x := st.Staff
	x.PasswordHash = s.hashes["staff:"+x.Username]
	s.cur.staff = append(s.cur.staff, x)
	s.audit(at, st.By.User, "staff_create", "staff:"+x.Username, "role="+string(x.Role))
	return s.row()
}

func (s *bulkSink) Device(at time.Time, d *devicePlan) error {
	x := d.Device
	x.Secret = make([]byte, 32)
	if _, err := rand.Read(x.Secret); err != nil {
		return fmt.Errorf("device secret: %w", err)
	}
	s.cur.devices = append(s.cur.devices, x)
	s.audit(at, "admin", "device_register", "device:"+x.ID, fmt.Sprintf("name=%s model=%s location=%s", x.Name, x.Model, x.Location))
	return s.row()
}

func (s *bulkSink) IssueCard(at time.Time, c *cardPlan) error {
	h := c.Holder
	if c == h.Cards[0] {
		s.cur.holders = append(s.cur.holders, app.Cardholder{ID: h.ID, HolderNo: h.No, Name: h.Name, Dept: h.Dept})
	}
	s.cur.cards = append(s.cur.cards, app.Card{CardNo: c.No, UID: c.UID, HolderID: h.ID, Status: c.Status})
	s.audit(at, "admin", "card_issue", "card:"+c.No, fmt.Sprintf("holder=%s uid=%s", h.No, c.UID))
	return s.row()
}

func (s *bulkSink) Operator(at time.Time, o *opPlan) error {
	x := o.Operator
	x.PINHash = s.hashes["op:"+x.OpNo]
	s.audit(at, "admin", "operator_create", "operator:"+x.OpNo, app.OperatorDetail(x))
	if !o.Retired.IsZero() && !o.Retired.After(s.now) {
		x.Enabled = false // the row as it ends up; RetireOperator writes the audit entry
	}
	s.cur.operators = append(s.cur.operators, x)
	return s.row()
}

func (s *bulkSink) Bind(at time.Time, o *opPlan, by app.Actor) error {
	s.cur.bindings = append(s.cur.bindings, app.Binding{OperatorID: o.ID, CardNo: o.AuthCard.No, BoundAt: at, BoundBy: by.User})
	s.audit(at, by.User, "card_bind", "card:"+o.AuthCard.No, "operator:"+o.OpNo)
	return s.row()
}

func (s *bulkSink) RetireOperator(at time.Time, o *opPlan, by app.Actor) error {
	after := o.Operator
	after.Enabled = false
	s.audit(at, by.User, "operator_update", fmt.Sprintf("operator:%d", o.ID), app.OperatorDetail(o.Operator)+" → "+app.OperatorDetail(after))
	return s.row()
}

func (s *bulkSink) CardStatus(at time.Time, c *cardPlan, by app.Actor) error {
	s.audit(at, by.User, "card_status", "card:"+c.No, fmt.Sprintf("%s→%s", app.CardNormal, c.Status))
	return s.row()
}

func (s *bulkSink) Authorize(a *authPlan) (string, error) {
	b := make([]byte, 16) // as the host's own codes: 128 random bits
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("authorization code: %w", err)
	}
	code := hex.EncodeToString(b)
	x := a.Authorization
	x.AuthCodeHash = app.HashAuthCode(code)
	if prev, ok := s.open[x.DeviceID]; ok {
		s.cur.auths = append(s.cur.auths, authStep{end: prev, at: x.StartedAt})
	}
	s.open[x.DeviceID] = x.ID
	s.cur.auths = append(s.cur.auths, authStep{a: x})
	err := s.answer(app.KindAuthorize, x.DeviceID, a.Serial,
		app.AuthorizeRequest{DeviceID: x.DeviceID, Serial: a.Serial, CardNo: x.CardNo},
		app.AuthorizeResult{AuthorizationID: x.ID, OperatorNo: a.Op.OpNo, OperatorName: a.Op.Name, BatchNo: x.BatchNo,
			AuthCode: code, AuthorizedAt: x.StartedAt}, x.StartedAt)
	if err != nil {
		return "", err
	}
	return code, s.row()
}

func (s *bulkSink) Recharge(r *rechargePlan) error {
	s.cur.recharges = append(s.cur.recharges, r.Recharge)
	err := s.answer(app.KindRecharge, r.DeviceID, r.Serial,
		app.RechargeRequest{DeviceID: r.DeviceID, Serial: r.Serial, BatchNo: r.Auth.BatchNo, AuthCode: r.AuthCode,
			CardNo: r.CardNo, CardBalance: r.BalanceBefore, CardCounter: r.CounterBefore, Amount: r.Amount},
		app.RechargeResult{RechargeID: r.ID, OperatorNo: r.Op.OpNo, Amount: r.Amount, BalanceAfter: r.BalanceBefore + r.Amount,
			CounterAfter: r.CounterBefore + 1, BookedAt: r.BookedAt, SettleDay: r.SettleDay}, r.BookedAt)
	if err != nil {
		return err
	}
	return s.row()
}

// remember moves a card's memory forward, as the use cases' PutCardMemory does.
func (s *bulkSink) remember(m app.CardMemory) {
	if prev, ok := s.memory[m.CardNo]; !ok || m.Counter > prev.Counter {
		s.memory[m.CardNo] = m
	}
}

func (s *bulkSink) Confirm(r *rechargePlan) error {
	s.remember(app.CardMemory{CardNo: r.CardNo, Counter: r.CounterBefore + 1, Balance: r.BalanceBefore + r.Amount, At: r.FollowAt,
		Source: fmt.Sprintf("confirm:%d", r.ID)})
	err := s.answer(app.KindConfirm, r.DeviceID, r.FollowSerial,
		app.ConfirmRequest{DeviceID: r.DeviceID, Serial: r.FollowSerial, OrigSerial: r.Serial, CardNo: r.CardNo, Amount: r.Amount},
		app.ConfirmResult{RechargeID: r.ID, CardWrite: app.WriteWritten}, r.FollowAt)
	if err != nil {
		return err
	}
	return s.row()
}

func (s *bulkSink) Cancel(r *rechargePlan) error {
	s.cur.cancels = append(s.cur.cancels, app.Cancel{ID: r.CancelID, DeviceID: r.DeviceID, Serial: r.FollowSerial,
		OrigSerial: r.Serial, CardNo: r.CardNo, Amount: r.Amount, ReceivedAt: r.FollowAt, Status: app.CancelRecorded, RechargeID: r.ID})
	err := s.answer(app.KindCancel, r.DeviceID, r.FollowSerial,
		app.CancelRequest{DeviceID: r.DeviceID, Serial: r.FollowSerial, OrigSerial: r.Serial, CardNo: r.CardNo, Amount: r.Amount},
		app.CancelResult{CancelID: r.CancelID, Status: app.CancelRecorded}, r.FollowAt)
	if err != nil {
		return err
	}
	return s.row()
}

// reversal writes a reversal record as it ends up, and its acknowledgement as it was
// given: pending, to be applied after the delay.
func (s *bulkSink) reversal(id int64, device string, serial, origSerial int64, card string, amount app.Fen,
	at, applied time.Time, rechargeID int64) error {
	rv := app.Reversal{ID: id, DeviceID: device, Serial: serial, OrigDeviceID: device, OrigSerial: origSerial, CardNo: card,
		Amount: amount, ReceivedAt: at, ApplyAfter: at.Add(s.cfg.ReversalDelay), Status: app.RevPending}
	if !applied.IsZero() {
		rv.ProcessedAt, rv.Status, rv.RechargeID = applied, app.RevApplied, rechargeID
		if rechargeID == 0 {
			rv.Status, rv.Reason = app.RevTombstone, app.CodeOriginalNotFound
		}
	}
	s.cur.reversals = append(s.cur.reversals, rv)
	err := s.answer(app.KindReverse, device, serial,
		app.ReverseRequest{DeviceID: device, Serial: serial, OrigDeviceID: device, OrigSerial: origSerial, CardNo: card, Amount: amount},
		app.ReverseResult{ReversalID: id, Status: app.RevPending, ApplyAfter: rv.ApplyAfter}, at)
	if err != nil {
		return err
	}
	return s.row()
}

func (s *bulkSink) Reverse(r *rechargePlan) error {
	return s.reversal(r.ReversalID, r.DeviceID, r.FollowSerial, r.Serial, r.CardNo, r.Amount, r.FollowAt, r.ApplyAt, r.ID)
}

func (s *bulkSink) LostRecharge(t *tombstonePlan) error {
	applied := t.ApplyAt
	if applied.After(s.now) {
		applied = time.Time{}
	}
	return s.reversal(t.ID, t.Dev.ID, t.Serial, t.OrigSerial, t.CardNo, t.Amount, t.At, applied, 0)
}

// ApplyReversal: the reversal record was written as it ends up.
func (s *bulkSink) ApplyReversal(time.Time, int64) error { return nil }

func (s *bulkSink) BeginRepair(r *rechargePlan) error {
	rp := r.Repair
	s.cur.repairs = append(s.cur.repairs, rp)
	s.cur.updates = append(s.cur.updates, rechargeUpdate{id: r.ID, repairID: rp.ID})
	s.audit(rp.StartedAt, rp.Staff, "repair_intent", fmt.Sprintf("recharge:%d", r.ID),
		fmt.Sprintf("card %s balance %d counter %d", r.CardNo, rp.CardBalanceBefore, rp.CardCounterBefore))
	return s.row()
}

func (s *bulkSink) CompleteRepair(r *rechargePlan) error {
	rp := r.Repair
	s.remember(app.CardMemory{CardNo: r.CardNo, Counter: rp.CardCounterAfter, Balance: rp.CardBalanceAfter, At: rp.FinishedAt,
		Source: fmt.Sprintf("repair:%d", rp.ID)})
	s.cur.updates = append(s.cur.updates, rechargeUpdate{id: r.ID, write: r.CardWrite})
	s.audit(rp.FinishedAt, rp.Staff, "repair_"+string(rp.State), fmt.Sprintf("recharge:%d", r.ID),
		fmt.Sprintf("repair %d ref %s balance %d counter %d", rp.ID, rp.Ref, rp.CardBalanceAfter, rp.CardCounterAfter))
	return s.row()
}

func (s *bulkSink) Finish(devices []*devicePlan) error {
	s.cur.next = map[string]int64{}
	for _, m := range s.memory {
		s.cur.memory = append(s.cur.memory, m)
	}
	for _, d := range devices {
		if d.nextBatch > 1 {
			s.cur.next[d.ID] = d.nextBatch
		}
	}
	if err := s.flush(true); err != nil {
		return err
	}
	s.stop()
	return s.werr
}

// stop lets the writer finish what it was given and waits for it.
func (s *bulkSink) stop() {
	s.closeOnce.Do(func() { close(s.out) })
	<-s.finished
}

// BulkLoad plays the generator's history into a new file through the bulk loader.
func BulkLoad(path string, g *Generator, sealKey []byte) error {
	b, err := store.BulkLoad(path, store.BulkOptions{SealKey: sealKey})
	if err != nil {
		return err
	}
	sink, err := newBulkSink(b, g)
	if err != nil {
		b.Abort()
		return err
	}
	g.sink = sink
	if err := g.run(); err != nil {
		sink.stop()
		b.Abort()
		return err
	}
	return b.Close()
}

// Stats is what the generated history holds.
func (g *Generator) Stats() Stats { return g.stats }

// OtherDevices is how many consumption POS were registered beside the recharge POS.
func (g *Generator) OtherDevices() int { return len(g.others) }

// AdminPassword is the generated site's admin password, shown once.
func (g *Generator) AdminPassword() string { return g.p.AdminPassword }

// OnProgress has fn hear of every millionth recharge generated.
func (g *Generator) OnProgress(fn func(done int64)) { g.progress = fn }
