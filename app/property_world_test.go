package app_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/store"
)

// simWorld is one generated schedule: the real host over SQLite and the simulated rest.
type simWorld struct {
	rt    *rapid.T
	ctx   context.Context
	site  *apptest.Site
	raw   *sql.DB // a second, read-only connection: the recount bypasses app and store
	stmts map[string]*sql.Stmt
	cfg   app.Config
	poss  []*simPOS
	cards []*simCard
	// firstDay is the settlement day of the clock's start: reports run from it to today.
	firstDay string
	// dailyMax of each operator, 0 = none.
	dailyMax []app.Fen

	msgs     []*simMsg            // every message a POS sent, in order
	delayed  []*simMsg            // held by the network
	first    map[simKey]simReply  // the host's first answer under each key
	firstMsg map[simKey]*simMsg   // the message that got it
	brief    map[simKey]string    // reversal/cancel answers, whichever route they took
	booked   map[simKey]simBooked // every recharge the host approved
	reversed map[simKey]bool      // recharges whose POS queued a reversal (it got no answer)
	// told: what each recharge's POS told its operator — true: keep the cash (it got the
	// approval); false: 充值超时,已自动冲正, hand the cash back.
	told    map[simKey]bool
	acked   map[simKey]*simMsg // every key the host answered, by any route, to replay
	settled map[string][]app.ReportRow

	step    int
	crashes int
	events  map[string]int // outcomes the rows do not show, for the coverage log
	// cardStatus is what the admin set, by card number (absent = normal).
	cardStatus map[string]app.CardStatus
	// boss decides at the exceptions desk; clerk1 (the site's clerk) writes what boss
	// approved, as four eyes require.
	boss     app.Actor
	last     rawLedger // as of the last check
	lastSeen string    // the rows and day the app's report and summaries were last compared on
}

const (
	simCeiling  = 500 * app.Yuan
	simDailyMax = 600 * app.Yuan // operator 0's, to exercise rule 9 beyond
	simStartBal = 50 * app.Yuan
	simStartCtr = 7
)

func newSimWorld(t *testing.T, rt *rapid.T) *simWorld {
	nPOS := rapid.IntRange(2, 3).Draw(rt, "POS terminals")
	nOps := rapid.IntRange(2, 3).Draw(rt, "operators")
	nCards := rapid.IntRange(2, 4).Draw(rt, "cards")
	cutoff := rapid.SampledFrom([]time.Duration{0, 0, 4 * time.Hour}).Draw(rt, "settlement cut-off")
	site := apptest.New(t, apptest.Options{Operators: nOps, Cards: nCards, Config: func(c *app.Config) {
		c.BalanceCeiling = simCeiling
		c.Cutoff = cutoff
	}})
	rt.Cleanup(func() { site.Store.Close() })
	w := &simWorld{rt: rt, ctx: context.Background(), site: site, cfg: site.Cfg,
		first: map[simKey]simReply{}, firstMsg: map[simKey]*simMsg{}, brief: map[simKey]string{},
		booked: map[simKey]simBooked{}, reversed: map[simKey]bool{}, told: map[simKey]bool{}, acked: map[simKey]*simMsg{},
		boss:    site.Staff("boss1", app.RoleSupervisor),
		settled: map[string][]app.ReportRow{}, events: map[string]int{}, cardStatus: map[string]app.CardStatus{}}
	w.firstDay = w.cfg.SettleDay(site.Clock.Now())
	if nPOS == 3 {
		if _, _, err := site.Svc.RegisterDevice(w.ctx, site.Admin, app.DeviceInput{ID: "P3", Name: "三食堂充值机",
			Model: app.ModelRechargePOS, Location: "三食堂"}); err != nil {
			rt.Fatalf("register P3: %v", err)
		}
		site.Devices = append(site.Devices, "P3")
	}
	for _, d := range site.Devices {
		w.poss = append(w.poss, &simPOS{id: d})
	}
	for i := range nCards {
		w.cards = append(w.cards, &simCard{no: apptest.UserCard(i), balance: simStartBal, counter: simStartCtr,
			rewritten: map[string]int{}})
	}
	w.dailyMax = make([]app.Fen, nOps)
	w.dailyMax[0] = simDailyMax
	op := site.Ops[0]
	if err := site.Svc.UpdateOperator(w.ctx, site.Admin, app.OperatorInput{ID: op.ID, OpNo: op.OpNo, Name: op.Name,
		DailyMax: simDailyMax, Enabled: true}); err != nil {
		rt.Fatalf("set daily maximum: %v", err)
	}
	q := url.Values{}
	q.Set("_busy_timeout", "10000")
	q.Set("_query_only", "1")
	raw, err := sql.Open("sqlite3", "file:"+url.PathEscape(site.Path)+"?"+q.Encode())
	if store.IsPostgres(site.Path) {
		raw, err = store.OpenRaw(site.Path)
	}
	if err != nil {
		rt.Fatalf("raw connection: %v", err)
	}
	raw.SetMaxOpenConns(1)
	rt.Cleanup(func() { raw.Close() })
	w.raw = raw
	w.prepareRaw()
	for _, c := range w.cards {
		if err := raw.QueryRow(`SELECT uid FROM cards WHERE card_no = ?`, c.no).Scan(&c.uid); err != nil {
			rt.Fatalf("card %s: %v", c.no, err)
		}
	}
	return w
}

func (w *simWorld) logf(format string, args ...any) {
	w.rt.Logf("step %d: "+format, append([]any{w.step}, args...)...)
}

func (w *simWorld) fatalf(format string, args ...any) {
	w.rt.Helper()
	w.rt.Fatalf("step %d (%s): %s", w.step, w.site.Clock.Now().Format(time.DateTime), fmt.Sprintf(format, args...))
}

func (w *simWorld) pos(id string) *simPOS {
	return named(w, "POS", w.poss, func(p *simPOS) string { return p.id }, id)
}

func (w *simWorld) card(no string) *simCard {
	return named(w, "card", w.cards, func(c *simCard) string { return c.no }, no)
}

// named is the one of xs whose name is want; a step naming none is a bug of the test itself.
func named[T any](w *simWorld, what string, xs []*T, name func(*T) string, want string) *T {
	for _, x := range xs {
		if name(x) == want {
			return x
		}
	}
	w.fatalf("no %s %s", what, want)
	return nil
}

// --- the network ---

// send puts m on the network with fate and returns the answer the POS got, if any.
func (w *simWorld) send(m *simMsg, fate simFate) (simReply, bool) {
	w.msgs = append(w.msgs, m)
	w.logf("send %s: %s", m, fate)
	switch fate {
	case fateDeliver:
		return w.deliver(m), true
	case fateDuplicate:
		r := w.deliver(m)
		w.deliver(m)
		return r, true
	case fateConcurrent:
		return w.deliverConcurrently(m, 2), true
	case fateAnswerLost:
		w.deliver(m)
		return simReply{}, false
	case fateRequestLost:
		return simReply{}, false
	case fateDelayed:
		w.delayed = append(w.delayed, m)
		return simReply{}, false
	}
	w.fatalf("unknown fate %q", fate)
	return simReply{}, false
}

// call runs m on the host; it touches nothing of the world, so copies may run at once.
func (w *simWorld) call(m *simMsg) (any, error) {
	svc := w.site.Svc
	switch m.kind {
	case simAuthorize:
		return svc.Authorize(w.ctx, m.auth)
	case simRecharge:
		return svc.Recharge(w.ctx, m.recharge)
	case simConfirm:
		return svc.Confirm(w.ctx, m.confirm)
	case simCancel:
		return svc.Cancel(w.ctx, m.cancel)
	case simReverse:
		return svc.Reverse(w.ctx, m.reverse)
	}
	return nil, fmt.Errorf("unknown message kind %q", m.kind)
}

// deliver hands m to the host and checks its answer against the first one under its key.
func (w *simWorld) deliver(m *simMsg) simReply {
	res, err := w.call(m)
	r := w.reply(m, res, err)
	w.note(m, r)
	return r
}

// deliverConcurrently hands n copies of m to the host at the same moment: the group
// commit may put them in one batch, and each must still get the one answer.
func (w *simWorld) deliverConcurrently(m *simMsg, n int) simReply {
	res := make([]any, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { res[i], errs[i] = w.call(m) })
	}
	wg.Wait()
	var first simReply
	for i := range n {
		r := w.reply(m, res[i], errs[i])
		if i == 0 {
			first = r
		} else if r != first {
			w.fatalf("%s: concurrent copies answered %+v and %+v", m, first, r)
		}
		w.note(m, r)
	}
	return first
}

// reply turns a host answer into comparable form. Anything but a typed refusal is the
// host failing, which the property forbids.
func (w *simWorld) reply(m *simMsg, res any, err error) simReply {
	if err != nil {
		e, ok := app.AsError(err)
		if !ok {
			w.fatalf("%s: host failed: %v", m, err)
		}
		return simReply{Code: e.Code, Body: e.Error()}
	}
	b, jerr := json.Marshal(res)
	if jerr != nil {
		w.fatalf("%s: %v", m, jerr)
	}
	r := simReply{OK: true, Body: string(b)}
	switch v := res.(type) {
	case app.ReverseResult:
		r.Status = string(v.Status)
	case app.CancelResult:
		r.Status = string(v.Status)
	}
	return r
}

// note keeps the host's first answer under m's key and learns from it; any later answer
// under the key must be the same (the idempotency of every terminal message).
func (w *simWorld) note(m *simMsg, r simReply) {
	if prev, ok := w.first[m.key]; ok {
		if prev != r {
			w.fatalf("%s: answered\n  %+v\nbut the first answer was\n  %+v", m, r, prev)
		}
		return
	}
	if m.kind == simReverse || m.kind == simCancel {
		w.noteBrief(m.key, r.brief())
	}
	w.first[m.key] = r
	w.firstMsg[m.key] = m
	if _, ok := w.acked[m.key]; !ok {
		w.acked[m.key] = m
	}
	w.learn(m, r)
}

func (w *simWorld) noteBrief(k simKey, b string) {
	if prev, ok := w.brief[k]; ok && prev != b {
		w.fatalf("%s: answered %q, first answered %q", k, b, prev)
	}
	w.brief[k] = b
}

// learn checks a first answer against what the POS asked and records what it books.
func (w *simWorld) learn(m *simMsg, r simReply) {
	switch m.kind {
	case simAuthorize:
		if !r.OK && !w.statusRefuses(m.auth.CardNo, r.Code) {
			w.fatalf("%s refused: %s", m, r.Body)
		}
	case simRecharge:
		w.learnRecharge(m, r)
	case simConfirm:
		// The POS confirms only a write that landed; only the desk may have got there first.
		var write string
		var repair sql.NullString
		if err := w.raw.QueryRow(`SELECT r.card_write, p.state FROM recharges r LEFT JOIN repairs p ON p.recharge_id = r.id
			WHERE r.device_id = ? AND r.serial = ?`, m.key.dev, m.confirm.OrigSerial).Scan(&write, &repair); err != nil {
			w.fatalf("%s: its recharge: %v", m, err)
		}
		ok := (r.OK && write == string(app.WriteWritten)) ||
			(r.Code == app.CodeAlreadyRepaired && repair.Valid && repair.String != string(app.RepairIntent)) ||
			(r.Code == app.CodeRepairInProgress && repair.String == string(app.RepairIntent))
		if !ok {
			w.fatalf("%s answered %s; the recharge is %s, its repair %v", m, r.Body, write, repair)
		}
	case simCancel, simReverse:
		// Every well-formed record is acknowledged, or the POS's queue would block (rule 5).
		if !r.OK {
			w.fatalf("%s not acknowledged: %s", m, r.Body)
		}
	}
}

// learnRecharge checks a recharge's first answer: a refusal must have its reason true of
// the ledger right now (nothing has happened since), an approval must break no rule; an
// approved recharge joins the model.
func (w *simWorld) learnRecharge(m *simMsg, r simReply) {
	req := m.recharge
	reversals := w.rawCount(`SELECT COUNT(*) FROM reversals WHERE device_id = ? AND orig_device_id = ? AND orig_serial = ?`,
		req.DeviceID, req.DeviceID, req.Serial)
	var batch, opID int64
	var code, authCard string
	err := w.raw.QueryRow(`SELECT batch_no, auth_code, operator_id, card_no FROM authorizations WHERE device_id = ? AND ended_at IS NULL`,
		req.DeviceID).Scan(&batch, &code, &opID, &authCard)
	authorized := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		w.fatalf("raw read: %v", err)
	}
	current := authorized && batch == req.BatchNo && code == app.HashAuthCode(req.AuthCode)
	day := w.cfg.SettleDay(w.site.Clock.Now())
	booked := app.Fen(w.rawCount(`SELECT COALESCE(SUM(amount), 0) FROM recharges WHERE operator_id = ? AND settle_day = ? AND booking = 'booked'`,
		opID, day))
	var max app.Fen
	for i, op := range w.site.Ops {
		if op.ID == opID {
			max = w.dailyMax[i]
		}
	}
	mem, memKnown := w.memoryOf(req.CardNo)
	var why bool
	switch r.Code {
	case "":
	case app.CodePreviouslyRev:
		why = reversals > 0 && w.reversed[m.key]
	case app.CodeNotAuthorized:
		why = !authorized
	case app.CodeStaleSession:
		why = authorized && !current
	case app.CodeAmountNotPos:
		why = req.Amount <= 0
	case app.CodeAmountNotYuan:
		why = req.Amount%app.Yuan != 0
	case app.CodeOverCeiling:
		why = req.CardBalance+req.Amount > simCeiling
	case app.CodeOverDailyMax:
		why = max > 0 && booked+req.Amount > max
	case app.CodeCardLost, app.CodeCardFrozen, app.CodeCardBad:
		why = w.statusRefuses(req.CardNo, r.Code) || w.statusRefuses(authCard, r.Code)
	case app.CodeCardBehindLedger:
		why = memKnown && mem.Behind(req.CardCounter, req.CardBalance)
	}
	if !r.OK {
		if !why {
			w.fatalf("%s refused without cause (reversals %d, session current %v, booked %d of %d): %s",
				m, reversals, current, booked, max, r.Body)
		}
		return
	}
	if reversals > 0 || !current || req.Amount <= 0 || req.Amount%app.Yuan != 0 || req.CardBalance+req.Amount > simCeiling ||
		(max > 0 && booked > max) || w.status(req.CardNo) != app.CardNormal || w.status(authCard) != app.CardNormal ||
		(memKnown && mem.Behind(req.CardCounter, req.CardBalance)) {
		w.fatalf("%s approved against the rules (reversals %d, session current %v, booked %d of %d): %s",
			m, reversals, current, booked, max, r.Body)
	}
	var res app.RechargeResult
	if err := json.Unmarshal([]byte(r.Body), &res); err != nil {
		w.fatalf("%s: %v", m, err)
	}
	op := w.site.Ops[m.op]
	if res.Amount != req.Amount || res.BalanceAfter != req.CardBalance+req.Amount || res.CounterAfter != req.CardCounter+1 ||
		res.OperatorNo != op.OpNo || op.ID != opID || res.SettleDay != day || res.RechargeID <= 0 {
		w.fatalf("%s approved as %+v; POS believed operator %s", m, res, op.OpNo)
	}
	w.booked[m.key] = simBooked{id: res.RechargeID, op: m.op, card: req.CardNo, amount: req.Amount, day: res.SettleDay}
}

// status is card no's status as the admin last set it.
func (w *simWorld) status(no string) app.CardStatus {
	if st, ok := w.cardStatus[no]; ok {
		return st
	}
	return app.CardNormal
}

// statusRefuses: code is the refusal card no's status calls for (rule 10).
func (w *simWorld) statusRefuses(no string, code app.Code) bool {
	return map[app.CardStatus]app.Code{app.CardLost: app.CodeCardLost, app.CardFrozen: app.CodeCardFrozen,
		app.CardBad: app.CodeCardBad}[w.status(no)] == code && code != ""
}

// replayAcknowledged sends again every message the host has answered and checks that the
// answer is the first one: after a host crash, no acknowledgement may be lost or changed.
func (w *simWorld) replayAcknowledged() {
	keys := make([]simKey, 0, len(w.acked))
	for k := range w.acked {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].dev != keys[j].dev {
			return keys[i].dev < keys[j].dev
		}
		return keys[i].serial < keys[j].serial
	})
	for _, k := range keys {
		w.deliver(w.acked[k])
	}
}

// posHears gives a late or duplicated answer to its POS. Only a queued record's
// acknowledgement still matters: the POS gave up waiting for anything else long ago.
func (w *simWorld) posHears(m *simMsg, r simReply) {
	if (m.kind == simReverse || m.kind == simCancel) && r.OK {
		w.pos(m.key.dev).dropQueued(m.key.serial)
	}
}

// credit lands a credit on card c (a POS write or a desk repair). A credit the card had
// and lost (damage, restore) may land again only where the ledger could not know the card
// was behind: it refuses, or asks a supervisor, wherever it could.
func (w *simWorld) credit(c *simCard, kind simEntryKind, ref simKey, amount app.Fen, truth string) {
	if kind == entryRepair {
		// No card is written at the desk while its POS may still send a reversal of it.
		for _, p := range w.poss {
			for _, q := range p.queue {
				if p.id == ref.dev && q.Kind == app.OfflineReversal && q.OrigSerial == ref.serial {
					w.fatalf("the desk writes %s on card %s while %s still holds its reversal %d", ref, c.no, p.id, q.Serial)
				}
			}
		}
	}
	if slices.Contains(c.lost, simPOSRef(ref)) || slices.Contains(c.lost, app.RepairRef(w.booked[ref].id)) {
		if m, ok := w.memoryOf(c.no); ok && m.Behind(c.counter, c.balance) {
			w.fatalf("%s written again on card %s (counter %d balance %d), which the ledger knew was behind (%+v)",
				truth, c.no, c.counter, c.balance, m)
		}
		c.rewritten[truth]++
		w.events["credit lost and written again, undetectable"]++
	}
	c.write(kind, ref, amount, truth)
}

// memoryOf reads the ledger's memory of a card from the raw rows.
func (w *simWorld) memoryOf(no string) (app.CardMemory, bool) {
	var m app.CardMemory
	err := w.raw.QueryRow(`SELECT card_no, counter, balance FROM card_memory WHERE card_no = ?`, no).Scan(&m.CardNo, &m.Counter, &m.Balance)
	if errors.Is(err, sql.ErrNoRows) {
		return app.CardMemory{}, false
	}
	if err != nil {
		w.fatalf("card memory %s: %v", no, err)
	}
	return m, true
}

// statusCode is the refusal card no's status calls for, "" for a card in normal use.
func (w *simWorld) statusCode(no string) app.Code {
	return map[app.CardStatus]app.Code{app.CardLost: app.CodeCardLost, app.CardFrozen: app.CodeCardFrozen,
		app.CardBad: app.CodeCardBad, app.CardCancelled: app.CodeCardCancelled}[w.status(no)]
}
