package app_test

import (
	"database/sql"
	"errors"
	"fmt"

	"cardcenter/app"
)

// The invariants of DESIGN.md, checked after every generated step by recounting raw rows
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
}

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
	cancels   map[int64][]string // recharge id → statuses of the cancel records linked to it
	repairs   map[int64][]string // recharge id → states of its repairs
	current   map[string][3]int64
}

const (
	rawRechargesQuery = `SELECT id, device_id, serial, authorization_id, operator_id, card_no, amount, balance_before, booked_at,
		settle_day, booking, card_write, COALESCE(reversal_id, 0), COALESCE(cancel_id, 0), COALESCE(repair_id, 0)
		FROM recharges ORDER BY id`
	rawReversalsQuery = `SELECT id, device_id, orig_device_id, orig_serial, status, COALESCE(recharge_id, 0), received_at,
		apply_after, COALESCE(processed_at, 0) FROM reversals ORDER BY id`
	rawCancelsQuery = `SELECT COALESCE(recharge_id, 0), status FROM cancels`
	rawRepairsQuery = `SELECT recharge_id, state FROM repairs`
	rawCurrentQuery = `SELECT device_id, id, operator_id, batch_no FROM authorizations WHERE ended_at IS NULL`
)

// prepareRaw prepares the recount's queries once: the recount runs after every step.
func (w *simWorld) prepareRaw() {
	w.stmts = map[string]*sql.Stmt{}
	for _, q := range []string{rawRechargesQuery, rawReversalsQuery, rawCancelsQuery, rawRepairsQuery, rawCurrentQuery} {
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
		cancels: map[int64][]string{}, repairs: map[int64][]string{}, current: map[string][3]int64{}}
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
				&x.booking, &x.write, &x.revID, &x.cancelID, &x.repID)
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
		var id int64
		var st string
		err := r.Scan(&id, &st)
		l.repairs[id] = append(l.repairs[id], st)
		return err
	})
	scan(rawCurrentQuery, func(r *sql.Rows) error {
		var dev string
		var a [3]int64
		err := r.Scan(&dev, &a[0], &a[1], &a[2])
		l.current[dev] = a
		return err
	})
	return l
}

// onCard is how many times recharge r's credit reached its card: by its POS or the desk.
func (w *simWorld) onCard(r *rawRecharge) int {
	c := w.card(r.card)
	return c.count(simPOSRef(r.key)) + c.count(app.RepairRef(r.id))
}

// check runs every invariant; it is called after every step. The app's own report and
// summaries are pure functions of the rows and the settlement day: they are asked again
// whenever either changed since they were last compared, or the host restarted.
func (w *simWorld) check() {
	l := w.load()
	w.last = l
	w.checkRecharges(l)
	w.checkRecords(l)
	seen := fmt.Sprint(w.cfg.SettleDay(w.site.Clock.Now()), w.crashes, len(w.settled), l.recharges, l.reversals,
		l.cancels, l.repairs, l.current)
	if seen == w.lastSeen {
		return
	}
	w.lastSeen = seen
	w.checkMoney(l)
	w.checkSummaries(l)
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
		n := w.onCard(r)
		if n > 1 {
			w.fatalf("recharge %d (%s) is on card %s %d times", r.id, r.key, r.card, n)
		}
		switch r.booking {
		case string(app.Reversed):
			if n != 0 {
				w.fatalf("reversed recharge %d (%s) is on card %s", r.id, r.key, r.card)
			}
			if !w.reversed[r.key] {
				w.fatalf("recharge %d (%s) reversed, but its POS never sent a reversal", r.id, r.key)
			}
			if r.write != string(app.WritePending) || r.revID == 0 {
				w.fatalf("reversed recharge %+v", *r)
			}
		case string(app.Booked):
			if r.revID != 0 {
				w.fatalf("booked recharge %d points to reversal %d", r.id, r.revID)
			}
		default:
			w.fatalf("recharge %d booking %q", r.id, r.booking)
		}
		c := w.card(r.card)
		switch app.CardWrite(r.write) {
		case app.WriteWritten:
			if c.count(simPOSRef(r.key)) != 1 {
				w.fatalf("recharge %d confirmed written, but its POS's credit is not on card %s", r.id, r.card)
			}
		case app.WriteRepaired:
			if c.count(app.RepairRef(r.id)) != 1 {
				w.fatalf("recharge %d repaired, but the desk's credit is not on card %s", r.id, r.card)
			}
		case app.WriteFoundOnCard:
			if n != 1 {
				w.fatalf("recharge %d found on card %s, which holds it %d times", r.id, r.card, n)
			}
		case app.WriteCancelReported:
			if r.cancelID == 0 {
				w.fatalf("recharge %d cancel_reported with no cancel record", r.id)
			}
		case app.WritePending:
		default:
			w.fatalf("recharge %d card_write %q", r.id, r.write)
		}
		if c.count(app.RepairRef(r.id)) > 0 && len(l.repairs[r.id]) == 0 {
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
		switch v.status {
		case string(app.RevApplied):
			applied[v.rechargeID]++
			r := l.byID[v.rechargeID]
			if r == nil || r.booking != string(app.Reversed) || r.revID != v.id || r.key != v.orig {
				w.fatalf("applied reversal %+v, recharge %+v", v, r)
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

type simTotals struct {
	n, amount, rn, ramount, cancels int64
}

// checkMoney: per operator and settlement day, POS现金充值 = Σ booked − Σ processed
// reversals, as recounted from raw rows, is what Report says; a settled day's report is
// what it was when settled; the operator's daily maximum holds.
func (w *simWorld) checkMoney(l rawLedger) {
	type dayOp struct {
		day string
		op  int64
	}
	want := map[dayOp]simTotals{}
	for _, r := range l.recharges {
		k := dayOp{r.day, r.opID}
		t := want[k]
		t.n++
		t.amount += r.amount
		if r.booking == string(app.Reversed) {
			t.rn++
			t.ramount += r.amount
		}
		if r.cancelID != 0 {
			t.cancels++
		}
		want[k] = t
	}
	for i, max := range w.dailyMax {
		if max == 0 {
			continue
		}
		for k, t := range want {
			if k.op == w.site.Ops[i].ID && t.amount-t.ramount > max {
				w.fatalf("operator %d booked %d fen on %s, daily maximum %d", i, t.amount-t.ramount, k.day, max)
			}
		}
	}
	today := w.cfg.SettleDay(w.site.Clock.Now())
	rep, err := w.site.Svc.Report(w.ctx, w.firstDay, today)
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
		if row.Cash() != t.amount-t.ramount || row.Recharges.Amount != t.amount || row.Reversals.Amount != t.ramount ||
			row.Recharges.Count != t.n || row.Reversals.Count != t.rn {
			w.fatalf("report %s operator %s: %+v (POS现金充值 %d); raw rows give %+v", row.Day, row.OpNo, row, row.Cash(), t)
		}
		if _, settled := w.settled[row.Day]; !settled && (row.Settled || row.Cancels != t.cancels) {
			w.fatalf("report %s operator %s: %+v; raw rows give %d cancels", row.Day, row.OpNo, row, t.cancels)
		}
		total.amount += row.Recharges.Amount
		total.ramount += row.Reversals.Amount
	}
	for k, t := range want {
		if _, ok := got[k]; !ok && t.n > 0 {
			w.fatalf("report has no row for %+v, raw rows give %+v", k, t)
		}
	}
	if rep.Total.Recharges.Amount != total.amount || rep.Total.Reversals.Amount != total.ramount {
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
		for _, r := range l.recharges {
			add := func(t *simTotals) {
				t.n++
				t.amount += r.amount
				if r.booking == string(app.Reversed) {
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
		}
		same := func(s app.SummaryTotals, t simTotals) bool {
			return s.Recharges.Count == t.n && s.Recharges.Amount == t.amount && s.Reversals.Count == t.rn &&
				s.Reversals.Amount == t.ramount && s.Cash == t.amount-t.ramount
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
// passed and the desk has seen every card, every booked recharge is on its card exactly
// once and no reversed one is on any card.
func (w *simWorld) checkDrained() {
	w.check()
	l := w.load()
	for i := range l.recharges {
		r := &l.recharges[i]
		n := w.onCard(r)
		switch {
		case r.booking == string(app.Reversed) && n != 0:
			w.fatalf("drained: reversed recharge %d is on card %s", r.id, r.card)
		case r.booking == string(app.Booked) && n != 1:
			w.fatalf("drained: booked recharge %d (%s, %s) is on card %s %d times", r.id, r.key, r.write, r.card, n)
		case r.booking == string(app.Booked) && r.write != string(app.WriteWritten) && r.write != string(app.WriteRepaired) &&
			r.write != string(app.WriteFoundOnCard):
			w.fatalf("drained: booked recharge %d still %s", r.id, r.write)
		}
	}
	if n := w.rawCount(`SELECT COUNT(*) FROM reversals WHERE status = 'pending'`); n != 0 {
		w.fatalf("drained: %d reversals pending", n)
	}
	if n := w.rawCount(`SELECT COUNT(*) FROM repairs WHERE state = 'intent'`); n != 0 {
		w.fatalf("drained: %d repairs unfinished", n)
	}
	for _, c := range w.cards {
		if items := w.awaitingDesk(c.no); len(items) != 0 {
			w.fatalf("drained: card %s still awaits the desk: %+v", c.no, items)
		}
	}
}
