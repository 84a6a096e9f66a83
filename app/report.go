package app

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// Report is the operator cash report (操作员票据现金报表, rule 15) for settlement days
// [From, To]: settled days read their frozen figures, the others are computed live.
type Report struct {
	From, To string
	Rows     []ReportRow // by day, then operator number
	Total    ReportRow   // Day and operator fields empty
}

// ReportRow is one operator's line for one settlement day of the operator cash report.
type ReportRow struct {
	Day          string
	OperatorID   int64
	OpNo         string
	OperatorName string
	Recharges    Totals // every booked recharge of the day, reversed later or not
	Reversals    Totals // processed reversals of those recharges
	Cancels      int64  // shown, never counted in money (rule 13)
	// LateReversals: reversals processed on this day of recharges booked on an earlier,
	// already settled day (a line of its own: the earlier day stays frozen).
	LateReversals Totals
	// Adjustments: operator cash adjustments (长短款) decided on this day, signed.
	Adjustments Totals
	Settled     bool
}

// Cash is the POS现金充值 figure: what the operator must hand in — the day's bookings, less
// the processed reversals of them, less late reversals processed on the day, plus the cash
// adjustments (长短款) decided on the day.
func (r ReportRow) Cash() Fen {
	return r.Recharges.Amount - r.Reversals.Amount - r.LateReversals.Amount + r.Adjustments.Amount
}

// MaxReportDays bounds a report's range: a year and a little. The desk and the command
// line ask no more of it.
const MaxReportDays = 400

// Report builds the operator cash report for [from, to] (YYYY-MM-DD, inclusive).
func (s *Service) Report(ctx context.Context, actor Actor, from, to string) (Report, error) {
	if err := s.allow(ctx, actor, financeRoles...); err != nil {
		return Report{}, err
	}
	f, err := ParseDay(from)
	if err != nil {
		return Report{}, err
	}
	t, err := ParseDay(to)
	if err != nil {
		return Report{}, err
	}
	if t.Before(f) {
		return Report{}, E(CodeBadDate, "from %s is after to %s", from, to)
	}
	if days := int(t.Sub(f).Hours()/24) + 1; days > MaxReportDays {
		return Report{}, E(CodeBadDate, "%d days asked, at most %d", days, MaxReportDays)
	}
	rep := Report{From: from, To: to}
	err = s.store.View(ctx, func(tx ReadTx) error {
		settled, err := tx.SettledDays(from, to)
		if err != nil {
			return err
		}
		isSettled := make(map[string]bool, len(settled))
		for _, d := range settled {
			isSettled[d] = true
		}
		if len(settled) > 0 {
			rows, err := tx.SettledReport(from, to)
			if err != nil {
				return err
			}
			rep.Rows = append(rep.Rows, rows...)
		}
		// Live figures for each run of unsettled days.
		runStart := ""
		for d := from; ; d = NextDay(d) {
			if !isSettled[d] && runStart == "" {
				runStart = d
			}
			end := d == to
			if runStart != "" && (isSettled[d] || end) {
				runEnd := d
				if isSettled[d] {
					runEnd = prevDay(d)
				}
				rows, err := tx.LiveReport(runStart, runEnd)
				if err != nil {
					return err
				}
				rep.Rows = append(rep.Rows, rows...)
				runStart = ""
			}
			if end {
				break
			}
		}
		return nil
	})
	if err != nil {
		return Report{}, fmt.Errorf("report %s..%s: %w", from, to, err)
	}
	sort.Slice(rep.Rows, func(i, j int) bool {
		a, b := rep.Rows[i], rep.Rows[j]
		if a.Day != b.Day {
			return a.Day < b.Day
		}
		return a.OpNo < b.OpNo
	})
	for _, r := range rep.Rows {
		rep.Total.Recharges.Count += r.Recharges.Count
		rep.Total.Reversals.Count += r.Reversals.Count
		rep.Total.Cancels += r.Cancels
		rep.Total.LateReversals.Count += r.LateReversals.Count
		rep.Total.Adjustments.Count += r.Adjustments.Count
		for _, sum := range []struct {
			into *Fen
			add  Fen
		}{{&rep.Total.Recharges.Amount, r.Recharges.Amount},
			{&rep.Total.Reversals.Amount, r.Reversals.Amount}, {&rep.Total.LateReversals.Amount, r.LateReversals.Amount},
			{&rep.Total.Adjustments.Amount, r.Adjustments.Amount}} {
			if *sum.into, err = addFen(*sum.into, sum.add); err != nil {
				return Report{}, fmt.Errorf("report %s..%s total: %w", from, to, err)
			}
		}
	}
	return rep, nil
}

// Today is the current settlement day.
func (s *Service) Today() string { return s.cfg.SettleDay(s.clock.Now()) }

func prevDay(day string) string {
	t, _ := ParseDay(day)
	return t.AddDate(0, 0, -1).Format(DayLayout)
}

// SettleResult says which days a Settle call closed, and why it stopped.
type SettleResult struct {
	Settled []string
	// Waiting is the first day that could not be settled yet, and why ("" if none).
	Waiting string
	Reason  *Error
	// WaitingUntil: the earliest time Waiting may be settled (its cut-off plus the
	// reversal delay); PendingReversals: its reversals not yet applied (if that is why).
	WaitingUntil     time.Time
	PendingReversals int64
}

// Settle (日结) closes every day that may be closed, oldest first. A day may be closed
// once its cut-off plus the reversal delay has passed and no reversal of its recharges is
// still pending; a closed day's figures are frozen and never change.
func (s *Service) Settle(ctx context.Context, actor Actor) (SettleResult, error) {
	if err := s.allow(ctx, actor, financeRoles...); err != nil {
		return SettleResult{}, err
	}
	if _, err := s.ApplyDueReversals(ctx); err != nil {
		return SettleResult{}, err
	}
	var res SettleResult
	for {
		var day string
		var stop bool
		err := s.store.Update(ctx, func(tx Tx) error {
			now := s.clock.Now()
			d, ok, err := tx.FirstUnsettledDay()
			if err != nil || !ok {
				stop = true
				return err
			}
			day = d
			end, err := s.cfg.DayEnd(d)
			if err != nil {
				return err
			}
			if now.Before(end.Add(s.cfg.ReversalDelay)) {
				stop = true
				res.WaitingUntil = end.Add(s.cfg.ReversalDelay)
				res.Waiting, res.Reason = d, E(CodeTooEarlyToSettle, "%s may be settled from %s", d,
					end.Add(s.cfg.ReversalDelay).In(s.cfg.Location).Format(time.DateTime))
				return nil
			}
			if n, err := tx.PendingReversalsForDay(d); err != nil {
				return err
			} else if n > 0 {
				stop = true
				res.WaitingUntil, res.PendingReversals = end.Add(s.cfg.ReversalDelay), n
				res.Waiting, res.Reason = d, E(CodeTooEarlyToSettle, "%s has %d reversals still pending", d, n)
				return nil
			}
			rows, err := tx.LiveReport(d, d)
			if err != nil {
				return err
			}
			if err := tx.InsertSettlement(d, now, actor.User, rows); err != nil {
				return err
			}
			return tx.AppendAudit(AuditEntry{At: now, Actor: actor.User, Action: "settle_day", Subject: d,
				Detail: fmt.Sprintf("%d operator rows", len(rows))})
		})
		if err != nil {
			return res, fmt.Errorf("settle %s: %w", day, err)
		}
		if stop {
			return res, nil
		}
		res.Settled = append(res.Settled, day)
	}
}

// dayClosed refuses a day that may no longer take money: any day up to the last settled
// one. A day before it that had nothing to settle is closed too: Settle never goes back to
// it, so a recharge booked there (after the host clock stepped back) would never be settled.
func dayClosed(tx ReadTx, day string) (*Error, error) {
	last, ok, err := tx.LastSettledDay()
	if err != nil {
		return nil, err
	}
	if ok && day <= last {
		return E(CodeDaySettled, "%s is not after the last settled day %s", day, last), nil
	}
	return nil, nil
}

// IsSettled reports whether day is settled.
func (s *Service) IsSettled(ctx context.Context, actor Actor, day string) (bool, error) {
	if err := s.allow(ctx, actor, financeRoles...); err != nil {
		return false, err
	}
	if _, err := ParseDay(day); err != nil {
		return false, err
	}
	var ok bool
	err := s.store.View(ctx, func(tx ReadTx) error {
		var err error
		ok, err = tx.IsSettled(day)
		return err
	})
	return ok, err
}
