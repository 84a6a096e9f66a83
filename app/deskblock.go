package app

import (
	"errors"
	"fmt"
	"time"
)

// The one home of "may the desk settle this recharge now?". AwaitingDesk, LookAtCard,
// BeginRepair and Repair all ask here, so the screen shows exactly what the use case will
// refuse, and why (docs/rules.md, "The desk").

// POSWait says what a write-unknown recharge waits for: its POS may still send a reversal
// or a confirm of it, until the host hears from that POS with a later serial (rule 6 makes
// a POS send its queue first) or an admin records the POS as retired or replaced.
type POSWait struct {
	DeviceID    string
	Serial      int64         // the recharge's serial: a message above it releases the recharge
	LastContact DeviceContact // the device's last kept message
}

// deskHold is what the ledger alone says about settling r at the desk, before the card is
// read: a refusal, or a wait, or nothing. A supervisor's approved write lifts the holds
// marked liftable.
type deskHold struct {
	err      *Error
	liftable bool
	wait     *POSWait
	// writesOnly: the hold stops a write, not the record of a credit found on the card (a
	// POS that wrote the card had its answer, so it will not reverse).
	writesOnly bool
}

// ledgerHold decides, from the ledger alone, whether the desk may settle r now. intent is
// r's unfinished repair (zero if none): it holds the recharge, so a reversal can no longer
// un-book it and the POS's later word cannot change what the card shows.
func (s *Service) ledgerHold(tx ReadTx, r Recharge, intent Repair, now time.Time) (deskHold, error) {
	if r.Booking == Reversed {
		return deskHold{err: E(CodeAlreadyReversed, "recharge %d", r.ID)}, nil
	}
	switch r.CardWrite {
	case WriteWritten:
		return deskHold{err: E(CodeAlreadyWritten, "recharge %d", r.ID)}, nil
	case WriteRepaired, WriteFoundOnCard:
		return deskHold{err: E(CodeAlreadyRepaired, "recharge %d", r.ID)}, nil
	}
	decisions, err := tx.DecisionsOfRecharge(r.ID)
	if err != nil {
		return deskHold{}, err
	}
	// Decided not to be written: closed or its cash adjusted, unless a write was approved
	// first (a later case of the same recharge closed with it).
	var noWrite *Decision
	for i, d := range decisions {
		if d.Kind == DecideApproveWrite {
			noWrite = nil
			break
		}
		if noWrite == nil {
			noWrite = &decisions[i]
		}
	}
	if noWrite != nil {
		return deskHold{err: E(CodeDecidedNoWrite, "recharge %d: %s by %s: %s", r.ID, noWrite.Kind, noWrite.DecidedBy, noWrite.Reason)}, nil
	}
	if intent.ID != 0 {
		return deskHold{}, nil
	}
	if r.CardWrite == WritePending && r.BookedAt.After(now.Add(-s.cfg.WriteUnknownAfter)) {
		return deskHold{err: E(CodeNotAwaitingDesk, "recharge %d is pending at the POS since %s", r.ID,
			r.BookedAt.In(s.cfg.Location).Format(time.DateTime))}, nil
	}
	revs, err := tx.ReversalsNaming(r.DeviceID, r.Serial)
	if err != nil {
		return deskHold{}, err
	}
	for _, rv := range revs {
		if rv.DeviceID != r.DeviceID {
			continue // another device cannot reverse it (FOREIGN_DEVICE)
		}
		switch rv.Status {
		case RevPending:
			return deskHold{err: E(CodeReversalPending, "recharge %d reversal %d applies after %s", r.ID, rv.ID,
				rv.ApplyAfter.In(s.cfg.Location).Format(time.DateTime))}, nil
		case RevConflict, RevException:
			// Its POS told the operator "reversed": the cash may be back in the cardholder's
			// hand. Only a supervisor can say whether the card should have it.
			return deskHold{err: E(CodeReversalNotDone, "recharge %d reversal %s/%d is %s (%s)", r.ID, rv.DeviceID,
				rv.Serial, rv.Status, rv.Reason), liftable: true}, nil
		}
	}
	if r.CardWrite == WritePending {
		if wait, err := s.posMayStillSend(tx, r); err != nil || wait != nil {
			if err != nil {
				return deskHold{}, err
			}
			return deskHold{err: E(CodeAwaitingPOS, "recharge %d: nothing from %s after serial %d yet (last contact serial %d at %s)",
				r.ID, r.DeviceID, r.Serial, wait.LastContact.Serial, formatWhen(wait.LastContact.At, s.cfg.Location)),
				liftable: true, wait: wait, writesOnly: true}, nil
		}
	}
	return deskHold{}, nil
}

// posMayStillSend returns what a pending recharge waits for, or nil once its POS can no
// longer reverse or confirm it: the host kept a later message from that POS, or the POS's
// journal was recorded as ended at or after the recharge.
func (s *Service) posMayStillSend(tx ReadTx, r Recharge) (*POSWait, error) {
	last, err := tx.DeviceContact(r.DeviceID)
	if err != nil {
		return nil, err
	}
	if last.Serial > r.Serial {
		return nil, nil
	}
	if _, err := tx.JournalEndCovering(r.DeviceID, r.Serial); err == nil {
		return nil, nil
	} else if !errors.Is(err, ErrNoRow) {
		return nil, err
	}
	return &POSWait{DeviceID: r.DeviceID, Serial: r.Serial, LastContact: last}, nil
}

// lift applies a supervisor's approved write to a hold (or to a card-level refusal): it
// lifts what is liftable, but never for the approver — the write needs a second person.
func lift(hold *Error, liftable bool, approval Decision, actor Actor) *Error {
	if hold == nil || !liftable || approval.ID == 0 {
		return hold
	}
	if approval.DecidedBy == actor.User {
		return E(CodeSamePerson, "recharge %d approved by %s", approval.RechargeID, approval.DecidedBy)
	}
	return nil
}

// approvalFor is the approval that may lift the card's own refusal v for item it. A card
// behind the ledger with an open repair intent for the item is never written again under
// an approval: the desk may have written that intent before the card was restored or
// damaged, and the card can no longer show it — writing would credit again what the card
// once had (found by the ledger property test: approved, written with the card pulled
// right after, restored, written again). Such an item waits for a person (the card is
// replaced, or a supervisor decides); an approval lifts the rest.
func approvalFor(approval Decision, v Verdict, it DeskItem) Decision {
	if v.OnCard == BehindLedger && it.Repair.ID != 0 {
		return Decision{}
	}
	return approval
}

// cardHold is what the card on the reader adds: its status, its own block flag, the
// verdict. It returns the refusal and whether an approval may lift it.
func cardHold(ledger Card, c CardOnDesk, v Verdict) (*Error, bool) {
	if ref := cardRefusal(ledger, CardStatusRule.repairs); ref != nil {
		return ref, false
	}
	if c.Blocked() {
		return E(CodeCardBlocked, "card %s", c.CardNo()), false
	}
	switch v.OnCard {
	case BehindLedger:
		return &Error{Code: CodeCardBehindLedger, ZH: "卡数据落后于系统记录,不写卡,请主管处理",
			EN: "the card is behind what the card center knows it reached; nothing written, a supervisor decides", Detail: v.EN}, true
	case CannotTell:
		return &Error{Code: CodeCannotTell, ZH: "无法从卡上判断该笔充值是否已写入,不写卡,请主管处理",
			EN: "the card cannot tell whether this recharge landed; nothing written, a supervisor decides", Detail: v.EN}, true
	}
	return nil, false
}

func formatWhen(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "never"
	}
	return t.In(loc).Format(time.DateTime)
}

// approvalOf returns r's approved write, zero if none.
func approvalOf(tx ReadTx, rechargeID int64) (Decision, error) {
	d, err := tx.ApprovalOf(rechargeID)
	if errors.Is(err, ErrNoRow) {
		return Decision{}, nil
	}
	if err != nil {
		return Decision{}, fmt.Errorf("approval of recharge %d: %w", rechargeID, err)
	}
	return d, nil
}
