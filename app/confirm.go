package app

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ConfirmRequest tells the host the card write of a recharge landed (rule 3: also after a
// re-tap that found the write had landed or wrote it again).
type ConfirmRequest struct {
	DeviceID   string `json:"device_id" limit:"64"`
	Serial     int64  `json:"serial"`
	OrigSerial int64  `json:"orig_serial"`
	CardNo     string `json:"card_no" limit:"64"`
	Amount     Fen    `json:"amount"`
}

type ConfirmResult struct {
	RechargeID int64     `json:"recharge_id"`
	CardWrite  CardWrite `json:"card_write"`
}

// Confirm marks a recharge's card write as landed.
func (s *Service) Confirm(ctx context.Context, req ConfirmRequest) (ConfirmResult, error) {
	return terminalCall(ctx, s, req.DeviceID, req.Serial, "confirm", req,
		func(tx Tx, now time.Time) (ConfirmResult, *Error, error) {
			var zero ConfirmResult
			if ref := checkRecordAmount(req.Amount); ref != nil {
				return zero, ref, nil
			}
			r, err := tx.RechargeByKey(req.DeviceID, req.OrigSerial)
			if errors.Is(err, ErrNoRow) {
				return zero, E(CodeOriginalNotFound, "device %s serial %d", req.DeviceID, req.OrigSerial), nil
			} else if err != nil {
				return zero, nil, err
			}
			if r.CardNo != req.CardNo || r.Amount != req.Amount {
				return zero, E(CodeRecordMismatch, "recharge %d", r.ID), nil
			}
			if r.Booking == Reversed {
				return zero, E(CodeAlreadyReversed, "recharge %d", r.ID), nil
			}
			switch r.CardWrite {
			case WriteWritten:
				return ConfirmResult{RechargeID: r.ID, CardWrite: WriteWritten}, nil, nil
			case WriteRepaired, WriteFoundOnCard:
				return zero, E(CodeAlreadyRepaired, "recharge %d was %s at the desk", r.ID, r.CardWrite), nil
			}
			if rp, err := tx.RepairByRecharge(r.ID); err == nil {
				// The desk holds the card's fate now; it reads the card and will find the write.
				return zero, E(CodeRepairInProgress, "recharge %d repair %d", r.ID, rp.ID), nil
			} else if !errors.Is(err, ErrNoRow) {
				return zero, nil, err
			}
			// A confirm after a cancel is still the POS proving the card has the money:
			// taking it keeps the desk from crediting the card a second time.
			ok, err := tx.SetCardWrite(r.ID, []CardWrite{WritePending, WriteCancelReported}, WriteWritten)
			if err != nil {
				return zero, nil, err
			}
			if !ok {
				return zero, E(CodeFurtherActivity, "recharge %d", r.ID), nil
			}
			if err := tx.NoteConfirmed(r.ID, now); err != nil {
				return zero, nil, err
			}
			// The POS proved the card reached counter + 1 with the new balance: from now on a
			// card below that was damaged or restored, whatever it says.
			if err := rememberCard(tx, CardMemory{CardNo: r.CardNo, Counter: r.CounterBefore + 1,
				Balance: r.BalanceBefore + r.Amount, At: now, Source: fmt.Sprintf("confirm:%d", r.ID)}); err != nil {
				return zero, nil, err
			}
			return ConfirmResult{RechargeID: r.ID, CardWrite: WriteWritten}, nil, nil
		})
}

// CancelRequest is the operator pressing Cancel at 请重刷卡 (rule 4). It is recorded only:
// the recharge stays booked and the operator keeps the cash (rule 13). It names the
// recharge field for field as a confirm does (device, serial, the original's serial, card
// and amount), so it is ConfirmRequest's struct under a name of its own: the two messages
// cannot drift apart on the wire, and one cannot be passed where the other is meant.
type CancelRequest ConfirmRequest

// CancelResult acknowledges a cancel record. A cancel is always acknowledged, so that the
// POS's upload queue moves on; Status says what became of it.
type CancelResult struct {
	CancelID int64        `json:"cancel_id"`
	Status   CancelStatus `json:"status"`
	Reason   Code         `json:"reason,omitempty"`
}

// Cancel records a cancel record.
func (s *Service) Cancel(ctx context.Context, req CancelRequest) (CancelResult, error) {
	return terminalCall(ctx, s, req.DeviceID, req.Serial, "cancel", req,
		func(tx Tx, now time.Time) (CancelResult, *Error, error) {
			c := Cancel{DeviceID: req.DeviceID, Serial: req.Serial, OrigSerial: req.OrigSerial, CardNo: req.CardNo,
				Amount: req.Amount, ReceivedAt: now, Status: CancelRecorded}
			if ref := checkRecordAmount(req.Amount); ref != nil {
				// Still recorded, as sent, so that the POS's queue moves on; it names no
				// recharge and changes none.
				c.Status, c.Reason = CancelConflict, CodeBadInput
				id, err := tx.InsertCancel(c)
				return CancelResult{CancelID: id, Status: c.Status, Reason: c.Reason}, nil, err
			}
			r, err := tx.RechargeByKey(req.DeviceID, req.OrigSerial)
			switch {
			case errors.Is(err, ErrNoRow):
				c.Status, c.Reason = CancelOrphan, CodeOriginalNotFound
			case err != nil:
				return CancelResult{}, nil, err
			case r.CardNo != req.CardNo || r.Amount != req.Amount:
				c.Status, c.Reason, c.RechargeID = CancelConflict, CodeRecordMismatch, r.ID
			case r.CancelID != 0:
				c.Status, c.Reason, c.RechargeID = CancelDuplicate, CodeAlreadyCancelled, r.ID
			case r.Booking == Reversed:
				c.Status, c.Reason, c.RechargeID = CancelConflict, CodeAlreadyReversed, r.ID
			case r.CardWrite == WriteRepaired || r.CardWrite == WriteFoundOnCard:
				c.Status, c.Reason, c.RechargeID = CancelConflict, CodeAlreadyRepaired, r.ID
			case r.CardWrite != WritePending:
				c.Status, c.Reason, c.RechargeID = CancelConflict, CodeAlreadyWritten, r.ID
			default:
				c.RechargeID = r.ID
			}
			id, err := tx.InsertCancel(c)
			if err != nil {
				return CancelResult{}, nil, err
			}
			if c.Status == CancelRecorded {
				if err := tx.LinkCancel(r.ID, id); err != nil {
					return CancelResult{}, nil, err
				}
				if _, err := tx.SetCardWrite(r.ID, []CardWrite{WritePending}, WriteCancelReported); err != nil {
					return CancelResult{}, nil, err
				}
			}
			return CancelResult{CancelID: id, Status: c.Status, Reason: c.Reason}, nil, nil
		})
}
