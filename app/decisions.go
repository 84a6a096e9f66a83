package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// A supervisor's decisions at the exceptions desk. Each is a record of its own, audited,
// and never edits the case's facts; one decision closes a case (docs/rules.md, "The
// exceptions desk").

// MaxReasonRunes bounds a decision's reason.
const MaxReasonRunes = 200

// DecisionInput is what a supervisor decides about the case with key CaseKey.
type DecisionInput struct {
	CaseKey string
	Kind    DecisionKind
	// RechargeID: the recharge an approved write is for (0: the case's own).
	RechargeID int64
	// OperatorID and Amount: the cash adjustment (长短款); 0: the case's operator.
	OperatorID int64
	Amount     Fen
	Reason     string
}

// Decide records a supervisor's decision on an open case.
func (s *Service) Decide(ctx context.Context, actor Actor, in DecisionInput) (Decision, error) {
	if err := s.allow(ctx, actor, financeRoles...); err != nil {
		return Decision{}, err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Reason == "" {
		return Decision{}, E(CodeReasonRequired, "case %s", in.CaseKey)
	}
	if utf8.RuneCountInString(in.Reason) > MaxReasonRunes || !utf8.ValidString(in.Reason) {
		return Decision{}, E(CodeBadInput, "reason: at most %d characters", MaxReasonRunes)
	}
	var d Decision
	err := s.store.Update(ctx, func(tx Tx) error {
		now := s.clock.Now()
		if prev, err := tx.DecisionOf(in.CaseKey); err == nil {
			return E(CodeCaseDecided, "case %s: %s by %s", in.CaseKey, prev.Kind, prev.DecidedBy)
		} else if !errors.Is(err, ErrNoRow) {
			return err
		}
		c, err := s.findCase(tx, in.CaseKey, now)
		if err != nil {
			return err
		}
		d = Decision{CaseKey: c.Key(), Kind: in.Kind, Reason: in.Reason, DecidedBy: actor.User, DecidedAt: now}
		detail := ""
		if c.RechargeID != 0 {
			d.RechargeID = c.RechargeID
			if err := s.decidable(tx, c.RechargeID, now); err != nil {
				return err
			}
		}
		switch in.Kind {
		case DecideClose:
			detail = "closed: " + in.Reason
		case DecideApproveWrite:
			r, err := s.approvable(tx, c, in.RechargeID, now)
			if err != nil {
				return err
			}
			d.RechargeID = r.ID
			detail = fmt.Sprintf("approved writing recharge %d (%s/%d, %s, card %s): %s", r.ID, r.DeviceID, r.Serial,
				FormatYuan(r.Amount), r.CardNo, in.Reason)
		case DecideAdjustment:
			op, err := s.adjustedOperator(tx, c, in.OperatorID)
			if err != nil {
				return err
			}
			if c.RechargeID != 0 {
				// One recharge's cash is adjusted once, whichever of its cases asks.
				ds, err := tx.DecisionsOfRecharge(c.RechargeID)
				if err != nil {
					return err
				}
				for _, prev := range ds {
					if prev.Kind == DecideAdjustment {
						return E(CodeCaseDecided, "recharge %d already has a cash adjustment (%s, %s)", c.RechargeID, prev.CaseKey, prev.DecidedBy)
					}
				}
			}
			if in.Amount == 0 || in.Amount < -MaxPurse || in.Amount > MaxPurse {
				return E(CodeBadInput, "adjustment %d fen: not zero, at most %s yuan either way", in.Amount, FormatYuan(MaxPurse))
			}
			day, err := s.openDay(tx, now)
			if err != nil {
				return err
			}
			d.OperatorID, d.Amount, d.Day = op.ID, in.Amount, day
			detail = fmt.Sprintf("cash adjustment %s yuan for operator %s on %s: %s", FormatYuan(in.Amount), op.OpNo, day, in.Reason)
		default:
			return E(CodeBadInput, "decision %q", in.Kind)
		}
		id, err := tx.InsertDecision(d)
		if errors.Is(err, ErrDuplicate) {
			return E(CodeCaseDecided, "case %s, or its recharge already has an approved write", c.Key())
		} else if err != nil {
			return err
		}
		d.ID = id
		return tx.AppendAudit(AuditEntry{At: now, Actor: actor.User, Action: "case_" + string(in.Kind), Subject: c.Key(), Detail: detail})
	})
	return d, err
}

// findCase finds an open case by key, stored or derived.
func (s *Service) findCase(tx ReadTx, key string, now time.Time) (ExceptionCase, error) {
	kind, subject, ok := splitKey(key)
	if !ok {
		return ExceptionCase{}, E(CodeNotFound, "case %q", key)
	}
	switch kind {
	case CaseWriteUnknownOverdue, CaseRepairIntentOpen:
		cs, err := s.derivedCases(tx, now)
		if err != nil {
			return ExceptionCase{}, err
		}
		for _, c := range cs {
			if c.Key() == key {
				return c, nil
			}
		}
		// Gone: its condition ended, or another case of its recharge was decided.
		return ExceptionCase{}, E(CodeCaseDecided, "case %s is no longer open", key)
	}
	c, err := tx.Case(kind, subject)
	return c, notFoundOr(err, CodeNotFound, "case %s", key)
}

// decidable refuses a decision on a recharge whose own messages are about to settle it: a
// reversal already on its way, or a POS still finishing it.
func (s *Service) decidable(tx ReadTx, rechargeID int64, now time.Time) error {
	r, err := tx.Recharge(rechargeID)
	if err != nil {
		return notFound(err, CodeNotFound, "recharge %d", rechargeID)
	}
	if r.Booking != Booked || (r.CardWrite != WritePending && r.CardWrite != WriteCancelReported) {
		return nil
	}
	intent, err := tx.RepairByRecharge(r.ID)
	if err != nil && !errors.Is(err, ErrNoRow) {
		return err
	}
	hold, err := s.ledgerHold(tx, r, intent, now)
	if err != nil {
		return err
	}
	if hold.err != nil && (hold.err.Code == CodeReversalPending || hold.err.Code == CodeNotAwaitingDesk) {
		return hold.err
	}
	return nil
}

// approvable is the recharge an approved write of case c may name: one of the case's card
// that still awaits the desk, with no write, reversal or repair finished since.
func (s *Service) approvable(tx Tx, c ExceptionCase, rechargeID int64, now time.Time) (Recharge, error) {
	if rechargeID == 0 {
		rechargeID = c.RechargeID
	}
	if rechargeID == 0 {
		return Recharge{}, E(CodeNotApprovable, "case %s names no recharge; choose one of card %s", c.Key(), c.CardNo)
	}
	r, err := tx.Recharge(rechargeID)
	if err != nil {
		return Recharge{}, notFound(err, CodeNotFound, "recharge %d", rechargeID)
	}
	if c.CardNo != "" && r.CardNo != c.CardNo {
		return Recharge{}, E(CodeNotApprovable, "recharge %d is card %s, the case is card %s", r.ID, r.CardNo, c.CardNo)
	}
	if r.Booking != Booked || (r.CardWrite != WritePending && r.CardWrite != WriteCancelReported) {
		return Recharge{}, E(CodeNotApprovable, "recharge %d is %s, %s", r.ID, r.Booking, r.CardWrite)
	}
	if ds, err := tx.DecisionsOfRecharge(r.ID); err != nil {
		return Recharge{}, err
	} else if len(ds) > 0 {
		return Recharge{}, E(CodeNotApprovable, "recharge %d was decided on already (%s by %s)", r.ID, ds[0].Kind, ds[0].DecidedBy)
	}
	if rp, err := tx.RepairByRecharge(r.ID); err == nil && rp.State != RepairIntent {
		return Recharge{}, E(CodeNotApprovable, "recharge %d was %s at the desk", r.ID, rp.State)
	} else if err != nil && !errors.Is(err, ErrNoRow) {
		return Recharge{}, err
	}
	intent, _ := tx.RepairByRecharge(r.ID)
	hold, err := s.ledgerHold(tx, r, intent, now)
	if err != nil {
		return Recharge{}, err
	}
	if hold.err != nil && !hold.liftable {
		// A pending reversal is about to decide it; a young pending one is its POS's to finish.
		return Recharge{}, hold.err
	}
	return r, nil
}

// adjustedOperator is the operator whose cash a case's adjustment changes: the one given,
// else the operator of the case's recharge.
func (s *Service) adjustedOperator(tx ReadTx, c ExceptionCase, operatorID int64) (Operator, error) {
	if operatorID == 0 && c.RechargeID != 0 {
		r, err := tx.Recharge(c.RechargeID)
		if err != nil {
			return Operator{}, fmt.Errorf("recharge %d: %w", c.RechargeID, err)
		}
		operatorID = r.OperatorID
	}
	if operatorID == 0 {
		return Operator{}, E(CodeBadInput, "case %s names no operator; choose one", c.Key())
	}
	op, err := tx.Operator(operatorID)
	return op, notFoundOr(err, CodeNotFound, "operator %d", operatorID)
}

// openDay is the settlement day something decided now counts on: today, or the day after
// the last settled one if the clock is behind it.
func (s *Service) openDay(tx ReadTx, now time.Time) (string, error) {
	day := s.cfg.SettleDay(now)
	last, any, err := tx.LastSettledDay()
	if err != nil {
		return "", err
	}
	if any && day <= last {
		day = NextDay(last)
	}
	return day, nil
}
