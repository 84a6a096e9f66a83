package app

import (
	"context"
	"time"
)

// SummaryRequest is "1. 查询充值汇总" on a recharge POS (rules 7, 14).
type SummaryRequest struct {
	DeviceID string `json:"device_id" limit:"64"`
}

// SummaryTotals counts successful recharges and processed reversals; cancels are not in it.
// Late reversals (of recharges whose day was already settled) are a line of their own.
type SummaryTotals struct {
	Recharges     Totals `json:"recharges"`
	Reversals     Totals `json:"reversals"`
	LateReversals Totals `json:"late_reversals"`
	Cash          Fen    `json:"cash"` // recharges − processed reversals − late reversals
}

type SummaryResult struct {
	OperatorNo   string        `json:"operator_no"`
	OperatorName string        `json:"operator_name"`
	BatchNo      int64         `json:"batch_no"`
	AuthorizedAt time.Time     `json:"authorized_at"`
	Day          string        `json:"day"`
	Session      SummaryTotals `json:"session"` // since the current authorization
	Today        SummaryTotals `json:"today"`   // this operator on this POS today
}

// Summary answers the current operator's totals on this POS, online.
func (s *Service) Summary(ctx context.Context, req SummaryRequest) (SummaryResult, error) {
	var out SummaryResult
	err := s.store.View(ctx, func(tx ReadTx) error {
		dev, err := usableDevice(tx, req.DeviceID)
		if err != nil {
			return err
		}
		auth, op, err := openAuthorization(tx, dev)
		if err != nil {
			return err
		}
		day := s.cfg.SettleDay(s.clock.Now())
		sr, sv, err := tx.AuthorizationTotals(auth.ID)
		if err != nil {
			return err
		}
		dr, dv, err := tx.OperatorDeviceDayTotals(op.ID, dev.ID, day)
		if err != nil {
			return err
		}
		sl, err := tx.LateReversalTotals(op.ID, dev.ID, "", auth.StartedAt)
		if err != nil {
			return err
		}
		dl, err := tx.LateReversalTotals(op.ID, dev.ID, day, time.Time{})
		if err != nil {
			return err
		}
		out = SummaryResult{OperatorNo: op.OpNo, OperatorName: op.Name, BatchNo: auth.BatchNo, AuthorizedAt: auth.StartedAt,
			Day: day, Session: summaryTotals(sr, sv, sl), Today: summaryTotals(dr, dv, dl)}
		return nil
	})
	return out, err
}

func summaryTotals(rech, rev, late Totals) SummaryTotals {
	return SummaryTotals{Recharges: rech, Reversals: rev, LateReversals: late, Cash: rech.Amount - rev.Amount - late.Amount}
}
