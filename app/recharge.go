package app

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// RechargeRequest is an online recharge from a recharge POS (rule 2): the card as the POS
// read it, and the amount the operator keyed in.
type RechargeRequest struct {
	DeviceID    string `json:"device_id" limit:"64"`
	Serial      int64  `json:"serial"`
	BatchNo     int64  `json:"batch_no"`
	AuthCode    string `json:"auth_code" limit:"64"`
	CardNo      string `json:"card_no" limit:"64"`
	CardBalance Fen    `json:"card_balance"`
	CardCounter int64  `json:"card_counter"`
	Amount      Fen    `json:"amount"`
}

// RechargeResult approves the recharge: the POS writes BalanceAfter and CounterAfter.
type RechargeResult struct {
	RechargeID   int64     `json:"recharge_id"`
	OperatorNo   string    `json:"operator_no"`
	Amount       Fen       `json:"amount"`
	BalanceAfter Fen       `json:"balance_after"`
	CounterAfter int64     `json:"counter_after"`
	BookedAt     time.Time `json:"booked_at"`
	SettleDay    string    `json:"settle_day"`
}

// Recharge books a cash recharge under the device's current operator, or refuses it.
func (s *Service) Recharge(ctx context.Context, req RechargeRequest) (RechargeResult, error) {
	return terminalCall(ctx, s, req.DeviceID, req.Serial, "recharge", req,
		func(tx Tx, now time.Time) (RechargeResult, *Error, error) {
			var zero RechargeResult
			ref, err := s.checkRecharge(tx, req, now)
			if ref != nil || err != nil {
				return zero, ref, err
			}
			auth, _ := tx.CurrentAuthorization(req.DeviceID) // checked above
			op, err := tx.Operator(auth.OperatorID)
			if err != nil {
				return zero, nil, err
			}
			r := Recharge{DeviceID: req.DeviceID, Serial: req.Serial, AuthorizationID: auth.ID, OperatorID: op.ID,
				CardNo: req.CardNo, Amount: req.Amount, BalanceBefore: req.CardBalance, CounterBefore: req.CardCounter,
				BookedAt: now, SettleDay: s.cfg.SettleDay(now), Booking: Booked, CardWrite: WritePending}
			id, err := tx.InsertRecharge(r)
			if err != nil {
				return zero, nil, err
			}
			return RechargeResult{RechargeID: id, OperatorNo: op.OpNo, Amount: req.Amount,
				BalanceAfter: req.CardBalance + req.Amount, CounterAfter: req.CardCounter + 1,
				BookedAt: now, SettleDay: r.SettleDay}, nil, nil
		})
}

// checkRecharge applies every rule a recharge must pass, in the order a clerk would
// explain them: the key's history, the device, the session, the amount, the card, limits.
func (s *Service) checkRecharge(tx Tx, req RechargeRequest, now time.Time) (*Error, error) {
	// Rule 12: an original that arrives after its own POS reversed it is never booked.
	revs, err := tx.ReversalsNaming(req.DeviceID, req.Serial)
	if err != nil {
		return nil, err
	}
	for _, rv := range revs {
		if rv.DeviceID == req.DeviceID {
			return E(CodePreviouslyRev, "device %s serial %d reversed by serial %d", req.DeviceID, req.Serial, rv.Serial), nil
		}
	}
	dev, err := tx.Device(req.DeviceID)
	if err != nil {
		return nil, err
	}
	if ref := deviceUsable(dev); ref != nil {
		return ref, nil
	}
	auth, err := tx.CurrentAuthorization(req.DeviceID)
	if errors.Is(err, ErrNoRow) {
		return E(CodeNotAuthorized, "device %s", req.DeviceID), nil
	} else if err != nil {
		return nil, err
	}
	if auth.BatchNo != req.BatchNo || !authCodeMatches(auth.AuthCodeHash, req.AuthCode) {
		return E(CodeStaleSession, "device %s current batch %d, request batch %d", req.DeviceID, auth.BatchNo, req.BatchNo), nil
	}
	op, err := tx.Operator(auth.OperatorID)
	if err != nil {
		return nil, err
	}
	if !op.Enabled {
		return E(CodeOperatorDisabled, "operator %s", op.OpNo), nil
	}
	if op.DesignatedDevice != "" && op.DesignatedDevice != dev.ID {
		return E(CodeNotDesignatedDev, "operator %s is designated to %s", op.OpNo, op.DesignatedDevice), nil
	}
	// An authorization card reported lost, frozen or bad since the session opened ends the
	// session: whoever holds it now must not keep booking cash in that operator's name.
	if authCard, err := tx.Card(auth.CardNo); err != nil {
		return nil, fmt.Errorf("authorization card %s: %w", auth.CardNo, err)
	} else if ref := cardRefusal(authCard, CardStatusRule.authorizes); ref != nil {
		ref.Detail = "authorization " + ref.Detail
		return ref, nil
	}
	if ref := checkAmount(req.Amount); ref != nil {
		return ref, nil
	}
	card, err := tx.Card(req.CardNo)
	if errors.Is(err, ErrNoRow) {
		return E(CodeUnknownCard, "card %s", req.CardNo), nil
	} else if err != nil {
		return nil, err
	}
	if ref := cardRefusal(card, CardStatusRule.recharges); ref != nil {
		return ref, nil
	}
	if ref := checkCard(req.CardBalance, req.CardCounter, true); ref != nil {
		return ref, nil
	}
	// A card below what the ledger knows it reached was damaged or restored from an earlier
	// copy: writing on its old balance would silently take the lost money away for good.
	if mem, err := tx.CardMemory(req.CardNo); err == nil && mem.Behind(req.CardCounter, req.CardBalance) {
		if err := openCase(tx, cardBehindCase(mem, now, fmt.Sprintf("POS %s serial %d read counter %d balance %s",
			req.DeviceID, req.Serial, req.CardCounter, FormatYuan(req.CardBalance)))); err != nil {
			return nil, err
		}
		return E(CodeCardBehindLedger, "card %s: counter %d balance %d on the card, %d %d in the ledger (%s)",
			req.CardNo, req.CardCounter, req.CardBalance, mem.Counter, mem.Balance, mem.Source), nil
	} else if err != nil && !errors.Is(err, ErrNoRow) {
		return nil, err
	}
	// Both are bounded by the purse, so the difference cannot wrap (a sum could).
	if req.Amount > s.cfg.BalanceCeiling-req.CardBalance {
		return E(CodeOverCeiling, "balance %d + amount %d > ceiling %d fen", req.CardBalance, req.Amount, s.cfg.BalanceCeiling), nil
	}
	day := s.cfg.SettleDay(now)
	if ref, err := dayClosed(tx, day); ref != nil || err != nil {
		return ref, err
	}
	if op.DailyMax > 0 {
		booked, err := tx.OperatorDayBooked(op.ID, day)
		if err != nil {
			return nil, err
		}
		if req.Amount > op.DailyMax-booked {
			return E(CodeOverDailyMax, "operator %s booked %d + %d > %d fen on %s", op.OpNo, booked, req.Amount, op.DailyMax, day), nil
		}
	}
	return nil, nil
}
