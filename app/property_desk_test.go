package app_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"pgregory.net/rapid"

	"cardcenter/app"
)

// The desk: the card-center clerk puts the card on the reader (LookAtCard) and repairs a
// recharge (Repair), the real use case over a simulated reader; and, for what the card
// cannot tell, a supervisor's repair by hand.

// stepDeskByHand: a supervisor settles one recharge with the low-level steps, deciding
// from the card's whole history (the test's truth), as after a CARD_CANNOT_TELL.
func (w *simWorld) stepDeskByHand() {
	c := w.card(rapid.SampledFrom(w.deskCards()).Draw(w.rt, "card at the desk"))
	items := w.awaitingDesk(c.no)
	w.checkDeskList(c, items)
	it := items[rapid.IntRange(0, len(items)-1).Draw(w.rt, "desk item")]
	crash := rapid.IntRange(0, 3).Draw(w.rt, "desk crash (0,1 none, 2 after intent, 3 after card write)")
	two := rapid.Bool().Draw(w.rt, "two clerks at once")
	w.repairByHand(c, it, crash, two)
}

// checkDeskList: the desk lists exactly what the raw rows say awaits it, each held for the
// reason the raw rows give.
func (w *simWorld) checkDeskList(c *simCard, items []app.DeskItem) {
	var want []string
	for i := range w.last.recharges {
		if r := &w.last.recharges[i]; r.card == c.no && w.awaitsDesk(r) {
			want = append(want, fmt.Sprintf("%d:%s", r.id, w.deskHold(w.last, r)))
		}
	}
	var got []string
	for _, it := range items {
		hold := app.Code("")
		if it.Hold != nil {
			hold = it.Hold.Code
		}
		got = append(got, fmt.Sprintf("%d:%s", it.Recharge.ID, hold))
	}
	slices.Sort(got)
	slices.Sort(want)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		w.fatalf("desk shows recharges %v for card %s, raw rows say %v", got, c.no, want)
	}
}

// liftable: the holds a supervisor's approved write lifts (for another person).
func liftable(code app.Code) bool {
	switch code {
	case app.CodeAwaitingPOS, app.CodeReversalNotDone, app.CodeCannotTell, app.CodeCardBehindLedger:
		return true
	}
	return false
}

// expectBlocker is what the model says must stop the clerk from settling it, "" if nothing.
func (w *simWorld) expectBlocker(it app.DeskItemVerdict, c *simCard, clerk app.Actor) app.Code {
	r := w.last.byID[it.Recharge.ID]
	// A card behind the ledger is not written under an approval while the recharge has an
	// open repair intent (the desk may have written it before the card was restored).
	approved, approvedBehind := false, !slices.Contains(w.last.repairs[r.id], string(app.RepairIntent))
	for _, d := range w.last.decisionsOf(r.id) {
		if d.kind == string(app.DecideApproveWrite) {
			if d.by == clerk.User {
				return app.CodeSamePerson
			}
			approved = true
		}
	}
	if h := w.deskHold(w.last, r); h != "" && !(approved && liftable(h)) &&
		!(h == app.CodeAwaitingPOS && it.Verdict.OnCard == app.AlreadyOnCard) {
		return h
	}
	if code := w.statusCode(c.no); code != "" {
		return code
	}
	switch it.Verdict.OnCard {
	case app.BehindLedger:
		if !approved || !approvedBehind {
			return app.CodeCardBehindLedger
		}
	case app.CannotTell:
		if !approved {
			return app.CodeCannotTell
		}
	case app.AlreadyOnCard:
		return ""
	}
	if c.balance+r.amount > simCeiling {
		return app.CodeOverCeiling
	}
	return ""
}

// repairByHand: record the intent, write the credit only if neither the POS's nor an
// earlier repair's credit is on the card, record the outcome. crash 2 stops after the
// intent, crash 3 after the card write; a later visit resumes.
func (w *simWorld) repairByHand(c *simCard, it app.DeskItem, crash int, two bool) {
	r := it.Recharge
	wantReason := app.DeskWriteUnknown
	if r.CardWrite == app.WriteCancelReported {
		wantReason = app.DeskCancelReported
	}
	if it.Reason != wantReason || r.CardNo != c.no || r.Booking != app.Booked {
		w.fatalf("desk item %+v for card %s", it, c.no)
	}
	snap := app.CardSnapshot{Balance: c.balance, Counter: c.counter}
	if it.Hold != nil && !(it.Approval.ID != 0 && liftable(it.Hold.Code)) {
		_, _, err := w.site.Svc.BeginRepair(w.ctx, w.site.Clerk, r.ID, snap)
		if !errors.Is(err, it.Hold.Code) {
			w.fatalf("repair of recharge %d held by %s: %v", r.ID, it.Hold.Code, err)
		}
		w.logf("desk: recharge %d is held: %s", r.ID, it.Hold.Code)
		return
	}
	var rp app.Repair
	var resumed bool
	if two {
		var wg sync.WaitGroup
		rps := make([]app.Repair, 2)
		res := make([]bool, 2)
		errs := make([]error, 2)
		for i := range rps {
			wg.Go(func() { rps[i], res[i], errs[i] = w.site.Svc.BeginRepair(w.ctx, w.site.Clerk, r.ID, snap) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			w.fatalf("two clerks begin repair of %d: %v", r.ID, err)
		}
		fresh := 0
		for _, x := range res {
			if !x {
				fresh++
			}
		}
		if rps[0].ID != rps[1].ID || (it.Repair.ID == 0 && fresh != 1) || (it.Repair.ID != 0 && fresh != 0) {
			w.fatalf("two clerks got repairs %d/%d resumed %v (earlier intent %d)", rps[0].ID, rps[1].ID, res, it.Repair.ID)
		}
		rp, resumed = rps[0], it.Repair.ID != 0
	} else {
		var err error
		rp, resumed, err = w.site.Svc.BeginRepair(w.ctx, w.site.Clerk, r.ID, snap)
		if err != nil {
			w.fatalf("begin repair of %d: %v", r.ID, err)
		}
	}
	if resumed != (it.Repair.ID != 0) || (resumed && rp.ID != it.Repair.ID) || rp.Ref != app.RepairRef(r.ID) {
		w.fatalf("begin repair of %d: %+v resumed=%v, desk showed intent %d", r.ID, rp, resumed, it.Repair.ID)
	}
	if crash == 2 {
		w.logf("desk: intent %d for recharge %d, then the desk crashes", rp.ID, r.ID)
		return
	}
	k := simKey{r.DeviceID, r.Serial}
	outcome := app.RepairFoundOnCard
	if c.landed(simPOSRef(k))+c.landed(app.RepairRef(r.ID)) == 0 {
		w.credit(c, entryRepair, k, r.Amount, app.RepairRef(r.ID))
		outcome = app.RepairWritten
		if crash == 3 {
			w.logf("desk: wrote recharge %d to card %s, then the desk crashes", r.ID, c.no)
			return
		}
	}
	after := app.CardSnapshot{Balance: c.balance, Counter: c.counter}
	done, err := w.site.Svc.CompleteRepair(w.ctx, w.site.Clerk, rp.ID, outcome, after)
	if err != nil || done.State != outcome {
		w.fatalf("complete repair %d as %s: %+v %v", rp.ID, outcome, done, err)
	}
	if _, err := w.site.Svc.CompleteRepair(w.ctx, w.site.Clerk, rp.ID, outcome, after); !errors.Is(err, app.CodeAlreadyRepaired) {
		w.fatalf("second completion of repair %d: %v", rp.ID, err)
	}
	w.logf("desk: recharge %d %s on card %s", r.ID, outcome, c.no)
}

var (
	errSimCardPulled = errors.New("simulated: the card was pulled from the reader")
	errSimTorn       = errors.New("simulated: the card write was interrupted")
	errSimChanged    = errors.New("simulated: not the card, or not the state, that was read")
	errSimAlready    = errors.New("simulated: the card's log already holds the reference")
)

// simDeskReader is the desk's reader (app.DeskReader) with card c on it, as cardio's
// credit behaves: it refuses a card that changed since it was read or that already holds
// the reference; an interrupted write leaves the card before or after, and says only
// that it failed.
type simDeskReader struct {
	w       *simWorld
	c       *simCard
	fate    simWriteFate // what the next Credit does
	pull    bool         // the card is pulled right after the next Credit
	pulled  bool
	credits int
}

func (r *simDeskReader) Read(context.Context) (app.CardOnDesk, error) {
	if r.pulled {
		return nil, errSimCardPulled
	}
	return r.c.onDesk(), nil
}

func (r *simDeskReader) Credit(_ context.Context, before app.CardOnDesk, terminal string, serial int64, amount app.Fen, _ time.Time) error {
	r.credits++
	if r.pulled {
		return errSimCardPulled
	}
	b, ok := before.(simDeskCard)
	if !ok || b.uid != r.c.uid || b.balance != r.c.balance || b.counter != r.c.counter {
		return errSimChanged
	}
	if found, _ := r.c.onDesk().Holds(terminal, serial, amount); found {
		return errSimAlready
	}
	k := simKey{terminal, serial}
	bk, ok := r.w.booked[k]
	if !ok || bk.amount != amount || bk.card != r.c.no {
		r.w.fatalf("the desk credits %s %d fen on card %s; the host approved %+v (%v)", k, amount, r.c.no, bk, ok)
	}
	r.pulled = r.pull
	r.w.logf("desk writes card %s for %s: %s (pulled after: %v)", r.c.no, k, r.fate, r.pull)
	switch r.fate {
	case writeOK:
		r.w.credit(r.c, entryRepair, k, amount, app.RepairRef(bk.id))
		return nil
	case writeTornLanded:
		r.w.credit(r.c, entryRepair, k, amount, app.RepairRef(bk.id))
	default:
		r.c.tornBeforeCommit()
	}
	return errSimTorn
}

// stepDesk: the clerk puts a card on the reader and repairs one of its recharges.
func (w *simWorld) stepDesk() {
	c := w.card(rapid.SampledFrom(w.deskCards()).Draw(w.rt, "card at the desk"))
	rd := &simDeskReader{w: w, c: c}
	dc := w.lookAtCard(c, rd)
	if len(dc.Items) == 0 {
		return
	}
	it := dc.Items[rapid.IntRange(0, len(dc.Items)-1).Draw(w.rt, "desk item")]
	rd.fate = rapid.SampledFrom(simWriteFates).Draw(w.rt, "desk card write")
	rd.pull = rapid.IntRange(0, 3).Draw(w.rt, "card pulled after the write (3)") == 3
	w.deskRepair(c, rd, it, dc.Card)
}

// lookAtCard reads the card at the desk and checks what the desk shows: exactly the
// recharges awaiting it (less the unfinished repairs the read just completed), each with
// a verdict that is true of the card.
func (w *simWorld) lookAtCard(c *simCard, rd *simDeskReader) app.DeskCard {
	dc, err := w.site.Svc.LookAtCard(w.ctx, w.site.Clerk, rd)
	if err != nil {
		w.fatalf("look at card %s: %v", c.no, err)
	}
	var items []app.DeskItem
	for _, it := range dc.Items {
		items = append(items, it.DeskItem)
		n := c.count(simPOSRef(simKey{it.Recharge.DeviceID, it.Recharge.Serial})) + c.count(app.RepairRef(it.Recharge.ID))
		if (it.Verdict.OnCard == app.AlreadyOnCard && n != 1) || (it.Verdict.OnCard == app.NotOnCard && n != 0) {
			w.fatalf("desk verdict on recharge %d (%s/%d, %d fen, before: balance %d counter %d): %q, but the card holds it %d times; card %+v",
				it.Recharge.ID, it.Recharge.DeviceID, it.Recharge.Serial, it.Recharge.Amount, it.Recharge.BalanceBefore,
				it.Recharge.CounterBefore, it.Verdict.EN, n, c.onDesk())
		}
	}
	for _, rp := range dc.Resolved {
		w.logf("desk: the read completed unfinished repair %d of recharge %d as %s", rp.ID, rp.RechargeID, rp.State)
		w.events["desk read completed an unfinished repair"]++
	}
	mem, known := w.memoryOf(c.no)
	for _, it := range dc.Items {
		w.events["desk verdict "+[]string{"cannot tell", "not on card", "already on card", "behind the ledger"}[it.Verdict.OnCard]]++
		if behind := known && mem.Behind(c.counter, c.balance); behind != (it.Verdict.OnCard == app.BehindLedger) {
			w.fatalf("desk verdict on recharge %d: %q; the ledger remembers %+v (known %v) of card %+v", it.Recharge.ID, it.Verdict.EN, mem, known, c.onDesk())
		}
		want := w.expectBlocker(it, c, w.site.Clerk)
		got := app.Code("")
		if it.Blocker != nil {
			got = it.Blocker.Code
		}
		if got != want {
			w.fatalf("desk item %d: blocker %q, the model says %q (hold %v, verdict %q, approval %+v)", it.Recharge.ID, got, want,
				it.Hold, it.Verdict.EN, it.Approval)
		}
		if (it.Blocker == nil) == (it.Action == app.DeskNoAction) {
			w.fatalf("desk item %d: blocker %v and action %d", it.Recharge.ID, it.Blocker, it.Action)
		}
	}
	for i := range w.last.recharges {
		r := &w.last.recharges[i]
		for _, rp := range dc.Resolved {
			if rp.RechargeID == r.id {
				it := app.DeskItem{Recharge: app.Recharge{ID: r.id}}
				if h := w.deskHold(w.last, r); h != "" {
					it.Hold = app.E(h, "resolved by the read")
				}
				items = append(items, it)
			}
		}
	}
	w.checkDeskList(c, items)
	return dc
}

// deskRepair repairs it through the use case and checks the outcome or the refusal.
func (w *simWorld) deskRepair(c *simCard, rd *simDeskReader, it app.DeskItemVerdict, shown app.CardOnDesk) {
	r := it.Recharge
	rc, err := w.site.Svc.Repair(w.ctx, w.site.Clerk, rd, r.ID, shown)
	if err == nil {
		w.logf("desk: recharge %d %s on card %s", r.ID, rc.Outcome, c.no)
		w.events["desk repair "+string(rc.Outcome)]++
		if (rc.Outcome == app.RepairWritten) != (rd.credits > 0) || rc.RechargeID != r.ID {
			w.fatalf("desk receipt %+v after %d card writes", rc, rd.credits)
		}
		return
	}
	e, ok := app.AsError(err)
	if !ok {
		w.fatalf("desk repair of %d: %v", r.ID, err)
	}
	w.logf("desk: recharge %d: %s", r.ID, e.Code)
	w.events["desk refused "+string(e.Code)]++
	var cause bool
	switch e.Code {
	case app.CodeWriteUnknown, app.CodeNotWritten:
		cause = rd.credits > 0
	default:
		cause = w.expectBlocker(it, c, w.site.Clerk) == e.Code && rd.credits == 0
	}
	if !cause {
		w.fatalf("desk repair of %d refused without cause (verdict %q, reversal pending %v, %d writes): %v",
			r.ID, it.Verdict.EN, it.ReversalPending, rd.credits, err)
	}
}

// drainDesk: the desk settles every recharge awaiting it on card c that it may; what it may
// not is left for the supervisor (drain decides and comes back), and a card too full for the
// credit is spent down first. It reports whether it wrote or recorded anything.
func (w *simWorld) drainDesk(c *simCard) bool {
	did := false
	for range 50 {
		w.last = w.load()
		rd := &simDeskReader{w: w, c: c, fate: writeOK}
		dc := w.lookAtCard(c, rd)
		w.check()
		var todo *app.DeskItemVerdict
		for i := range dc.Items {
			it := &dc.Items[i]
			if it.ReversalPending {
				w.fatalf("drain: recharge %d still has a pending reversal", it.Recharge.ID)
			}
			if it.Blocker == nil || it.Blocker.Code == app.CodeOverCeiling {
				todo = it
				break
			}
		}
		if todo == nil {
			return did
		}
		did = true
		if todo.Blocker != nil {
			c.spends++
			c.write(entrySpend, simKey{"C1", c.spends}, c.balance, "")
			w.logf("drain: card %s spent down to make room", c.no)
		} else {
			w.deskRepair(c, rd, *todo, dc.Card)
		}
		w.check()
	}
	w.fatalf("drain: the desk never finished card %s", c.no)
	return did
}

// --- the supervisor at the exceptions desk ---

// stepSupervise: a supervisor takes one open case and decides it.
func (w *simWorld) stepSupervise() {
	cases, err := w.site.Svc.Exceptions(w.ctx, w.boss)
	if err != nil {
		w.fatalf("exceptions: %v", err)
	}
	var open []app.CaseView
	for _, c := range cases {
		if c.Status == app.CaseOpen {
			open = append(open, c)
		}
	}
	if len(open) == 0 {
		return
	}
	w.supervise(open[rapid.IntRange(0, len(open)-1).Draw(w.rt, "case")])
}

// superviseAll decides every open case it can; it reports how many.
func (w *simWorld) superviseAll() int {
	n := 0
	tried := map[string]bool{}
	for {
		cases, err := w.site.Svc.Exceptions(w.ctx, w.boss)
		if err != nil {
			w.fatalf("exceptions: %v", err)
		}
		var next *app.CaseView
		for i, c := range cases {
			if c.Status == app.CaseOpen && !tried[c.Case.Key()] {
				next = &cases[i]
				break
			}
		}
		if next == nil {
			return n
		}
		tried[next.Case.Key()] = true
		if w.supervise(*next) {
			n++
		}
	}
}

// supervise decides a case as a supervisor who knows what happened (the test's truth): the
// card's whole history and what the POS told its operator. Its decisions must keep the
// money true: the operator's cash is what the POS told the operator to hold, and the card
// gets each recharge the cardholder paid for exactly once.
func (w *simWorld) supervise(cv app.CaseView) bool {
	in := app.DecisionInput{CaseKey: cv.Case.Key(), Kind: app.DecideClose, Reason: "checked: nothing to change"}
	if r := cv.Facts.Recharge; r.ID != 0 {
		k := simKey{r.DeviceID, r.Serial}
		c := w.card(r.CardNo)
		landed := c.landed(simPOSRef(k)) + c.landed(app.RepairRef(r.ID))
		keep := w.told[k]
		adjusted, approved := false, false
		for _, d := range cv.Facts.Decisions {
			adjusted = adjusted || d.Kind == app.DecideAdjustment
			approved = approved || d.Kind == app.DecideApproveWrite
		}
		awaiting := r.Booking == app.Booked && (r.CardWrite == app.WritePending || r.CardWrite == app.WriteCancelReported)
		switch {
		case r.Booking != app.Booked || adjusted:
		case !keep:
			// The POS said 充值超时,已自动冲正: the operator handed the cash back.
			in = app.DecisionInput{CaseKey: cv.Case.Key(), Kind: app.DecideAdjustment, Amount: -r.Amount,
				Reason: "POS timed out: the cash went back to the cardholder"}
		case awaiting && landed == 0 && !approved:
			in = app.DecisionInput{CaseKey: cv.Case.Key(), Kind: app.DecideApproveWrite, Reason: "paid for, never on the card"}
		}
	}
	d, err := w.site.Svc.Decide(w.ctx, w.boss, in)
	if e, ok := app.AsError(err); ok && (e.Code == app.CodeReversalPending || e.Code == app.CodeNotAwaitingDesk) {
		w.logf("supervisor: case %s waits: %s", in.CaseKey, e.Code)
		return false
	}
	if errors.Is(err, app.CodeCaseDecided) && cv.Case.ID == 0 {
		w.logf("supervisor: case %s closed meanwhile", in.CaseKey)
		return false
	}
	if err != nil {
		w.fatalf("decide %+v on %+v: %v", in, cv.Case, err)
	}
	w.logf("supervisor: case %s: %s %d (%s)", in.CaseKey, d.Kind, d.Amount, d.Reason)
	w.events["supervisor "+string(d.Kind)+" "+string(cv.Case.Kind)]++
	if _, err := w.site.Svc.Decide(w.ctx, w.boss, in); !errors.Is(err, app.CodeCaseDecided) {
		w.fatalf("a second decision on %s: %v", in.CaseKey, err)
	}
	return true
}
