package app

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ReverseRequest is a POS's automatic reversal (冲正) of a recharge it got no answer to
// (rule 5). It names the original by the original's own key.
type ReverseRequest struct {
	DeviceID     string `json:"device_id" limit:"64"`
	Serial       int64  `json:"serial"`
	OrigDeviceID string `json:"orig_device_id,omitempty" limit:"64"` // empty: the sending device
	OrigSerial   int64  `json:"orig_serial"`
	CardNo       string `json:"card_no" limit:"64"`
	Amount       Fen    `json:"amount"`
}

// ReverseResult acknowledges a reversal. Every well-keyed reversal is acknowledged, even
// one that will not be applied, or the POS would retry it forever (rule 5); Status and
// Reason say what became of it.
type ReverseResult struct {
	ReversalID int64          `json:"reversal_id"`
	Status     ReversalStatus `json:"status"`
	Reason     Code           `json:"reason,omitempty"`
	ApplyAfter time.Time      `json:"apply_after"`
	// Detail says more about Reason, e.g. which earlier reversal made this one a duplicate.
	Detail string `json:"detail,omitempty"`
}

// Reverse records a reversal to be applied after the configured delay (rule 12): record,
// then acknowledge; a worker applies it later (ApplyDueReversals).
func (s *Service) Reverse(ctx context.Context, req ReverseRequest) (ReverseResult, error) {
	if req.OrigDeviceID == "" {
		req.OrigDeviceID = req.DeviceID
	}
	return terminalCall(ctx, s, req.DeviceID, req.Serial, "reverse", req,
		func(tx Tx, now time.Time) (ReverseResult, *Error, error) {
			rv := Reversal{DeviceID: req.DeviceID, Serial: req.Serial, OrigDeviceID: req.OrigDeviceID,
				OrigSerial: req.OrigSerial, CardNo: req.CardNo, Amount: req.Amount, ReceivedAt: now,
				ApplyAfter: now.Add(s.cfg.ReversalDelay), Status: RevPending}
			reason, detail, err := s.reversalRefusedAtOnce(tx, rv)
			if err != nil {
				return ReverseResult{}, nil, err
			}
			if reason != "" {
				rv.Status, rv.Reason, rv.ProcessedAt = RevException, reason, now
				if reason == CodeAlreadyWritten {
					rv.Status = RevConflict
				}
			}
			id, err := tx.InsertReversal(rv)
			if err != nil {
				return ReverseResult{}, nil, err
			}
			if rv.Status != RevPending {
				rv.ID = id
				if err := s.openReversalCase(tx, rv, now); err != nil {
					return ReverseResult{}, nil, err
				}
			}
			return ReverseResult{ReversalID: id, Status: rv.Status, Reason: rv.Reason, ApplyAfter: rv.ApplyAfter, Detail: detail}, nil, nil
		})
}

// reversalRefusedAtOnce returns why a reversal can be set aside on arrival, and what more
// there is to say about it, or "" if it must wait for its delay. Anything that may still
// change (the original not yet here, still pending) waits.
func (s *Service) reversalRefusedAtOnce(tx Tx, rv Reversal) (Code, string, error) {
	if rv.OrigDeviceID != rv.DeviceID {
		return CodeForeignDevice, "", nil
	}
	if rv.OrigSerial <= 0 || checkRecordAmount(rv.Amount) != nil || rv.CardNo == "" {
		return CodeBadInput, "", nil
	}
	others, err := tx.ReversalsNaming(rv.OrigDeviceID, rv.OrigSerial)
	if err != nil {
		return "", "", err
	}
	for _, o := range others {
		if o.DeviceID != rv.DeviceID || o.Status == RevException {
			continue
		}
		// At most one reversal per recharge. Only one that un-booked it reversed it.
		detail := fmt.Sprintf("reversal serial %d of this recharge is already recorded as %s", o.Serial, o.Status)
		if o.Reason != "" {
			detail += " (" + string(o.Reason) + ")"
		}
		if o.Status == RevApplied {
			return CodeAlreadyReversed, detail, nil
		}
		return CodeDuplicateReversal, detail, nil
	}
	r, err := tx.RechargeByKey(rv.OrigDeviceID, rv.OrigSerial)
	if errors.Is(err, ErrNoRow) {
		return "", "", nil
	} else if err != nil {
		return "", "", err
	}
	if r.CardNo != rv.CardNo || r.Amount != rv.Amount {
		return CodeRecordMismatch, "", nil
	}
	if r.CardWrite == WriteWritten {
		return CodeAlreadyWritten, "", nil
	}
	return "", "", nil
}

// ApplyDueReversals applies every reversal whose delay has passed, oldest first, one
// transaction each, and returns how many it processed. It keeps no state of its own: after
// a restart it resumes from the stored rows.
func (s *Service) ApplyDueReversals(ctx context.Context) (int, error) {
	done := 0
	for {
		var due []Reversal
		err := s.store.View(ctx, func(tx ReadTx) error {
			var err error
			due, err = tx.DueReversals(s.clock.Now(), 256)
			return err
		})
		if err != nil {
			return done, fmt.Errorf("due reversals: %w", err)
		}
		if len(due) == 0 {
			return done, nil
		}
		for _, rv := range due {
			if err := s.store.Update(ctx, func(tx Tx) error { return s.applyReversal(tx, rv.ID) }); err != nil {
				return done, fmt.Errorf("apply reversal %d: %w", rv.ID, err)
			}
			done++
		}
	}
}

// applyReversal is the one locked state change of a reversal: under the write lock it
// decides from the original's state what the reversal becomes. A reversal that finds its
// recharge's money never reached the card un-books it — on the recharge's own day, or, if
// that day is already settled, as a late reversal on the first open day. Anything else it
// cannot apply goes to the exceptions desk.
func (s *Service) applyReversal(tx Tx, id int64) error {
	now := s.clock.Now()
	rv, err := tx.Reversal(id)
	if err != nil {
		return err
	}
	if rv.Status != RevPending {
		return nil // someone else processed it
	}
	finish := func(st ReversalStatus, reason Code, rechargeID int64) error {
		if err := tx.FinishReversal(rv.ID, st, reason, rechargeID, now); err != nil {
			return err
		}
		rv.Status, rv.Reason, rv.RechargeID, rv.ProcessedAt = st, reason, rechargeID, now
		if st == RevConflict || st == RevException {
			return s.openReversalCase(tx, rv, now)
		}
		return nil
	}
	r, err := tx.RechargeByKey(rv.OrigDeviceID, rv.OrigSerial)
	if errors.Is(err, ErrNoRow) {
		// The original never arrived: a tombstone. If it ever does, it is refused.
		return finish(RevTombstone, CodeOriginalNotFound, 0)
	} else if err != nil {
		return err
	}
	switch {
	case r.CardNo != rv.CardNo || r.Amount != rv.Amount:
		return finish(RevException, CodeRecordMismatch, r.ID)
	case r.Booking == Reversed:
		return finish(RevException, CodeAlreadyReversed, r.ID)
	case r.CardWrite == WriteWritten:
		return finish(RevConflict, CodeAlreadyWritten, r.ID)
	case r.CardWrite != WritePending || r.RepairID != 0:
		return finish(RevConflict, CodeFurtherActivity, r.ID)
	}
	if _, err := tx.RepairByRecharge(r.ID); err == nil {
		return finish(RevConflict, CodeFurtherActivity, r.ID)
	} else if !errors.Is(err, ErrNoRow) {
		return err
	}
	// A supervisor's decision on it (a cash adjustment, or closed with no write) already
	// settled the cash: un-booking it too would count the reversal twice.
	if ds, err := tx.DecisionsOfRecharge(r.ID); err != nil {
		return err
	} else if len(ds) > 0 {
		return finish(RevConflict, CodeFurtherActivity, r.ID)
	}
	day, late, err := s.reversalDay(tx, r, now)
	if err != nil {
		return err
	}
	ok, err := tx.UnbookRecharge(r.ID, rv.ID, day)
	if err != nil {
		return err
	}
	if !ok {
		return finish(RevConflict, CodeFurtherActivity, r.ID)
	}
	if err := finish(RevApplied, "", r.ID); err != nil {
		return err
	}
	if late {
		return openCase(tx, ExceptionCase{Kind: CaseLateReversal, Subject: fmt.Sprintf("reversal:%d", rv.ID), OpenedAt: now,
			CardNo: r.CardNo, DeviceID: r.DeviceID, Serial: r.Serial, RechargeID: r.ID, ReversalID: rv.ID,
			Detail: fmt.Sprintf("recharge %d of %s booked on settled day %s; reversal %s/%d received %s, counted on %s",
				r.ID, FormatYuan(r.Amount), r.SettleDay, rv.DeviceID, rv.Serial, rv.ReceivedAt.In(s.cfg.Location).Format(time.DateTime), day)})
	}
	return nil
}

// reversalDay is the settlement day a reversal of r processed now counts on: r's own day
// while it is open; once settled (frozen), the first open day — today, or after the last
// settled day if the host's clock is behind it.
func (s *Service) reversalDay(tx Tx, r Recharge, now time.Time) (day string, late bool, err error) {
	last, any, err := tx.LastSettledDay()
	if err != nil {
		return "", false, err
	}
	if !any || r.SettleDay > last {
		return r.SettleDay, false, nil
	}
	day, err = s.openDay(tx, now)
	return day, true, err
}

// openReversalCase puts a reversal that was not applied before a supervisor: its POS told
// the operator "reversed" (充值超时,已自动冲正), while the ledger still counts the cash.
func (s *Service) openReversalCase(tx Tx, rv Reversal, now time.Time) error {
	c := ExceptionCase{Kind: CaseReversalNotApplied, Subject: fmt.Sprintf("reversal:%d", rv.ID), OpenedAt: now,
		CardNo: rv.CardNo, DeviceID: rv.DeviceID, Serial: rv.OrigSerial, RechargeID: rv.RechargeID, ReversalID: rv.ID,
		Detail: fmt.Sprintf("reversal %s/%d of %s/%d (%s, card %s) received %s: %s %s", rv.DeviceID, rv.Serial,
			rv.OrigDeviceID, rv.OrigSerial, FormatYuan(rv.Amount), rv.CardNo,
			rv.ReceivedAt.In(s.cfg.Location).Format(time.DateTime), rv.Status, rv.Reason)}
	if c.RechargeID == 0 {
		if r, err := tx.RechargeByKey(rv.OrigDeviceID, rv.OrigSerial); err == nil {
			c.RechargeID = r.ID
		} else if !errors.Is(err, ErrNoRow) {
			return err
		}
	}
	return openCase(tx, c)
}

// RunReversalWorker applies due reversals every interval until ctx ends.
func (s *Service) RunReversalWorker(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := s.ApplyDueReversals(ctx); err != nil {
			s.log.Error("reversal worker", "err", err)
		} else if n > 0 {
			s.log.Info("reversals processed", "count", n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
