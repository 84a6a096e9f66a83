package app_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
)

// cancelled books a recharge on P1 and cancels it: it awaits the desk at once.
func cancelled(t *testing.T, s *apptest.Site, sess apptest.Session, card string, amount app.Fen) app.RechargeResult {
	t.Helper()
	req, res := s.Recharge(sess, card, amount)
	c, err := s.Svc.Cancel(ctx, app.CancelRequest{DeviceID: req.DeviceID, Serial: s.NextSerial(req.DeviceID), OrigSerial: req.Serial,
		CardNo: req.CardNo, Amount: req.Amount})
	must(t, err)
	if c.Status != app.CancelRecorded {
		t.Fatalf("cancel %+v", c)
	}
	return res
}

func deskIDs(t *testing.T, s *apptest.Site, card string) []string {
	t.Helper()
	items, err := s.Svc.AwaitingDesk(ctx, app.SystemActor, card)
	must(t, err)
	var out []string
	for _, it := range items {
		out = append(out, fmt.Sprintf("%d:%s", it.Recharge.ID, it.Reason))
	}
	return out
}

func TestDesk_AwaitingListsCancelReportedAndWriteUnknown(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	sess := s.Authorize("P1", 0)
	card := apptest.UserCard(0)
	// Reversed: never at the desk.
	reqRev, _ := s.Recharge(sess, card, 40*yuan)
	_, err := s.Svc.Reverse(ctx, app.ReverseRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: reqRev.Serial, CardNo: card, Amount: reqRev.Amount})
	must(t, err)
	s.Clock.Advance(s.Cfg.ReversalDelay)
	_, err = s.Svc.ApplyDueReversals(ctx)
	must(t, err)

	c := cancelled(t, s, sess, card, 10*yuan)
	_, pending := s.Recharge(sess, card, 20*yuan)
	reqW, _ := s.Recharge(sess, card, 30*yuan)
	_, err = s.Svc.Confirm(ctx, app.ConfirmRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: reqW.Serial, CardNo: card, Amount: reqW.Amount})
	must(t, err)
	cancelled(t, s, sess, apptest.UserCard(1), 50*yuan) // another card's

	want := []string{fmt.Sprintf("%d:%s", c.RechargeID, app.DeskCancelReported)}
	if got := deskIDs(t, s, card); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("fresh: %v, want %v (a fresh pending recharge is the POS's)", got, want)
	}
	s.Clock.Advance(s.Cfg.WriteUnknownAfter - time.Second)
	if got := deskIDs(t, s, card); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("just before the timeout: %v, want %v", got, want)
	}
	s.Clock.Advance(time.Second)
	want = append(want, fmt.Sprintf("%d:%s", pending.RechargeID, app.DeskWriteUnknown))
	if got := deskIDs(t, s, card); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("at the timeout: %v, want %v", got, want)
	}
	// A fresh pending recharge cannot be taken by the desk either.
	_, fresh := s.Recharge(sess, card, 60*yuan)
	_, _, err = s.Svc.BeginRepair(ctx, s.Clerk, fresh.RechargeID, app.CardSnapshot{})
	wantCode(t, err, app.CodeNotAwaitingDesk)
	_, err = s.Svc.AwaitingDesk(ctx, app.SystemActor, "U404")
	wantCode(t, err, app.CodeUnknownCard)
}

func TestDesk_RepairExactlyOnce(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	sess := s.Authorize("P1", 0)
	card := apptest.UserCard(0)
	res := cancelled(t, s, sess, card, 50*yuan)
	cash := reportOf(t, s, today, today).Total.Cash()

	rp, resumed, err := s.Svc.BeginRepair(ctx, s.Clerk, res.RechargeID, app.CardSnapshot{Balance: 5 * yuan, Counter: 3})
	must(t, err)
	if resumed || rp.State != app.RepairIntent || rp.Ref != app.RepairRef(res.RechargeID) || rp.Staff != "clerk1" ||
		rp.CardBalanceBefore != 5*yuan || rp.CardCounterBefore != 3 || rp.RechargeID != res.RechargeID {
		t.Fatalf("intent %+v resumed %t", rp, resumed)
	}
	// Another clerk is turned away while the first one's write may still be under way (two
	// desks, or two copies of the card); once it is stale (the first one's screen crashed)
	// the other clerk gets the same intent back.
	other := s.Staff("clerk2", app.RoleClerk)
	_, _, err = s.Svc.BeginRepair(ctx, other, res.RechargeID, app.CardSnapshot{Balance: 5 * yuan, Counter: 3})
	wantCode(t, err, app.CodeRepairInProgress)
	s.Clock.Advance(app.RepairFresh)
	rp2, resumed, err := s.Svc.BeginRepair(ctx, other, res.RechargeID, app.CardSnapshot{Balance: 5 * yuan, Counter: 3})
	must(t, err)
	if !resumed || rp2.ID != rp.ID || rp2.Staff != "clerk1" || rp2.Ref != rp.Ref {
		t.Fatalf("second begin %+v resumed %t, first %+v", rp2, resumed, rp)
	}
	items, err := s.Svc.AwaitingDesk(ctx, app.SystemActor, card)
	must(t, err)
	if len(items) != 1 || items[0].Repair.ID != rp.ID {
		t.Fatalf("desk shows %+v: the unfinished intent must be visible", items)
	}
	// The POS cannot slip a confirm in while the desk holds the card.
	orig := s.RechargeOf(res.RechargeID)
	_, err = s.Svc.Confirm(ctx, app.ConfirmRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: orig.Serial, CardNo: card, Amount: orig.Amount})
	wantCode(t, err, app.CodeRepairInProgress)

	done, err := s.Svc.CompleteRepair(ctx, s.Clerk, rp.ID, app.RepairWritten, app.CardSnapshot{Balance: 55 * yuan, Counter: 4})
	must(t, err)
	if done.State != app.RepairWritten || done.CardBalanceAfter != 55*yuan || done.CardCounterAfter != 4 || !done.FinishedAt.Equal(s.Clock.Now()) {
		t.Fatalf("done %+v", done)
	}
	if r := s.RechargeOf(res.RechargeID); r.CardWrite != app.WriteRepaired || r.Booking != app.Booked || r.RepairID != rp.ID {
		t.Fatalf("recharge %+v", r)
	}
	if got := reportOf(t, s, today, today).Total.Cash(); got != cash {
		t.Fatalf("a repair changed the cash: %d → %d", cash, got)
	}
	before := s.Ledger()
	_, err = s.Svc.CompleteRepair(ctx, other, rp.ID, app.RepairFoundOnCard, app.CardSnapshot{Balance: 55 * yuan, Counter: 4})
	wantCode(t, err, app.CodeAlreadyRepaired)
	_, _, err = s.Svc.BeginRepair(ctx, other, res.RechargeID, app.CardSnapshot{})
	wantCode(t, err, app.CodeAlreadyRepaired)
	if after := s.Ledger(); after != before {
		t.Fatalf("a second completion changed something:\n%+v\n%+v", before, after)
	}
	if got, err := s.Svc.RepairOf(ctx, app.SystemActor, res.RechargeID); err != nil || got.State != app.RepairWritten || got.CardBalanceAfter != 55*yuan {
		t.Fatalf("stored repair %+v, %v", got, err)
	}
	if items, _ := s.Svc.AwaitingDesk(ctx, app.SystemActor, card); len(items) != 0 {
		t.Fatalf("still awaiting: %+v", items)
	}

	// The other ending: the desk finds the credit already on the card (write unknown). The
	// POS has since sent a later message, so it will neither reverse nor confirm it.
	_, res2 := s.Recharge(sess, card, 20*yuan)
	s.Clock.Advance(s.Cfg.WriteUnknownAfter)
	_, _, err = s.Svc.BeginRepair(ctx, s.Clerk, res2.RechargeID, app.CardSnapshot{Balance: 75 * yuan, Counter: 5})
	wantCode(t, err, app.CodeAwaitingPOS)
	s.Recharge(sess, apptest.UserCard(1), 10*yuan)
	rp3, _, err := s.Svc.BeginRepair(ctx, s.Clerk, res2.RechargeID, app.CardSnapshot{Balance: 75 * yuan, Counter: 5})
	must(t, err)
	_, err = s.Svc.CompleteRepair(ctx, s.Clerk, rp3.ID, "intent", app.CardSnapshot{})
	wantCode(t, err, app.CodeBadInput)
	_, err = s.Svc.CompleteRepair(ctx, s.Clerk, rp3.ID, app.RepairFoundOnCard, app.CardSnapshot{Balance: 75 * yuan, Counter: 5})
	must(t, err)
	if r := s.RechargeOf(res2.RechargeID); r.CardWrite != app.WriteFoundOnCard || r.Booking != app.Booked {
		t.Fatalf("recharge %+v", r)
	}
	l := s.Ledger()
	if l.Repairs != 2 || l.RepairsDone != 2 || l.Repaired != 1 || l.FoundOnCard != 1 {
		t.Fatalf("ledger %+v", l)
	}
}

// Many desks press Begin and Complete on the same recharges at once: exactly one repair
// per recharge. Run under -race.
func TestDesk_ConcurrentRepairYieldsExactlyOne(t *testing.T) {
	s := apptest.New(t, apptest.Options{Cards: 3})
	sess := s.Authorize("P1", 0)
	var ids []int64
	for i := 0; i < 3; i++ {
		ids = append(ids, cancelled(t, s, sess, apptest.UserCard(i), app.Fen(10*(i+1))*yuan).RechargeID)
	}
	const desks = 12
	type outcome struct {
		recharge, repair int64
		beginErr         error
		completeErr      error
	}
	clerks := make([]app.Actor, desks)
	for d := range clerks {
		clerks[d] = s.Staff(fmt.Sprintf("clerk%d", d), app.RoleClerk)
	}
	out := make(chan outcome, desks*len(ids))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, id := range ids {
		for d := 0; d < desks; d++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				actor := clerks[d]
				<-start
				o := outcome{recharge: id}
				rp, _, err := s.Svc.BeginRepair(ctx, actor, id, app.CardSnapshot{Counter: int64(d)})
				o.beginErr = err
				if err == nil {
					o.repair = rp.ID
					outcome := app.RepairWritten
					if d%2 == 1 {
						outcome = app.RepairFoundOnCard
					}
					_, o.completeErr = s.Svc.CompleteRepair(ctx, actor, rp.ID, outcome, app.CardSnapshot{Counter: int64(d) + 1})
				}
				out <- o
			}()
		}
	}
	close(start)
	wg.Wait()
	close(out)
	completed := map[int64]int{}
	repairOf := map[int64]int64{}
	for o := range out {
		if o.beginErr != nil {
			// A desk that came after the completion, or while another clerk's write was
			// under way, is turned away.
			if !errors.Is(o.beginErr, app.CodeAlreadyRepaired) && !errors.Is(o.beginErr, app.CodeRepairInProgress) {
				t.Fatalf("begin: %v, want ALREADY_REPAIRED or REPAIR_IN_PROGRESS", o.beginErr)
			}
			continue
		}
		if prev, ok := repairOf[o.recharge]; ok && prev != o.repair {
			t.Fatalf("recharge %d has two repairs: %d and %d", o.recharge, prev, o.repair)
		}
		repairOf[o.recharge] = o.repair
		if o.completeErr == nil {
			completed[o.recharge]++
		} else {
			wantCode(t, o.completeErr, app.CodeAlreadyRepaired)
		}
	}
	for _, id := range ids {
		if completed[id] != 1 {
			t.Fatalf("recharge %d completed %d times", id, completed[id])
		}
	}
	l := s.Ledger()
	if l.Repairs != 3 || l.RepairsDone != 3 || l.Repaired+l.FoundOnCard != 3 || l.CancelReported != 0 {
		t.Fatalf("ledger %+v", l)
	}
	for _, action := range []string{"repair_intent", "repair_written' OR action = 'repair_found_on_card"} {
		if n := s.Count(`SELECT COUNT(*) FROM audit_log WHERE action = '` + action + `'`); n != 3 {
			t.Fatalf("%d audit entries for %s", n, action)
		}
	}
}

// A reversal and a desk repair of the same recharge: whichever comes second is a no-op
// with a clear reason, never both.
func TestDesk_ReversalVersusRepair(t *testing.T) {
	writeUnknown := func(t *testing.T, s *apptest.Site) (app.RechargeRequest, app.RechargeResult) {
		t.Helper()
		req, res := s.Recharge(s.Authorize("P1", 0), apptest.UserCard(0), 30*yuan)
		s.Clock.Advance(s.Cfg.WriteUnknownAfter)
		return req, res
	}
	// journalLost: an admin records that P1 was replaced and its queue lost, which is what
	// lets the desk take a write-unknown recharge the POS never answered for. If the old
	// POS's reversal turns up after all, it cannot undo what the desk did.
	journalLost := func(t *testing.T, s *apptest.Site) {
		t.Helper()
		_, err := s.Svc.EndDeviceJournal(ctx, s.Admin, "P1", app.JournalReplaced, "old POS broken, journal lost")
		must(t, err)
	}
	reverse := func(t *testing.T, s *apptest.Site, req app.RechargeRequest) app.ReverseResult {
		t.Helper()
		ack, err := s.Svc.Reverse(ctx, app.ReverseRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: req.Serial, CardNo: req.CardNo, Amount: req.Amount})
		must(t, err)
		return ack
	}

	t.Run("reversal first: the repair is refused", func(t *testing.T) {
		s := apptest.New(t, apptest.Options{})
		req, res := writeUnknown(t, s)
		reverse(t, s, req)
		// While it waits the desk sees the recharge but may not touch it.
		items, err := s.Svc.AwaitingDesk(ctx, app.SystemActor, req.CardNo)
		must(t, err)
		if len(items) != 1 || !items[0].ReversalPending {
			t.Fatalf("desk %+v: want the recharge flagged reversal pending", items)
		}
		_, _, err = s.Svc.BeginRepair(ctx, s.Clerk, res.RechargeID, app.CardSnapshot{})
		wantCode(t, err, app.CodeReversalPending)
		s.Clock.Advance(s.Cfg.ReversalDelay)
		_, _, err = s.Svc.BeginRepair(ctx, s.Clerk, res.RechargeID, app.CardSnapshot{}) // due, worker not run yet
		wantCode(t, err, app.CodeReversalPending)
		_, err = s.Svc.ApplyDueReversals(ctx)
		must(t, err)
		_, _, err = s.Svc.BeginRepair(ctx, s.Clerk, res.RechargeID, app.CardSnapshot{})
		wantCode(t, err, app.CodeAlreadyReversed)
		if l := s.Ledger(); l.Repairs != 0 || l.Reversed != 1 {
			t.Fatalf("ledger %+v", l)
		}
		if items, _ := s.Svc.AwaitingDesk(ctx, app.SystemActor, req.CardNo); len(items) != 0 {
			t.Fatalf("a reversed recharge at the desk: %+v", items)
		}
	})

	for _, completeFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("repair first (completed before the reversal: %t): the reversal is a conflict", completeFirst), func(t *testing.T) {
			s := apptest.New(t, apptest.Options{})
			req, res := writeUnknown(t, s)
			journalLost(t, s)
			rp, _, err := s.Svc.BeginRepair(ctx, s.Clerk, res.RechargeID, app.CardSnapshot{})
			must(t, err)
			if completeFirst {
				_, err = s.Svc.CompleteRepair(ctx, s.Clerk, rp.ID, app.RepairWritten, app.CardSnapshot{Balance: 30 * yuan, Counter: 2})
				must(t, err)
			}
			ack := reverse(t, s, req)
			s.Clock.Advance(s.Cfg.ReversalDelay)
			n, err := s.Svc.ApplyDueReversals(ctx)
			must(t, err)
			if n != 1 {
				t.Fatalf("processed %d", n)
			}
			if rv := s.ReversalOf(ack.ReversalID); rv.Status != app.RevConflict || rv.Reason != app.CodeFurtherActivity {
				t.Fatalf("reversal %+v", rv)
			}
			if !completeFirst {
				_, err = s.Svc.CompleteRepair(ctx, s.Clerk, rp.ID, app.RepairWritten, app.CardSnapshot{Balance: 30 * yuan, Counter: 2})
				must(t, err)
			}
			if r := s.RechargeOf(res.RechargeID); r.Booking != app.Booked || r.CardWrite != app.WriteRepaired {
				t.Fatalf("recharge %+v", r)
			}
			if tot := reportOf(t, s, today, today).Total; tot.Cash() != 30*yuan || tot.Reversals.Count != 0 {
				t.Fatalf("report %+v", tot)
			}
		})
	}

	t.Run("racing: exactly one of them takes effect", func(t *testing.T) {
		s := apptest.New(t, apptest.Options{Cards: 8, Config: func(c *app.Config) { c.ReversalDelay = 0 }})
		sess := s.Authorize("P1", 0)
		var reqs []app.RechargeRequest
		var ids []int64
		for i := 0; i < 8; i++ {
			req, res := s.Recharge(sess, apptest.UserCard(i), 10*yuan)
			reqs, ids = append(reqs, req), append(ids, res.RechargeID)
		}
		s.Clock.Advance(s.Cfg.WriteUnknownAfter)
		journalLost(t, s)
		serials := make([]int64, len(reqs))
		for i := range reqs {
			serials[i] = s.NextSerial("P1")
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, req := range reqs {
			wg.Add(2)
			go func() {
				defer wg.Done()
				<-start
				_, err := s.Svc.Reverse(ctx, app.ReverseRequest{DeviceID: "P1", Serial: serials[i], OrigSerial: req.Serial, CardNo: req.CardNo, Amount: req.Amount})
				if err == nil {
					_, err = s.Svc.ApplyDueReversals(ctx)
				}
				if err != nil {
					t.Error(err)
				}
			}()
			go func() {
				defer wg.Done()
				<-start
				rp, _, err := s.Svc.BeginRepair(ctx, s.Clerk, ids[i], app.CardSnapshot{})
				if err != nil {
					if e, ok := app.AsError(err); !ok || (e.Code != app.CodeReversalPending && e.Code != app.CodeAlreadyReversed) {
						t.Errorf("begin: %v", err)
					}
					return
				}
				if _, err := s.Svc.CompleteRepair(ctx, s.Clerk, rp.ID, app.RepairWritten, app.CardSnapshot{}); err != nil {
					t.Errorf("complete: %v", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		_, err := s.Svc.ApplyDueReversals(ctx)
		must(t, err)
		for _, id := range ids {
			r := s.RechargeOf(id)
			reversed, repaired := r.Booking == app.Reversed, r.CardWrite == app.WriteRepaired
			if reversed == repaired {
				t.Fatalf("recharge %d: reversed %t, repaired %t — want exactly one", id, reversed, repaired)
			}
		}
		l := s.Ledger()
		if l.Reversed+l.Repaired != 8 || l.ReversalsPending != 0 {
			t.Fatalf("ledger %+v", l)
		}
		t.Logf("%d reversed, %d repaired", l.Reversed, l.Repaired)
	})
}

func TestDesk_RolesAndUnknownIDs(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	res := cancelled(t, s, s.Authorize("P1", 0), apptest.UserCard(0), 10*yuan)
	sup := s.Staff("boss", app.RoleSupervisor)
	before := s.Ledger()
	_, _, err := s.Svc.BeginRepair(ctx, sup, res.RechargeID, app.CardSnapshot{})
	wantCode(t, err, app.CodePermission)
	_, _, err = s.Svc.BeginRepair(ctx, app.Actor{User: "nobody"}, res.RechargeID, app.CardSnapshot{})
	wantCode(t, err, app.CodeSessionEnded)
	if after := s.Ledger(); after != before {
		t.Fatalf("a refused repair changed the ledger:\n%+v\n%+v", before, after)
	}
	rp, _, err := s.Svc.BeginRepair(ctx, s.Admin, res.RechargeID, app.CardSnapshot{})
	must(t, err)
	_, err = s.Svc.CompleteRepair(ctx, sup, rp.ID, app.RepairWritten, app.CardSnapshot{})
	wantCode(t, err, app.CodePermission)
	if got, _ := s.Svc.RepairOf(ctx, app.SystemActor, res.RechargeID); got.State != app.RepairIntent {
		t.Fatalf("a supervisor completed a repair: %+v", got)
	}
	_, _, err = s.Svc.BeginRepair(ctx, s.Clerk, 9999, app.CardSnapshot{})
	wantCode(t, err, app.CodeNotFound)
	_, err = s.Svc.CompleteRepair(ctx, s.Clerk, 9999, app.RepairWritten, app.CardSnapshot{})
	wantCode(t, err, app.CodeNotFound)
	_, err = s.Svc.RepairOf(ctx, app.SystemActor, 9999)
	wantCode(t, err, app.CodeNotFound)
}

// The same clerk logged in at two desks is two desks: while the intent one desk began is
// fresh, the clerk's other desk is turned away as another clerk's would be (its card may be a
// copy, or the other desk may still be writing); only the desk that began it resumes it at
// once, after a torn write. Found by two desks in tmux with one account: the second desk
// resumed the first's intent, found no Ref on its copy of the card and wrote it too.
func TestDesk_SameClerkOnTwoDesksWaitsForTheOther(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	sess := s.Authorize("P1", 0)
	res := cancelled(t, s, sess, apptest.UserCard(0), 50*yuan)
	deskA, err := s.Svc.Login(ctx, "clerk1", "clerk-pass-1")
	must(t, err)
	deskB, err := s.Svc.Login(ctx, "clerk1", "clerk-pass-1")
	must(t, err)
	snap := app.CardSnapshot{Balance: 5 * yuan, Counter: 3}
	rp, _, err := s.Svc.BeginRepair(ctx, deskA, res.RechargeID, snap)
	must(t, err)
	_, _, err = s.Svc.BeginRepair(ctx, deskB, res.RechargeID, snap)
	wantCode(t, err, app.CodeRepairInProgress)
	again, resumed, err := s.Svc.BeginRepair(ctx, deskA, res.RechargeID, snap)
	must(t, err)
	if !resumed || again.ID != rp.ID {
		t.Fatalf("the desk that began it: %+v resumed %t", again, resumed)
	}
	s.Clock.Advance(app.RepairFresh)
	left, resumed, err := s.Svc.BeginRepair(ctx, deskB, res.RechargeID, snap)
	must(t, err)
	if !resumed || left.ID != rp.ID {
		t.Fatalf("an intent left behind: %+v resumed %t", left, resumed)
	}
}

// A fresh intent another desk began shows on this desk's read as what it is — a repair in
// progress elsewhere, nothing to write yet, with the time it may be resumed — by the same
// check the repair makes; the desk that began it may resume it, and anyone once it is stale.
// Before, the read offered the write and only the confirmed repair said REPAIR_IN_PROGRESS.
func TestDesk_AFreshIntentElsewhereIsShownBeforeTheClerkConfirms(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	sess := s.Authorize("P1", 0)
	res := cancelled(t, s, sess, apptest.UserCard(0), 50*yuan)
	r := s.RechargeOf(res.RechargeID)
	s.Staff("clerk2", app.RoleClerk)
	deskA, err := s.Svc.Login(ctx, "clerk1", "clerk-pass-1")
	must(t, err)
	deskB, err := s.Svc.Login(ctx, "clerk2", "clerk2-pass-1")
	must(t, err)
	rd := &regressReader{regressCard{no: r.CardNo, uid: s.CardOf(r.CardNo).UID, balance: r.BalanceBefore, counter: r.CounterBefore}}
	_, _, err = s.Svc.BeginRepair(ctx, deskA, r.ID, app.CardSnapshot{Balance: r.BalanceBefore, Counter: r.CounterBefore})
	must(t, err)
	item := func(a app.Actor) app.DeskItemVerdict {
		t.Helper()
		dc, err := s.Svc.LookAtCard(ctx, a, rd)
		must(t, err)
		if len(dc.Items) != 1 {
			t.Fatalf("%s sees %+v", a.User, dc.Items)
		}
		return dc.Items[0]
	}
	if it := item(deskB); it.Blocker == nil || it.Blocker.Code != app.CodeRepairInProgress || it.Action != app.DeskNoAction {
		t.Fatalf("desk B while desk A's intent is fresh: blocker %v action %d, want REPAIR_IN_PROGRESS and nothing to do", it.Blocker, it.Action)
	}
	_, err = s.Svc.Repair(ctx, deskB, rd, r.ID, rd.card)
	wantCode(t, err, app.CodeRepairInProgress)
	if it := item(deskA); it.Blocker != nil || it.Action != app.DeskWrite {
		t.Fatalf("desk A, its own intent: blocker %v action %d, want the write", it.Blocker, it.Action)
	}
	s.Clock.Advance(app.RepairFresh)
	if it := item(deskB); it.Blocker != nil || it.Action != app.DeskWrite {
		t.Fatalf("desk B once the intent is stale: blocker %v action %d, want the write", it.Blocker, it.Action)
	}
	if _, err := s.Svc.Repair(ctx, deskB, rd, r.ID, rd.card); err != nil {
		t.Fatalf("desk B resumes the stale intent: %v", err)
	}
	if rd.card.balance != r.BalanceBefore+50*yuan {
		t.Fatalf("the card holds %d, want one credit", rd.card.balance)
	}
}
