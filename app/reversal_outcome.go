package app

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// MaxOutcomeSerials bounds one reversal-outcome question: a POS keeps at most this many
// acknowledged reversals whose outcome it has not learned yet.
const MaxOutcomeSerials = 64

// ReversalOutcomesRequest asks what became of a POS's own acknowledged reversals, named by
// their serials.
type ReversalOutcomesRequest struct {
	DeviceID string  `json:"device_id" limit:"64"`
	Serials  []int64 `json:"serials" limit:"64"`
}

// ReversalOutcome is where one reversal stands. Final means it will not change any more:
// the POS may stop asking. A serial with no reversal of the device is "not_found", final:
// an acknowledged reversal the host does not hold is for the card center to look into.
type ReversalOutcome struct {
	Serial      int64          `json:"serial"`
	Status      ReversalStatus `json:"status"`
	Reason      Code           `json:"reason,omitempty"`
	ProcessedAt time.Time      `json:"processed_at,omitzero"`
	Final       bool           `json:"final"`
	// Late: applied after its recharge's day was settled, so the cash it gives back counts
	// on Day, the settlement day it was processed on (a line of its own in the reports).
	Late bool   `json:"late,omitempty"`
	Day  string `json:"day,omitempty"`
}

// RevNotFound answers a serial under which the device has no reversal.
const RevNotFound ReversalStatus = "not_found"

type ReversalOutcomesResult struct {
	Items []ReversalOutcome `json:"items"`
}

// ReversalOutcomes answers, serial by serial, what became of the device's reversals. It only
// reads: asking again is always safe.
func (s *Service) ReversalOutcomes(ctx context.Context, req ReversalOutcomesRequest) (ReversalOutcomesResult, error) {
	if len(req.Serials) == 0 || len(req.Serials) > MaxOutcomeSerials {
		return ReversalOutcomesResult{}, E(CodeBadInput, "%d serials asked, 1 to %d allowed", len(req.Serials), MaxOutcomeSerials)
	}
	for _, sn := range req.Serials {
		if sn <= 0 {
			return ReversalOutcomesResult{}, E(CodeBadInput, "terminal serial must be positive, got %d", sn)
		}
	}
	out := ReversalOutcomesResult{Items: make([]ReversalOutcome, 0, len(req.Serials))}
	err := s.store.View(ctx, func(tx ReadTx) error {
		if _, err := tx.Device(req.DeviceID); err != nil {
			return notFound(err, CodeUnknownDevice, "device %s", req.DeviceID)
		}
		out.Items = out.Items[:0]
		for _, sn := range req.Serials {
			rv, err := tx.ReversalByKey(req.DeviceID, sn)
			if err != nil && !errors.Is(err, ErrNoRow) {
				return err
			}
			it := ReversalOutcome{Serial: sn, Status: RevNotFound, Final: true}
			if err == nil {
				it.Status, it.Reason, it.ProcessedAt, it.Final = rv.Status, rv.Reason, rv.ProcessedAt, rv.Status != RevPending
			}
			if err == nil && rv.Status == RevApplied {
				r, err := tx.Recharge(rv.RechargeID)
				if err != nil {
					return fmt.Errorf("recharge %d of reversal %d: %w", rv.RechargeID, rv.ID, err)
				}
				it.Late, it.Day = r.LateReversal(), r.ReversalDay
			}
			out.Items = append(out.Items, it)
		}
		return nil
	})
	return out, err
}
