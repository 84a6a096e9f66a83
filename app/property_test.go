package app_test

import (
	"maps"
	"os"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"cardcenter/app"
)

// TestProperty_MoneyInvariant is the generated-interleaving test of the money invariant
// (docs/rules.md, "The money invariant"): 2–3 recharge POS, 2–3 operators and 2–4 cards over
// the real SQLite ledger, a manual clock and a network that drops, duplicates, delays and
// reorders. Each schedule is 50–150 generated steps (see simActions), with every invariant
// checked after every step, then a drain (everything delivered, every POS finished, the
// delays passed, the desk has seen every card) and the end-state check.
//
// A failure prints the seed and the minimized schedule, one line per step. To rerun it:
//
//	go test ./app -run 'TestProperty_MoneyInvariant$' -rapid.seed=<seed> -v
//
// (rapid also writes app/testdata/rapid/… and prints -rapid.failfile=… for the exact
// minimized case). -rapid.checks=N sets the number of schedules (default 100; -short
// divides it by 5); CARDCENTER_LONG=1 runs 20 rounds of them, each from a fresh seed
// (about 8 minutes without -race).
func TestProperty_MoneyInvariant(t *testing.T) {
	rounds := 1
	if os.Getenv("CARDCENTER_LONG") != "" {
		rounds = 20
	}
	cov := simCoverage{}
	for range rounds {
		rapid.Check(t, func(rt *rapid.T) {
			w := newSimWorld(t, rt)
			steps := rapid.IntRange(50, 150).Draw(rt, "steps")
			w.check()
			for w.step = 1; w.step <= steps; w.step++ {
				w.drawAction().run(w)
				w.check()
			}
			w.drain()
			w.checkDrained()
			cov.add(w)
		})
	}
	t.Logf("what the schedules reached (rows, and refusals by first answer):\n%s", cov)
}

// drain ends a schedule: the network delivers what it held, every POS finishes its write
// in doubt and uploads its queue over a network that now works, the reversal delay and the
// write-unknown timeout pass, the worker runs and the desk repairs every card that waits.
func (w *simWorld) drain() {
	w.logf("drain")
	for _, no := range slices.Sorted(maps.Keys(w.cardStatus)) {
		if w.cardStatus[no] != app.CardNormal {
			w.setCardStatus(no, app.CardNormal)
		}
	}
	for len(w.delayed) > 0 || w.posBusy() {
		for len(w.delayed) > 0 {
			m := w.delayed[0]
			w.delayed = w.delayed[1:]
			w.posHears(m, w.deliver(m))
		}
		for _, p := range w.poss {
			if wr := p.retap; wr != nil {
				c := w.card(wr.card)
				if c.count(simPOSRef(wr.key)) == 0 {
					w.posWrite(p, c, wr, writeOK) // posWrite confirms after a good write
				} else {
					w.confirmWrite(p, wr)
				}
			}
			for len(p.queue) > 0 {
				w.uploadBatch(p, fateDeliver)
			}
		}
		w.check()
	}
	w.site.Clock.Advance(w.cfg.ReversalDelay + w.cfg.WriteUnknownAfter + time.Second)
	if _, err := w.site.Svc.ApplyDueReversals(w.ctx); err != nil {
		w.fatalf("drain: reversal worker: %v", err)
	}
	w.check()
	// The desk settles what it may; what the card cannot prove waits for the exceptions
	// desk, where time opens the last cases (a recharge its POS never finished, a repair
	// left open) and a supervisor decides; a clerk then writes what was approved.
	for round := 0; ; round++ {
		did := false
		for _, c := range w.cards {
			did = w.drainDesk(c) || did
		}
		w.site.Clock.Advance(w.cfg.CaseAfter + time.Second)
		w.check()
		if w.superviseAll() == 0 && !did {
			return
		}
		w.check()
		if round == 20 {
			w.fatalf("drain: the desk and the supervisor never finished")
		}
	}
}

// posBusy: some POS still has a write in doubt or records to upload.
func (w *simWorld) posBusy() bool {
	for _, p := range w.poss {
		if !p.ready() {
			return true
		}
	}
	return false
}
