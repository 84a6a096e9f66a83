package pos_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/pos"
	"cardcenter/app/posapi"
)

// clockSteps are POS clock steps beyond the host's replay window, both ways: an NTP step
// of minutes, an RTC reset of hours.
var clockSteps = []time.Duration{posapi.ReplayWindow + time.Minute, -(posapi.ReplayWindow + time.Minute), 3 * time.Hour, -3 * time.Hour, 26 * time.Hour}

// eachClockStep runs test once for every step of clockSteps, each in a new world.
func eachClockStep(t *testing.T, test func(t *testing.T, step time.Duration, w *world)) {
	for _, step := range clockSteps {
		t.Run(fmt.Sprintf("step %v", step), func(t *testing.T) { test(t, step, newWorld(t)) })
	}
}

// The auditor's sequence (issue 8.1): a recharge's answer is lost; before the reversal goes
// out, the POS clock steps by more than the replay window; the host answers the reversal
// with a signed STALE_TIMESTAMP. The POS must neither drop the reversal nor need an operator:
// it learns the host's time from the signed answer and sends the reversal again, the host
// records it and applies it after its delay, and the recharge ends reversed.
func TestQueuedReversalSurvivesAPOSClockStep(t *testing.T) {
	eachClockStep(t, func(t *testing.T, step time.Duration, w *world) {
		ctx := context.Background()
		w.ready()
		rechargeSerial := w.term.State().NextSerial
		w.host.dropNext = map[string]int{"recharge": 1}
		w.host.afterAnswer = func(kind string) {
			if kind == "recharge" {
				w.clock.Step(step)
			}
		}
		if _, err := w.term.Recharge(ctx, 100); !errors.Is(err, pos.CodeTimeout) {
			t.Fatalf("want RECHARGE_TIMEOUT with the reversal acknowledged, got %v", err)
		}
		if q := w.term.State().Queue; len(q) != 0 {
			t.Fatalf("reversal still queued: %+v", q)
		}
		if n := w.site.Count(`SELECT COUNT(*) FROM reversals WHERE device_id = 'P1' AND orig_serial = ?`, rechargeSerial); n != 1 {
			t.Fatalf("the host recorded %d reversals of serial %d, want 1: the POS dropped it", n, rechargeSerial)
		}
		w.site.Clock.Advance(w.site.Cfg.ReversalDelay)
		if n, err := w.site.Svc.ApplyDueReversals(ctx); err != nil || n != 1 {
			t.Fatalf("applied %d reversals: %v", n, err)
		}
		r, ok := w.site.RechargeByKey("P1", rechargeSerial)
		if !ok || r.Booking != app.Reversed {
			t.Fatalf("recharge %d: found %v, booking %q, want reversed", rechargeSerial, ok, r.Booking)
		}
		if c := w.report().Total.Cash(); c != 0 {
			t.Fatalf("cash %d after a reversed timeout", c)
		}
		w.noneAwaitsDesk(w.site.Cfg.WriteUnknownAfter+time.Minute, "the desk is offered a reversed recharge")
	})
}

// The same for a queued cancel: Cancel at 请重刷卡 after the POS clock stepped is recorded,
// and the recharge awaits the desk as cancel-reported.
func TestQueuedCancelSurvivesAPOSClockStep(t *testing.T) {
	eachClockStep(t, func(t *testing.T, step time.Duration, w *world) {
		ctx := context.Background()
		w.tornRecharge(40)
		w.clock.Step(step)
		if err := w.term.CancelRetap(ctx); err != nil {
			t.Fatal(err)
		}
		if q := w.term.State().Queue; len(q) != 0 {
			t.Fatalf("cancel still queued: %+v", q)
		}
		if r := w.report(); r.Total.Cancels != 1 || r.Total.Cash() != 40*app.Yuan {
			t.Fatalf("the host holds %d cancels (want 1), cash %d: %+v", r.Total.Cancels, r.Total.Cash(), r.Total)
		}
		items, err := w.site.Svc.AwaitingDesk(ctx, app.SystemActor, apptest.UserCard(0))
		if err != nil || len(items) != 1 || items[0].Reason != app.DeskCancelReported {
			t.Fatalf("desk: %+v %v", items, err)
		}
	})
}

// The same for a confirm: whether the clock steps before the confirm right after the card
// write, or while a lost confirm waits in the journal, the host ends with the write
// confirmed, and the desk never sees it as write-unknown.
func TestQueuedConfirmSurvivesAPOSClockStep(t *testing.T) {
	for _, step := range clockSteps {
		for _, lostFirst := range []bool{false, true} {
			t.Run(fmt.Sprintf("step %v lost first %v", step, lostFirst), func(t *testing.T) {
				w := newWorld(t)
				ctx := context.Background()
				w.ready()
				serial := w.term.State().NextSerial
				if lostFirst {
					w.host.dropNext = map[string]int{"confirm": 1}
				} else {
					w.host.afterAnswer = func(kind string) {
						if kind == "recharge" {
							w.clock.Step(step)
						}
					}
				}
				if _, err := w.term.Recharge(ctx, 60); err != nil {
					t.Fatal(err)
				}
				if lostFirst {
					w.clock.Step(step)
					if _, err := w.term.Summary(ctx); err != nil {
						t.Fatalf("summary after the clock step: %v", err)
					}
				}
				if u := w.term.State().Unconfirmed; len(u) != 0 {
					t.Fatalf("confirm still queued: %+v", u)
				}
				if r, _ := w.site.RechargeByKey("P1", serial); r.CardWrite != app.WriteWritten {
					t.Fatalf("recharge %d card write %q, want written: the POS dropped its confirm", serial, r.CardWrite)
				}
				w.noneAwaitsDesk(w.site.Cfg.WriteUnknownAfter+time.Minute, "a confirmed recharge")
			})
		}
	}
}

// A recharge sent with a stepped clock: the signed STALE_TIMESTAMP proves nothing was booked
// (the host refuses it before any use case), so the POS sends the same message, same serial,
// with the host's time at once; it is booked once and written once, with no reversal.
func TestRechargeAfterAPOSClockStepIsBookedOnce(t *testing.T) {
	eachClockStep(t, func(t *testing.T, step time.Duration, w *world) {
		ctx := context.Background()
		w.ready()
		w.clock.Step(step)
		out, err := w.term.Recharge(ctx, 30)
		if err != nil {
			t.Fatalf("recharge after a clock step: %v", err)
		}
		if got := w.balance(apptest.UserCard(0)); got != 30*app.Yuan || out.BalanceAfter != got {
			t.Fatalf("card balance %d, outcome %+v", got, out)
		}
		r := w.report()
		if r.Total.Recharges.Count != 1 || r.Total.Cash() != 30*app.Yuan {
			t.Fatalf("report %+v", r.Total)
		}
		if n := w.site.Count(`SELECT COUNT(*) FROM reversals`); n != 0 {
			t.Fatalf("%d reversals of an answered recharge", n)
		}
	})
}
