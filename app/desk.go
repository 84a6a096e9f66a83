package app

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// DeskReason says why a recharge awaits the desk.
type DeskReason string

const (
	DeskCancelReported DeskReason = "cancel_reported" // operator pressed Cancel at 请重刷卡
	DeskWriteUnknown   DeskReason = "write_unknown"   // still pending past the timeout
)

// DeskItem is a booked recharge whose card write the desk must settle.
type DeskItem struct {
	Recharge Recharge
	Reason   DeskReason
	// Repair is the intent of an earlier, unfinished repair (zero if none): the desk must
	// read the card for Repair.Ref before writing anything.
	Repair Repair
	// ReversalPending: a reversal of it is recorded and not yet applied; wait for it.
	ReversalPending bool
	// Hold is why the ledger will not let the desk settle it now, before the card is even
	// read (nil: the card decides). Wait says what an AWAITING_POS_UPLOAD hold waits for.
	Hold *Error
	Wait *POSWait
	// HoldsWritesOnly: Hold stops a write but not recording a credit found on the card.
	HoldsWritesOnly bool
	// Approval is a supervisor's approved write of it (zero if none): it lifts the holds
	// and card verdicts a supervisor may decide, for any clerk but the approver.
	Approval Decision
	liftable bool
}

// RepairRef is the ledger's reference of the desk repair of recharge id, printed on the
// receipt. On the card, a repair carries the recharge's own (terminal, serial), so "is this
// recharge on the card?" has one answer whoever wrote it, the POS or any desk.
func RepairRef(rechargeID int64) string { return fmt.Sprintf("RP%d", rechargeID) }

// AwaitingDesk lists the recharges of a card whose card write the desk must settle: every
// cancel-reported one, and every pending one past the write-unknown timeout (or with an
// unfinished repair). Each says what holds it, if anything does.
func (s *Service) AwaitingDesk(ctx context.Context, actor Actor, cardNo string) ([]DeskItem, error) {
	if err := s.allow(ctx, actor, deskRoles...); err != nil {
		return nil, err
	}
	var out []DeskItem
	err := s.store.View(ctx, func(tx ReadTx) error {
		if _, err := tx.Card(cardNo); err != nil {
			return notFound(err, CodeUnknownCard, "card %s", cardNo)
		}
		rs, err := tx.RechargesAwaitingDesk(cardNo)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		for _, r := range rs {
			item, listed, err := s.deskItem(tx, r, now)
			if err != nil {
				return err
			}
			if listed {
				out = append(out, item)
			}
		}
		return nil
	})
	return out, err
}

// deskItem builds r's desk item; listed is false while its POS may still be finishing it.
func (s *Service) deskItem(tx ReadTx, r Recharge, now time.Time) (DeskItem, bool, error) {
	item := DeskItem{Recharge: r, Reason: DeskCancelReported}
	if rp, err := tx.RepairByRecharge(r.ID); err == nil {
		if rp.State != RepairIntent {
			return item, false, nil
		}
		item.Repair = rp
	} else if !errors.Is(err, ErrNoRow) {
		return item, false, err
	}
	if r.CardWrite == WritePending {
		item.Reason = DeskWriteUnknown
	}
	hold, err := s.ledgerHold(tx, r, item.Repair, now)
	if err != nil {
		return item, false, err
	}
	if hold.err != nil && hold.err.Code == CodeNotAwaitingDesk {
		return item, false, nil
	}
	item.Hold, item.Wait, item.liftable, item.HoldsWritesOnly = hold.err, hold.wait, hold.liftable, hold.writesOnly
	item.ReversalPending = hold.err != nil && hold.err.Code == CodeReversalPending
	if item.Approval, err = approvalOf(tx, r.ID); err != nil {
		return item, false, err
	}
	return item, true, nil
}

// CardSnapshot is what the desk read from the card.
type CardSnapshot struct {
	Balance Fen
	Counter int64
}

// BeginRepair records the intent to settle a recharge's card write at the desk, before the
// card is touched. Exactly one repair exists per recharge: a second call gets the same
// intent back with resumed = true (the desk must then look on the card for its Ref).
func (s *Service) BeginRepair(ctx context.Context, actor Actor, rechargeID int64, card CardSnapshot) (rp Repair, resumed bool, err error) {
	return s.beginRepair(ctx, actor, rechargeID, card, false)
}

// beginRepair is BeginRepair; found says the card already shows the credit, so the repair
// only records it, which a hold on writes does not stop.
// RepairFresh: how long a repair intent is taken to be a write still under way at its desk.
// A desk's write (read again, write, read back) takes well under this.
const RepairFresh = 2 * time.Minute

func (s *Service) beginRepair(ctx context.Context, actor Actor, rechargeID int64, card CardSnapshot, found bool) (rp Repair, resumed bool, err error) {
	if err := s.allow(ctx, actor, deskRoles...); err != nil {
		return Repair{}, false, err
	}
	if ref := checkCard(card.Balance, card.Counter, false); ref != nil {
		return Repair{}, false, ref
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		now := s.clock.Now()
		resumed = false
		r, err := tx.Recharge(rechargeID)
		if err != nil {
			return notFound(err, CodeNotFound, "recharge %d", rechargeID)
		}
		existing, err := tx.RepairByRecharge(r.ID)
		if err == nil && existing.State != RepairIntent {
			return E(CodeAlreadyRepaired, "recharge %d: %s by %s", r.ID, existing.State, existing.Staff)
		} else if err != nil && !errors.Is(err, ErrNoRow) {
			return err
		}
		hold, err := s.ledgerHold(tx, r, existing, now)
		if err != nil {
			return err
		}
		if existing.ID != 0 {
			// The unfinished intent holds the recharge; only a supervisor's decision not to
			// write it stops the desk from resuming.
			if hold.err != nil {
				return hold.err
			}
			// An intent still fresh that another desk began — another clerk's, or the same
			// clerk's logged in at a second desk — is a write under way there (two desks on
			// one recharge, or two copies of one card): wait for it. Only an intent left
			// behind (a crash, a pulled card, a dropped connection) is resumed elsewhere, and
			// then the card decides first what became of it.
			if busy := busyElsewhere(existing, actor, now); busy != nil {
				return busy
			}
			rp, resumed = existing, true
			return nil
		}
		if hold.err != nil && !(found && hold.writesOnly) {
			approval, err := approvalOf(tx, r.ID)
			if err != nil {
				return err
			}
			if !hold.liftable {
				return hold.err
			}
			if ref := lift(hold.err, true, approval, actor); ref != nil {
				return ref
			}
		}
		rp = Repair{RechargeID: r.ID, Ref: RepairRef(r.ID), State: RepairIntent, Staff: actor.User, DeskSession: deskSessionOf(actor),
			CardBalanceBefore: card.Balance, CardCounterBefore: card.Counter, StartedAt: now}
		id, err := tx.InsertRepair(rp)
		if err != nil {
			return err
		}
		rp.ID = id
		if err := tx.LinkRepair(r.ID, id); err != nil {
			return err
		}
		return tx.AppendAudit(AuditEntry{At: now, Actor: actor.User, Action: "repair_intent",
			Subject: fmt.Sprintf("recharge:%d", r.ID), Detail: fmt.Sprintf("card %s balance %d counter %d", r.CardNo, card.Balance, card.Counter)})
	})
	return rp, resumed, err
}

// CompleteRepair records how a repair ended: the desk wrote the credit (RepairWritten) or
// found it already on the card (RepairFoundOnCard). Only the first completion counts; a
// second is refused with ALREADY_REPAIRED and changes nothing.
func (s *Service) CompleteRepair(ctx context.Context, actor Actor, repairID int64, outcome RepairState, after CardSnapshot) (Repair, error) {
	if err := s.allow(ctx, actor, deskRoles...); err != nil {
		return Repair{}, err
	}
	var to CardWrite
	switch outcome {
	case RepairWritten:
		to = WriteRepaired
	case RepairFoundOnCard:
		to = WriteFoundOnCard
	default:
		return Repair{}, E(CodeBadInput, "repair outcome %q", outcome)
	}
	if ref := checkCard(after.Balance, after.Counter, false); ref != nil {
		return Repair{}, ref
	}
	var rp Repair
	err := s.store.Update(ctx, func(tx Tx) error {
		now := s.clock.Now()
		var err error
		rp, err = tx.Repair(repairID)
		if err != nil {
			return notFound(err, CodeNotFound, "repair %d", repairID)
		}
		if rp.State != RepairIntent {
			return E(CodeAlreadyRepaired, "repair %d is %s", rp.ID, rp.State)
		}
		ok, err := tx.FinishRepair(rp.ID, outcome, after.Balance, after.Counter, now)
		if err != nil {
			return err
		}
		if !ok {
			return E(CodeAlreadyRepaired, "repair %d", rp.ID)
		}
		moved, err := tx.SetCardWrite(rp.RechargeID, []CardWrite{WritePending, WriteCancelReported}, to)
		if err != nil {
			return err
		}
		if !moved {
			// Cannot happen while reversals and confirms respect the intent; refuse loudly.
			return E(CodeFurtherActivity, "recharge %d changed during repair %d", rp.RechargeID, rp.ID)
		}
		rp.State, rp.CardBalanceAfter, rp.CardCounterAfter, rp.FinishedAt = outcome, after.Balance, after.Counter, now
		r, err := tx.Recharge(rp.RechargeID)
		if err != nil {
			return err
		}
		if err := rememberCard(tx, CardMemory{CardNo: r.CardNo, Counter: after.Counter, Balance: after.Balance, At: now,
			Source: fmt.Sprintf("repair:%d", rp.ID)}); err != nil {
			return err
		}
		return tx.AppendAudit(AuditEntry{At: now, Actor: actor.User, Action: "repair_" + string(outcome),
			Subject: fmt.Sprintf("recharge:%d", rp.RechargeID), Detail: fmt.Sprintf("repair %d ref %s balance %d counter %d", rp.ID, rp.Ref, after.Balance, after.Counter)})
	})
	return rp, err
}

// RepairOf returns the repair record of a recharge, if any.
func (s *Service) RepairOf(ctx context.Context, actor Actor, rechargeID int64) (Repair, error) {
	return readAs(ctx, s, actor, anyStaff, func(tx ReadTx) (Repair, error) {
		rp, err := tx.RepairByRecharge(rechargeID)
		return rp, notFoundOr(err, CodeNotFound, "repair of recharge %d", rechargeID)
	})
}

func notFoundOr(err error, code Code, what string, args ...any) error {
	if err == nil {
		return nil
	}
	return notFound(err, code, what, args...)
}

// busyElsewhere is the refusal for a desk of repair intent rp when another desk began it
// and may still be writing: fresh, and not this desk session's own. nil when the desk may
// resume it. The repair (beginRepair) and the screen's read (settle) both ask it.
func busyElsewhere(rp Repair, actor Actor, now time.Time) *Error {
	if rp.ID == 0 || rp.State != RepairIntent {
		return nil
	}
	sameDesk := rp.Staff == actor.User && rp.DeskSession == deskSessionOf(actor)
	if sameDesk || now.Sub(rp.StartedAt) >= RepairFresh {
		return nil
	}
	return E(CodeRepairInProgress, "recharge %d: %s began it at %s; another desk may resume it from %s", rp.RechargeID, rp.Staff,
		rp.StartedAt.Format(time.TimeOnly), rp.StartedAt.Add(RepairFresh).Format(time.TimeOnly))
}

// deskSessionOf is how a repair names the desk that began it: the hash of its session, as
// the ledger keeps sessions (never the token).
func deskSessionOf(a Actor) string {
	if a.Session == "" {
		return ""
	}
	return SessionTokenHash(a.Session)
}
