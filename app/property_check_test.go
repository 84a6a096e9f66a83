package app_test

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"cardcenter/app"
)

// The invariants of docs/rules.md, checked after every generated step by recounting raw rows
// through a second connection (not the app's queries) and comparing them with the
// simulated cards, the model and what the app reports.

type rawRecharge struct {
	id                     int64
	key                    simKey
	authID, opID           int64
	card                   string
	amount, balBefore      app.Fen
	bookedAt               int64 // Unix ms
	day, booking, write    string
	revID, cancelID, repID int64
	revDay                 string // the day its processed reversal counts on ("" if none)
}

// late: un-booked by a reversal processed after its day was settled.
func (r *rawRecharge) late() bool { return r.revDay != "" && r.revDay != r.day }

type rawReversal struct {
	id         int64
	dev        string
	orig       simKey
	status     string
	rechargeID int64
	// Unix ms; processed 0 while pending.
	received, applyAfter, processed int64
}

type rawLedger struct {
	recharges []rawRecharge
	byID      map[int64]*rawRecharge
	byKey     map[simKey]*rawRecharge
	reversals []rawReversal
	cancels   map[int64][]string  // recharge id → statuses of the cancel records linked to it
	repairs   map[int64][]string  // recharge id → states of its repairs
	intents   map[int64]int64     // recharge id → when its unfinished repair began (Unix ms)
	current   map[string][4]int64 // device → session id, operator id, batch, started (Unix ms)
	cases     []rawCase
	decisions []rawDecision
	// lastSerial: the highest serial kept of each device; journalEnd: the highest serial a
	// recorded journal end covers.
	lastSerial, journalEnd map[string]int64
}

type rawCase struct {
	kind, subject        string
	rechargeID, reversal int64
	card                 string
}

func (c rawCase) key() string { return c.kind + "/" + c.subject }

type rawDecision struct {
	caseKey, kind string
	rechargeID    int64
	opID          int64
	amount        app.Fen
	day, by       string
}

// decisionsOf lists the decisions that name recharge id.
func (l rawLedger) decisionsOf(id int64) []rawDecision {
	var out []rawDecision
	for _, d := range l.decisions {
		if d.rechargeID == id {
			out = append(out, d)
		}
	}
	return out
}

func (l rawLedger) decided(key string) bool {
	for _, d := range l.decisions {
		if d.caseKey == key {
			return true
		}
	}
	return false
}

const (
	rawRechargesQuery = `SELECT id, device_id, serial, authorization_id, operator_id, card_no, amount, balance_before, booked_at,
		settle_day, booking, card_write, COALESCE(reversal_id, 0), COALESCE(cancel_id, 0), COALESCE(repair_id, 0),
		COALESCE(reversal_day, '') FROM recharges ORDER BY id`
	rawReversalsQuery = `SELECT id, device_id, orig_device_id, orig_serial, status, COALESCE(recharge_id, 0), received_at,
		apply_after, COALESCE(processed_at, 0) FROM reversals ORDER BY id`
	rawCancelsQuery   = `SELECT COALESCE(recharge_id, 0), status FROM cancels`
	rawRepairsQuery   = `SELECT recharge_id, state, started_at FROM repairs`
	rawCurrentQuery   = `SELECT device_id, id, operator_id, batch_no, started_at FROM authorizations WHERE ended_at IS NULL`
	rawCasesQuery     = `SELECT kind, subject, COALESCE(recharge_id, 0), COALESCE(reversal_id, 0), card_no FROM exception_cases ORDER BY id`
	rawDecisionsQuery = `SELECT case_key, kind, COALESCE(recharge_id, 0), COALESCE(operator_id, 0), amount, day, decided_by
		FROM case_decisions ORDER BY id`
	rawSerialsQuery = `SELECT device_id, MAX(serial) FROM terminal_answers GROUP BY device_id`
	rawJournalQuery = `SELECT device_id, MAX(last_serial) FROM device_journal_ends GROUP BY device_id`
)

// prepareRaw prepares the recount's queries once: the recount runs after every step.
func (w *simWorld) prepareRaw() {
	w.stmts = map[string]*sql.Stmt{}
	for _, q := range []string{rawRechargesQuery, rawReversalsQuery, rawCancelsQuery, rawRepairsQuery, rawCurrentQuery,
		rawCasesQuery, rawDecisionsQuery, rawSerialsQuery, rawJournalQuery} {
		stmt, err := w.raw.Prepare(q)
		if err != nil {
			w.fatalf("prepare %q: %v", q, err)
		}
		w.stmts[q] = stmt
	}
}

func (w *simWorld) rawCount(query string, args ...any) int64 {
	var n int64
	if err := w.raw.QueryRow(query, args...).Scan(&n); err != nil {
		w.fatalf("raw count: %v", err)
	}
	return n
}

// load reads the whole ledger in one read transaction, so the recount sees one snapshot.
func (w *simWorld) load() rawLedger {
	tx, err := w.raw.BeginTx(w.ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		w.fatalf("raw read: %v", err)
	}
	defer tx.Rollback()
	l := rawLedger{byID: map[int64]*rawRecharge{}, byKey: map[simKey]*rawRecharge{},
		cancels: map[int64][]string{}, repairs: map[int64][]string{}, intents: map[int64]int64{}, current: map[string][4]int64{},
		lastSerial: map[string]int64{}, journalEnd: map[string]int64{}}
	scan := func(query string, row func(*sql.Rows) error) {
		// Prepared before the transaction took the one connection (see prepareRaw).
		stmt, ok := w.stmts[query]
		if !ok {
			w.fatalf("raw read: %q not prepared", query)
		}
		rows, err := tx.Stmt(stmt).Query()
		if err != nil {
			w.fatalf("raw read: %v", err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := row(rows); err != nil {
				w.fatalf("raw read: %v", err)
			}
		}
		if err := rows.Err(); err != nil {
			w.fatalf("raw read: %v", err)
		}
	}
	scan(rawRechargesQuery,
		func(r *sql.Rows) error {
			var x rawRecharge
			err := r.Scan(&x.id, &x.key.dev, &x.key.serial, &x.authID, &x.opID, &x.card, &x.amount, &x.balBefore, &x.bookedAt, &x.day,
				&x.booking, &x.write, &x.revID, &x.cancelID, &x.repID, &x.revDay)
			l.recharges = append(l.recharges, x)
			return err
		})
	for i := range l.recharges {
		r := &l.recharges[i]
		l.byID[r.id], l.byKey[r.key] = r, r
	}
	scan(rawReversalsQuery,
		func(r *sql.Rows) error {
			var x rawReversal
			err := r.Scan(&x.id, &x.dev, &x.orig.dev, &x.orig.serial, &x.status, &x.rechargeID, &x.received, &x.applyAfter,
				&x.processed)
			l.reversals = append(l.reversals, x)
			return err
		})
	scan(rawCancelsQuery, func(r *sql.Rows) error {
		var id int64
		var st string
		err := r.Scan(&id, &st)
		l.cancels[id] = append(l.cancels[id], st)
		return err
	})
	scan(rawRepairsQuery, func(r *sql.Rows) error {
		var id, started int64
		var st string
		err := r.Scan(&id, &st, &started)
		l.repairs[id] = append(l.repairs[id], st)
		if st == string(app.RepairIntent) {
			l.intents[id] = started
		}
		return err
	})
	scan(rawCurrentQuery, func(r *sql.Rows) error {
		var dev string
		var a [4]int64
		err := r.Scan(&dev, &a[0], &a[1], &a[2], &a[3])
		l.current[dev] = a
		return err
	})
	scan(rawCasesQuery, func(r *sql.Rows) error {
		var c rawCase
		err := r.Scan(&c.kind, &c.subject, &c.rechargeID, &c.reversal, &c.card)
		l.cases = append(l.cases, c)
		return err
	})
	scan(rawDecisionsQuery, func(r *sql.Rows) error {
		var d rawDecision
		err := r.Scan(&d.caseKey, &d.kind, &d.rechargeID, &d.opID, &d.amount, &d.day, &d.by)
		l.decisions = append(l.decisions, d)
		return err
	})
	for _, q := range []struct {
		query string
		into  map[string]int64
	}{{rawSerialsQuery, l.lastSerial}, {rawJournalQuery, l.journalEnd}} {
		scan(q.query, func(r *sql.Rows) error {
			var dev string
			var n int64
			err := r.Scan(&dev, &n)
			q.into[dev] = n
			return err
		})
	}
	return l
}

// landed is how many times r's credit ever reached its card, less the landings after a
// loss that no one could have told (see simWorld.credit).
func (w *simWorld) landed(r *rawRecharge) int {
	c := w.card(r.card)
	pos, desk := simPOSRef(r.key), app.RepairRef(r.id)
	return c.landed(pos) + c.landed(desk) - c.rewritten[pos] - c.rewritten[desk]
}

// check runs every invariant; it is called after every step. The app's own report and
// summaries are pure functions of the rows and the settlement day: they are asked again
// whenever either changed since they were last compared, or the host restarted.
func (w *simWorld) check() {
	l := w.load()
	w.last = l
	w.checkRecharges(l)
	w.checkRecords(l)
	// Time opens cases too (CaseAfter, the write-unknown timeout): compare again once an
	// hour of the clock has passed.
	seen := fmt.Sprint(w.cfg.SettleDay(w.site.Clock.Now()), w.site.Clock.Now().Unix()/3600, w.crashes, len(w.settled),
		l.recharges, l.reversals, l.cancels, l.repairs, l.current, l.cases, l.decisions, l.journalEnd)
	if seen == w.lastSeen {
		return
	}
	w.lastSeen = seen
	w.checkMoney(l)
	w.checkSummaries(l)
	w.checkCases(l)
}

// openCases is what the exceptions desk must list, recounted from raw rows: every stored
// case with no decision, every recharge pending at its POS past Config.CaseAfter and every
// repair left unfinished past the write-unknown timeout (unless decided), and every
// approved write not yet performed.
func (w *simWorld) openCases(l rawLedger) map[string]app.CaseStatus {
	now := w.site.Clock.Now()
	out := map[string]app.CaseStatus{}
	for _, c := range l.cases {
		if !l.decided(c.key()) {
			out[c.key()] = app.CaseOpen
		}
	}
	for i := range l.recharges {
		r := &l.recharges[i]
		if len(l.decisionsOf(r.id)) > 0 {
			if r.booking == string(app.Booked) && (r.write == string(app.WritePending) || r.write == string(app.WriteCancelReported)) {
				for _, d := range l.decisionsOf(r.id) {
					if d.kind == string(app.DecideApproveWrite) {
						out[d.caseKey] = app.CaseApproved
					}
				}
			}
			continue
		}
		if r.booking == string(app.Booked) && r.write == string(app.WritePending) && r.bookedAt < now.Add(-w.cfg.CaseAfter).UnixMilli() {
			out[fmt.Sprintf("%s/recharge:%d", app.CaseWriteUnknownOverdue, r.id)] = app.CaseOpen
		}
	}
	repairIDs := w.repairIDs()
	for rid, started := range l.intents {
		if started <= now.Add(-w.cfg.WriteUnknownAfter).UnixMilli() && len(l.decisionsOf(rid)) == 0 {
			out[fmt.Sprintf("%s/repair:%d", app.CaseRepairIntentOpen, repairIDs[rid])] = app.CaseOpen
		}
	}
	return out
}

func (w *simWorld) repairIDs() map[int64]int64 {
	rows, err := w.raw.Query(`SELECT recharge_id, id FROM repairs WHERE state = 'intent'`)
	if err != nil {
		w.fatalf("repairs: %v", err)
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var rid, id int64
		if err := rows.Scan(&rid, &id); err != nil {
			w.fatalf("repairs: %v", err)
		}
		out[rid] = id
	}
	return out
}

// checkCases: the exceptions desk lists exactly the open cases, each with its status.
func (w *simWorld) checkCases(l rawLedger) {
	cases, err := w.site.Svc.Exceptions(w.ctx, w.boss)
	if err != nil {
		w.fatalf("exceptions: %v", err)
	}
	got := map[string]app.CaseStatus{}
	for _, c := range cases {
		if _, dup := got[c.Case.Key()]; dup {
			w.fatalf("exceptions lists %s twice", c.Case.Key())
		}
		got[c.Case.Key()] = c.Status
	}
	if want := w.openCases(l); fmt.Sprint(got) != fmt.Sprint(want) {
		w.fatalf("exceptions lists %v; raw rows say %v", got, want)
	}
}

// checkRecharges: the rows are exactly the recharges the host approved, each within rule
// 11, booked under the operator its POS had authorized, and on its card at most once.
func (w *simWorld) checkRecharges(l rawLedger) {
	if len(l.recharges) != len(w.booked) {
		w.fatalf("%d recharge rows, the host approved %d", len(l.recharges), len(w.booked))
	}
	opIndex := map[int64]int{}
	for i, op := range w.site.Ops {
		opIndex[op.ID] = i
	}
	for i := range l.recharges {
		r := &l.recharges[i]
		b, ok := w.booked[r.key]
		if !ok || b.id != r.id || b.card != r.card || b.amount != r.amount || b.day != r.day || w.site.Ops[b.op].ID != r.opID {
			w.fatalf("recharge row %+v; the host approved %+v (found %v)", *r, b, ok)
		}
		if r.amount <= 0 || r.amount%app.Yuan != 0 || r.balBefore+r.amount > simCeiling {
			w.fatalf("recharge %d books %d fen on balance %d: rule 11", r.id, r.amount, r.balBefore)
		}
		n := w.landed(r)
		if n > 1 {
			w.fatalf("recharge %d (%s) reached card %s %d times", r.id, r.key, r.card, n)
		}
		switch r.booking {
		case string(app.Reversed):
			if n != 0 {
				w.fatalf("reversed recharge %d (%s) is on card %s", r.id, r.key, r.card)
			}
			if !w.reversed[r.key] {
				w.fatalf("recharge %d (%s) reversed, but its POS never sent a reversal", r.id, r.key)
			}
			if r.write != string(app.WritePending) || r.revID == 0 || r.revDay < r.day {
				w.fatalf("reversed recharge %+v", *r)
			}
		case string(app.Booked):
			if r.revID != 0 || r.revDay != "" {
				w.fatalf("booked recharge %d points to reversal %d (%q)", r.id, r.revID, r.revDay)
			}
		default:
			w.fatalf("recharge %d booking %q", r.id, r.booking)
		}
		c := w.card(r.card)
		switch app.CardWrite(r.write) {
		case app.WriteWritten:
			if c.landed(simPOSRef(r.key)) == 0 {
				w.fatalf("recharge %d confirmed written, but its POS's credit never reached card %s", r.id, r.card)
			}
		case app.WriteRepaired:
			if c.landed(app.RepairRef(r.id)) == 0 {
				w.fatalf("recharge %d repaired, but the desk's credit never reached card %s", r.id, r.card)
			}
		case app.WriteFoundOnCard:
			if n != 1 {
				w.fatalf("recharge %d found on card %s, which it reached %d times", r.id, r.card, n)
			}
		case app.WriteCancelReported:
			if r.cancelID == 0 {
				w.fatalf("recharge %d cancel_reported with no cancel record", r.id)
			}
		case app.WritePending:
		default:
			w.fatalf("recharge %d card_write %q", r.id, r.write)
		}
		if c.landed(app.RepairRef(r.id)) > 0 && len(l.repairs[r.id]) == 0 {
			w.fatalf("the desk credited recharge %d with no repair record", r.id)
		}
	}
}

// checkRecords: at most one processed reversal, one recorded cancel, one repair per
// recharge, each linked both ways; no recharge under a tombstoned key.
func (w *simWorld) checkRecords(l rawLedger) {
	applied := map[int64]int{}
	delay := w.cfg.ReversalDelay.Milliseconds()
	for _, v := range l.reversals {
		// Rule 12: due a delay after arrival (host clock); only what is set aside on
		// arrival (a conflict or an exception) is decided before that.
		atOnce := v.processed == v.received && (v.status == string(app.RevConflict) || v.status == string(app.RevException))
		if v.applyAfter != v.received+delay || (v.status != string(app.RevPending) && !atOnce && v.processed < v.applyAfter) {
			w.fatalf("reversal %+v processed before its delay of %d ms", v, delay)
		}
		hasCase := func(kind string) bool {
			for _, c := range l.cases {
				if c.kind == kind && c.reversal == v.id {
					return true
				}
			}
			return false
		}
		switch v.status {
		case string(app.RevApplied):
			applied[v.rechargeID]++
			r := l.byID[v.rechargeID]
			if r == nil || r.booking != string(app.Reversed) || r.revID != v.id || r.key != v.orig {
				w.fatalf("applied reversal %+v, recharge %+v", v, r)
			}
			if r.late() != hasCase(string(app.CaseLateReversal)) {
				w.fatalf("reversal %d applied late=%v (counted on %s, booked %s), and a late-reversal case: %v", v.id, r.late(),
					r.revDay, r.day, !r.late())
			}
		case string(app.RevConflict), string(app.RevException):
			// Its POS told the operator "reversed": the exceptions desk must know.
			if !hasCase(string(app.CaseReversalNotApplied)) {
				w.fatalf("reversal %+v was not applied and no case was opened", v)
			}
		case string(app.RevTombstone):
			if r := l.byKey[v.orig]; r != nil {
				w.fatalf("recharge %d booked under %s, which reversal %d tombstoned", r.id, v.orig, v.id)
			}
		}
	}
	for id, n := range applied {
		if n > 1 {
			w.fatalf("recharge %d has %d processed reversals", id, n)
		}
	}
	for _, r := range l.recharges {
		if r.booking == string(app.Reversed) && applied[r.id] != 1 {
			w.fatalf("recharge %d reversed without a processed reversal", r.id)
		}
		recorded := 0
		for _, st := range l.cancels[r.id] {
			if st == string(app.CancelRecorded) {
				recorded++
			}
		}
		if recorded > 1 || (recorded == 1) != (r.cancelID != 0) {
			w.fatalf("recharge %d: cancel_id %d and %d recorded cancels", r.id, r.cancelID, recorded)
		}
		reps := l.repairs[r.id]
		if len(reps) > 1 || (len(reps) == 1) != (r.repID != 0) {
			w.fatalf("recharge %d: repair_id %d and repairs %v", r.id, r.repID, reps)
		}
		if len(reps) == 1 {
			want := map[string]string{string(app.RepairIntent): "", string(app.RepairWritten): string(app.WriteRepaired),
				string(app.RepairFoundOnCard): string(app.WriteFoundOnCard)}[reps[0]]
			if want == "" && r.write != string(app.WritePending) && r.write != string(app.WriteCancelReported) {
				w.fatalf("recharge %d is %s with an unfinished repair", r.id, r.write)
			}
			if want != "" && r.write != want {
				w.fatalf("recharge %d is %s with a repair %s", r.id, r.write, reps[0])
			}
		}
	}
}

// awaitsDesk: what the desk must settle, recounted from raw rows — booked, and either
// cancel_reported, or pending past the write-unknown timeout or with an unfinished repair.
func (w *simWorld) awaitsDesk(r *rawRecharge) bool {
	if r.booking != string(app.Booked) {
		return false
	}
	switch app.CardWrite(r.write) {
	case app.WriteCancelReported:
		return true
	case app.WritePending:
		return r.repID != 0 || r.bookedAt <= w.site.Clock.Now().Add(-w.cfg.WriteUnknownAfter).UnixMilli()
	}
	return false
}

// deskHold is what the ledger must say holds r at the desk, recounted from raw rows: a
// supervisor's decision not to write it, a reversal waiting or not applied, or its POS
// that may still send a reversal or a confirm (nothing later from it, no journal end).
func (w *simWorld) deskHold(l rawLedger, r *rawRecharge) app.Code {
	noWrite := false
	for _, d := range l.decisionsOf(r.id) {
		if d.kind == string(app.DecideApproveWrite) {
			noWrite = false
			break
		}
		noWrite = true
	}
	if noWrite {
		return app.CodeDecidedNoWrite
	}
	if _, ok := l.intents[r.id]; ok {
		return "" // an unfinished repair holds it for the desk
	}
	for _, v := range l.reversals {
		if v.orig == r.key && v.dev == r.key.dev {
			switch v.status {
			case string(app.RevPending):
				return app.CodeReversalPending
			case string(app.RevConflict), string(app.RevException):
				return app.CodeReversalNotDone
			}
		}
	}
	if r.write == string(app.WritePending) && l.lastSerial[r.key.dev] <= r.key.serial && l.journalEnd[r.key.dev] < r.key.serial {
		return app.CodeAwaitingPOS
	}
	return ""
}

type simTotals struct {
	n, rn, cancels, late, adj                          int64
	amount, ramount, lateAmount, adjAmount, allRAmount app.Fen // allRAmount: every reversal of the day's recharges, late or not
}

func (t simTotals) cash() app.Fen { return t.amount - t.ramount - t.lateAmount + t.adjAmount }

type dayOp struct {
	day string
	op  int64
}

// moneyByDay recounts, per settlement day and operator, from raw rows: the day's bookings,
// the reversals of them that count on the day, the late reversals processed on the day,
// the cash adjustments decided on the day.
func moneyByDay(l rawLedger) map[dayOp]simTotals {
	want := map[dayOp]simTotals{}
	for _, r := range l.recharges {
		k := dayOp{r.day, r.opID}
		t := want[k]
		t.n++
		t.amount += r.amount
		if r.booking == string(app.Reversed) {
			t.allRAmount += r.amount
			if !r.late() {
				t.rn++
				t.ramount += r.amount
			}
		}
		if r.cancelID != 0 {
			t.cancels++
		}
		want[k] = t
		if r.late() {
			k := dayOp{r.revDay, r.opID}
			t := want[k]
			t.late++
			t.lateAmount += r.amount
			want[k] = t
		}
	}
	for _, d := range l.decisions {
		if d.kind == string(app.DecideAdjustment) {
			k := dayOp{d.day, d.opID}
			t := want[k]
			t.adj++
			t.adjAmount += d.amount
			want[k] = t
		}
	}
	return want
}

// checkMoney: per operator and settlement day, POS现金充值 = Σ booked − Σ processed
// reversals − late reversals processed that day ± adjustments decided that day, as
// recounted from raw rows, is what Report says; a settled day's report is what it was when
// settled; the operator's daily maximum holds.
func (w *simWorld) checkMoney(l rawLedger) {
	want := moneyByDay(l)
	for i, max := range w.dailyMax {
		if max == 0 {
			continue
		}
		for k, t := range want {
			if k.op == w.site.Ops[i].ID && t.amount-t.allRAmount > max {
				w.fatalf("operator %d booked %d fen on %s, daily maximum %d", i, t.amount-t.allRAmount, k.day, max)
			}
		}
	}
	today := w.cfg.SettleDay(w.site.Clock.Now())
	last := today
	for k := range want {
		last = max(last, k.day)
	}
	rep, err := w.site.Svc.Report(w.ctx, app.SystemActor, w.firstDay, last)
	if err != nil {
		w.fatalf("report: %v", err)
	}
	got := map[dayOp]app.ReportRow{}
	var total simTotals
	for _, row := range rep.Rows {
		k := dayOp{row.Day, row.OperatorID}
		if _, dup := got[k]; dup {
			w.fatalf("report has two rows for %+v", k)
		}
		got[k] = row
		t := want[k]
		if _, settled := w.settled[row.Day]; settled {
			continue // frozen: compared with what it was when settled, below
		}
		if row.Cash() != t.cash() || row.Recharges.Amount != t.amount || row.Reversals.Amount != t.ramount ||
			row.Recharges.Count != t.n || row.Reversals.Count != t.rn || row.LateReversals.Count != t.late ||
			row.LateReversals.Amount != t.lateAmount || row.Adjustments.Count != t.adj || row.Adjustments.Amount != t.adjAmount {
			w.fatalf("report %s operator %s: %+v (POS现金充值 %d); raw rows give %+v", row.Day, row.OpNo, row, row.Cash(), t)
		}
		if row.Settled || row.Cancels != t.cancels {
			w.fatalf("report %s operator %s: %+v; raw rows give %d cancels", row.Day, row.OpNo, row, t.cancels)
		}
	}
	for _, row := range rep.Rows {
		total.amount += row.Recharges.Amount
		total.ramount += row.Reversals.Amount
		total.lateAmount += row.LateReversals.Amount
		total.adjAmount += row.Adjustments.Amount
	}
	for k, t := range want {
		if _, settled := w.settled[k.day]; !settled {
			if _, ok := got[k]; !ok && (t.n > 0 || t.late > 0 || t.adj > 0) {
				w.fatalf("report has no row for %+v, raw rows give %+v", k, t)
			}
		}
	}
	if rep.Total.Recharges.Amount != total.amount || rep.Total.Reversals.Amount != total.ramount ||
		rep.Total.LateReversals.Amount != total.lateAmount || rep.Total.Adjustments.Amount != total.adjAmount {
		w.fatalf("report total %+v, rows sum to %+v", rep.Total, total)
	}
	for day, rows := range w.settled {
		var now []app.ReportRow
		for _, row := range rep.Rows {
			if row.Day == day {
				now = append(now, row)
			}
		}
		if fmt.Sprint(now) != fmt.Sprint(rows) {
			w.fatalf("settled day %s changed:\n  was %+v\n  now %+v", day, rows, now)
		}
	}
}

// checkSummaries: "1. 查询充值汇总" of every POS equals a recount of its current
// session and of its operator's day on it (rules 7, 14).
func (w *simWorld) checkSummaries(l rawLedger) {
	now := w.site.Clock.Now()
	today := w.cfg.SettleDay(now)
	for _, p := range w.poss {
		sum, err := w.site.Svc.Summary(w.ctx, app.SummaryRequest{DeviceID: p.id})
		cur, ok := l.current[p.id]
		if !ok {
			if !errors.Is(err, app.CodeNotAuthorized) {
				w.fatalf("summary of unauthorized %s: %+v %v", p.id, sum, err)
			}
			continue
		}
		if err != nil {
			w.fatalf("summary of %s: %v", p.id, err)
		}
		var session, day simTotals
		processed := map[int64]int64{}
		for _, v := range l.reversals {
			processed[v.id] = v.processed
		}
		for _, r := range l.recharges {
			add := func(t *simTotals) {
				t.n++
				t.amount += r.amount
				if r.booking == string(app.Reversed) && !r.late() {
					t.rn++
					t.ramount += r.amount
				}
			}
			if r.authID == cur[0] {
				add(&session)
			}
			if r.key.dev == p.id && r.opID == cur[1] && r.day == today {
				add(&day)
			}
			if r.late() && r.key.dev == p.id && r.opID == cur[1] {
				if processed[r.revID] >= cur[3] {
					session.late++
					session.lateAmount += r.amount
				}
				if r.revDay == today {
					day.late++
					day.lateAmount += r.amount
				}
			}
		}
		same := func(s app.SummaryTotals, t simTotals) bool {
			return s.Recharges.Count == t.n && s.Recharges.Amount == t.amount && s.Reversals.Count == t.rn &&
				s.Reversals.Amount == t.ramount && s.LateReversals.Count == t.late && s.LateReversals.Amount == t.lateAmount &&
				s.Cash == t.amount-t.ramount-t.lateAmount
		}
		opNo := ""
		for _, op := range w.site.Ops {
			if op.ID == cur[1] {
				opNo = op.OpNo
			}
		}
		if sum.BatchNo != cur[2] || sum.OperatorNo != opNo || sum.Day != today || !same(sum.Session, session) || !same(sum.Today, day) {
			w.fatalf("summary of %s: %+v; raw rows give session %+v today %+v (batch %d)", p.id, sum, session, day, cur[2])
		}
	}
}

// checkDrained: once every message is delivered, every POS has finished, the delays have
// passed, the desk has seen every card and the supervisor has decided every case: every
// booked recharge reached its card once (or a supervisor decided it is not to be written),
// no reversed one ever did, nothing is left open, and each operator's cash over all days
// is exactly what the POS terminals told the operator to hold.
func (w *simWorld) checkDrained() {
	w.check()
	l := w.load()
	told := map[int64]app.Fen{}
	waiting := map[int64]bool{}
	for i := range l.recharges {
		r := &l.recharges[i]
		n := w.landed(r)
		decided := w.deskHold(l, r) == app.CodeDecidedNoWrite
		// A card behind the ledger with an open repair intent for r: the desk may have
		// written it before the card was restored, so nothing more is written; it waits for
		// a person (the card replaced, a supervisor). Booked, never credited twice.
		waits := false
		if m, ok := w.memoryOf(r.card); ok && r.booking == string(app.Booked) && n <= 1 &&
			(r.write == string(app.WritePending) || r.write == string(app.WriteCancelReported)) &&
			slices.Contains(l.repairs[r.id], string(app.RepairIntent)) && m.Behind(w.card(r.card).counter, w.card(r.card).balance) {
			w.events["left to a person: a card behind the ledger with an open repair intent"]++
			waits, waiting[r.id] = true, true
		}
		if w.told[r.key] {
			told[r.opID] += r.amount
		}
		switch {
		case waits:
		case r.booking == string(app.Reversed) && n != 0:
			w.fatalf("drained: reversed recharge %d reached card %s", r.id, r.card)
		case r.booking == string(app.Booked) && !decided && n != 1:
			w.fatalf("drained: booked recharge %d (%s, %s) reached card %s %d times", r.id, r.key, r.write, r.card, n)
		case r.booking == string(app.Booked) && !decided && r.write != string(app.WriteWritten) && r.write != string(app.WriteRepaired) &&
			r.write != string(app.WriteFoundOnCard):
			w.fatalf("drained: booked recharge %d still %s", r.id, r.write)
		}
	}
	if n := w.rawCount(`SELECT COUNT(*) FROM reversals WHERE status = 'pending'`); n != 0 {
		w.fatalf("drained: %d reversals pending", n)
	}
	// Every repair is finished, but those of the recharges waiting for a person above.
	unfinished := 0
	for id := range l.intents {
		if !waiting[id] && w.rawCount(`SELECT COUNT(*) FROM case_decisions WHERE recharge_id = ? AND kind <> 'approve_write'`, id) == 0 {
			unfinished++
		}
	}
	if unfinished != 0 {
		w.fatalf("drained: %d repairs unfinished", unfinished)
	}
	for _, c := range w.cards {
		for _, it := range w.awaitingDesk(c.no) {
			if (it.Hold == nil || it.Hold.Code != app.CodeDecidedNoWrite) && !waiting[it.Recharge.ID] {
				w.fatalf("drained: card %s still awaits the desk: %+v", c.no, it)
			}
		}
	}
	open := w.openCases(l)
	for k := range open {
		var id int64
		if _, err := fmt.Sscanf(k[strings.LastIndex(k, ":")+1:], "%d", &id); err != nil {
			continue
		}
		if strings.HasPrefix(k, string(app.CaseRepairIntentOpen)+"/") {
			id = w.rawCount(`SELECT recharge_id FROM repairs WHERE id = ?`, id)
		}
		if waiting[id] && (strings.Contains(k, "/recharge:") || strings.HasPrefix(k, string(app.CaseRepairIntentOpen)+"/")) {
			delete(open, k) // approved, then held: the card behind the ledger waits for a person
		}
	}
	if len(open) != 0 {
		w.fatalf("drained: cases still open: %v", open)
	}
	// Per operator and day of the recharges: what the POS told the operator to hold equals
	// the day's bookings less every processed reversal of them (late ones count on a later
	// day, as lines of their own) plus the cash adjustments decided about them.
	toldDay, owedDay := map[dayOp]app.Fen{}, map[dayOp]app.Fen{}
	for i := range l.recharges {
		r := &l.recharges[i]
		k := dayOp{r.day, r.opID}
		if w.told[r.key] {
			toldDay[k] += r.amount
		}
		if r.booking == string(app.Booked) {
			owedDay[k] += r.amount
		}
		for _, d := range l.decisionsOf(r.id) {
			if d.kind == string(app.DecideAdjustment) {
				owedDay[k] += d.amount
			}
		}
	}
	for k := range toldDay {
		if _, ok := owedDay[k]; !ok {
			owedDay[k] = 0 // every day something was told about is compared too
		}
	}
	for k, n := range owedDay {
		if toldDay[k] != n {
			w.fatalf("drained: operator %d on %s owes %d fen for that day's recharges, and was told to hold %d", k.op, k.day, n, toldDay[k])
		}
	}
	cash := map[int64]app.Fen{}
	for k, t := range moneyByDay(l) {
		cash[k.op] += t.cash()
	}
	for _, op := range w.site.Ops {
		if cash[op.ID] != told[op.ID] {
			w.fatalf("drained: operator %s owes %d fen by the reports, and was told to hold %d", op.OpNo, cash[op.ID], told[op.ID])
		}
	}
}
