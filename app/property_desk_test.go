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

// checkDeskList: the desk lists exactly what the raw rows say awaits it.
func (w *simWorld) checkDeskList(c *simCard, items []app.DeskItem) {
	var want []int64
	for i := range w.last.recharges {
		if r := &w.last.recharges[i]; r.card == c.no && w.awaitsDesk(r) {
			want = append(want, r.id)
		}
	}
	var got []int64
	for _, it := range items {
		got = append(got, it.Recharge.ID)
	}
	slices.Sort(got)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		w.fatalf("desk shows recharges %v for card %s, raw rows say %v", got, c.no, want)
	}
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
	if it.ReversalPending {
		_, _, err := w.site.Svc.BeginRepair(w.ctx, w.site.Clerk, r.ID, snap)
		if !errors.Is(err, app.CodeReversalPending) {
			w.fatalf("repair of recharge %d with a pending reversal: %v", r.ID, err)
		}
		w.logf("desk: recharge %d waits for its reversal", r.ID)
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
	if c.count(simPOSRef(k))+c.count(app.RepairRef(r.ID)) == 0 {
		c.write(entryRepair, k, r.Amount, app.RepairRef(r.ID))
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
		r.c.write(entryRepair, k, amount, app.RepairRef(bk.id))
		return nil
	case writeTornLanded:
		r.c.write(entryRepair, k, amount, app.RepairRef(bk.id))
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
	for _, it := range dc.Items {
		w.events["desk verdict "+[]string{"cannot tell", "not on card", "already on card"}[it.Verdict.OnCard]]++
	}
	for i := range w.last.recharges {
		r := &w.last.recharges[i]
		for _, rp := range dc.Resolved {
			if rp.RechargeID == r.id {
				items = append(items, app.DeskItem{Recharge: app.Recharge{ID: r.id}})
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
	case app.CodeCannotTell:
		cause = it.Verdict.OnCard == app.CannotTell && rd.credits == 0
	case app.CodeReversalPending:
		cause = it.ReversalPending && rd.credits == 0
	case app.CodeOverCeiling:
		cause = c.balance+r.Amount > simCeiling && rd.credits == 0
	case app.CodeCardLost, app.CodeCardFrozen, app.CodeCardBad:
		cause = w.statusRefuses(c.no, e.Code) && rd.credits == 0
	case app.CodeWriteUnknown, app.CodeNotWritten:
		cause = rd.credits > 0
	}
	if !cause {
		w.fatalf("desk repair of %d refused without cause (verdict %q, reversal pending %v, %d writes): %v",
			r.ID, it.Verdict.EN, it.ReversalPending, rd.credits, err)
	}
}

// drainDesk: the desk settles every recharge awaiting it on card c; what the card cannot
// tell goes to a supervisor, and a card too full for the credit is spent down first.
func (w *simWorld) drainDesk(c *simCard) {
	for range 50 {
		w.last = w.load()
		rd := &simDeskReader{w: w, c: c, fate: writeOK}
		dc := w.lookAtCard(c, rd)
		w.check()
		if len(dc.Items) == 0 {
			return
		}
		it := dc.Items[0]
		if it.ReversalPending {
			w.fatalf("drain: recharge %d still has a pending reversal", it.Recharge.ID)
		}
		switch {
		case it.Verdict.OnCard == app.CannotTell:
			w.repairByHand(c, it.DeskItem, 0, false)
		case it.Verdict.OnCard == app.NotOnCard && c.balance+it.Recharge.Amount > simCeiling:
			c.spends++
			c.write(entrySpend, simKey{"C1", c.spends}, c.balance, "")
			w.logf("drain: card %s spent down to make room", c.no)
		default:
			w.deskRepair(c, rd, it, dc.Card)
		}
		w.check()
	}
	w.fatalf("drain: the desk never finished card %s", c.no)
}
