package store

import (
	"context"

	"cardcenter/app"
)

// Recount is the ledger's money recounted from the raw rows, by a different path than the
// report takes: processed reversals are counted from the reversal records (joined to the
// amount of the recharge each one un-booked), cancels from the cancel records.
type Recount struct {
	Recharges app.Totals // every recharge ever booked
	Reversals app.Totals // reversals with status applied
	Cancels   int64      // cancel records with status recorded
	// Reversed counts recharges whose booking is reversed: it must equal Reversals.Count.
	Reversed int64
	// Adjustments: the operator cash adjustments (长短款) supervisors decided.
	Adjustments app.Totals
}

// Cash is Σ booked − Σ processed reversals (late ones too) ± adjustments: what all
// operators handed in.
func (r Recount) Cash() app.Fen {
	return r.Recharges.Amount - r.Reversals.Amount + r.Adjustments.Amount
}

// Recount reads the whole ledger; on a large one it takes seconds.
func (s *Store) Recount(ctx context.Context) (Recount, error) {
	var r Recount
	err := s.View(ctx, func(rt app.ReadTx) error {
		var err error
		r, err = recountTx(rt.(*txn))
		return err
	})
	return r, err
}

func recountTx(t *txn) (Recount, error) {
	var r Recount
	if err := t.one("recount recharges", []any{&r.Recharges.Count, &r.Recharges.Amount, &r.Reversed},
		`SELECT COUNT(*), COALESCE(SUM(amount), 0), COUNT(*) FILTER (WHERE booking = 'reversed') FROM recharges`); err != nil {
		return r, err
	}
	if err := t.one("recount reversals", []any{&r.Reversals.Count, &r.Reversals.Amount},
		`SELECT COUNT(*), COALESCE(SUM(r.amount), 0) FROM reversals v JOIN recharges r ON r.id = v.recharge_id
		 WHERE v.status = 'applied'`); err != nil {
		return r, err
	}
	if err := t.one("recount adjustments", []any{&r.Adjustments.Count, &r.Adjustments.Amount},
		`SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM case_decisions WHERE kind = 'adjustment'`); err != nil {
		return r, err
	}
	err := t.one("recount cancels", []any{&r.Cancels}, `SELECT COUNT(*) FROM cancels WHERE status = 'recorded'`)
	return r, err
}
