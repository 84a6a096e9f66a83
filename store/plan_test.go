package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// recorder keeps every statement a txn runs, to ask SQLite how it plans them.
type recorder struct {
	querier
	got []recordedQuery
}

type recordedQuery struct {
	query string
	args  []any
}

func (r *recorder) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	r.got = append(r.got, recordedQuery{q, args})
	return r.querier.ExecContext(ctx, q, args...)
}

func (r *recorder) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	r.got = append(r.got, recordedQuery{q, args})
	return r.querier.QueryContext(ctx, q, args...)
}

// The reads that must stay fast on a ten-million-recharge ledger use the indexes meant
// for them and never walk a whole day of recharges row by row. SQLite plans these without
// statistics (the store never runs ANALYZE), so the plan on an empty file is the plan on
// a full one.
func TestQueryPlansUseTheirIndexes(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "plan.db"), Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	tx, err := s.read.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, c := range []struct {
		name string
		call func(x *txn)
		want []string // every one of these plan lines
	}{
		{"LiveReport", func(x *txn) { x.LiveReport("2026-01-01", "2026-01-31") },
			[]string{"SEARCH recharges USING COVERING INDEX recharges_day_operator (settle_day>? AND settle_day<?)"}},
		{"SettledReport", func(x *txn) { x.SettledReport("2026-01-01", "2026-01-31") },
			[]string{"SEARCH s USING PRIMARY KEY (day>? AND day<?)"}},
		{"RechargesAwaitingDesk", func(x *txn) { x.RechargesAwaitingDesk("10000001") },
			[]string{"SEARCH recharges USING INDEX recharges_card (card_no=? AND card_write=?)"}},
		{"RepairByRecharge", func(x *txn) { x.RepairByRecharge(1) },
			[]string{"SEARCH repairs USING INDEX sqlite_autoindex_repairs_1 (recharge_id=?)"}},
		{"ReversalsNaming", func(x *txn) { x.ReversalsNaming("P001", 1) },
			[]string{"SEARCH reversals USING INDEX reversals_orig (orig_device_id=? AND orig_serial=?)"}},
		{"ReversalByKey", func(x *txn) { x.ReversalByKey("P001", 1) },
			[]string{"SEARCH reversals USING INDEX sqlite_autoindex_reversals_1 (device_id=? AND serial=?)"}},
		{"OperatorDayBooked", func(x *txn) { x.OperatorDayBooked(1, "2026-01-01") },
			[]string{"SEARCH recharges USING COVERING INDEX recharges_day_operator (settle_day=? AND operator_id=? AND booking=?)"}},
		{"AuthorizationTotals", func(x *txn) { x.AuthorizationTotals(1) },
			[]string{"SEARCH recharges USING COVERING INDEX recharges_authorization (authorization_id=?)"}},
		{"FirstUnsettledDay", func(x *txn) { x.FirstUnsettledDay() },
			[]string{"SEARCH recharges USING COVERING INDEX recharges_day_operator (settle_day>?)"}},
		{"AuthorizationTotals late", func(x *txn) { x.AuthorizationTotals(1) },
			[]string{"SCAN recharges USING INDEX recharges_late_by_reversal_day"}},
		{"LiveReport late reversals", func(x *txn) { x.LiveReport("2026-01-01", "2026-01-31") },
			[]string{"SEARCH r USING INDEX recharges_late_by_settle_day (settle_day>? AND settle_day<?)",
				"SEARCH r USING INDEX recharges_late_by_reversal_day (reversal_day>? AND reversal_day<?)",
				"SEARCH d USING INDEX case_decisions_adjustments (day>? AND day<?)"}},
		{"FirstUnsettledDay late", func(x *txn) { x.FirstUnsettledDay() },
			[]string{"SEARCH recharges USING INDEX recharges_late_by_reversal_day (reversal_day>?)",
				"SEARCH case_decisions USING COVERING INDEX case_decisions_adjustments (day>?)"}},
		{"LateReversalTotals", func(x *txn) { x.LateReversalTotals(1, "P1", "2026-01-01", time.Time{}) },
			[]string{"r USING INDEX recharges_late_by_reversal_day"}},
		{"PendingRechargesBookedBefore", func(x *txn) { x.PendingRechargesBookedBefore(time.Now(), 10) },
			[]string{"SEARCH recharges USING INDEX recharges_pending_since (booked_at<?)"}},
		{"OpenRepairIntents", func(x *txn) { x.OpenRepairIntents(10) },
			[]string{"SCAN repairs USING INDEX repairs_open"}},
		{"CancelsNaming", func(x *txn) { x.CancelsNaming("P1", 1) },
			[]string{"SEARCH cancels USING INDEX cancels_orig (device_id=? AND orig_serial=?)"}},
		{"DeviceContact", func(x *txn) { x.DeviceContact("P1") },
			[]string{"SEARCH terminal_answers USING PRIMARY KEY (device_id=?)"}},
		{"JournalEndCovering", func(x *txn) { x.JournalEndCovering("P1", 5) },
			[]string{"SEARCH device_journal_ends USING INDEX device_journal_ends_device (device_id=? AND last_serial>?)"}},
		{"CardMemory", func(x *txn) { x.CardMemory("10000001") },
			[]string{"SEARCH card_memory USING PRIMARY KEY (card_no=?)"}},
		// Settle asks this for every day: it must start from the few pending reversals,
		// not from the day's tens of thousands of recharges.
		{"PendingReversalsForDay", func(x *txn) { x.PendingReversalsForDay("2026-01-01") },
			[]string{"SCAN v USING INDEX reversals_due", "SEARCH r USING INDEX sqlite_autoindex_recharges_1 (device_id=? AND serial=?)"}},
		// Every recharge asks this: one seek to the end of the settled days' key.
		{"LastSettledDay", func(x *txn) { x.LastSettledDay() },
			[]string{"SEARCH settled_days USING COVERING INDEX sqlite_autoindex_settled_days_1"}},
		// A refused batch record asks this on the single writer: one index seek, never a
		// walk of the audit log.
		{"AuditExists", func(x *txn) { x.AuditExists("batch_record_refused", "P001/7/0123456789ab") },
			[]string{"SEARCH audit_log USING COVERING INDEX audit_log_action_subject (action=? AND subject=?)"}},
	} {
		rec := &recorder{querier: tx}
		c.call(&txn{ctx: ctx, q: rec})
		if len(rec.got) == 0 {
			t.Fatalf("%s ran no statement", c.name)
		}
		var plan []string
		for _, q := range rec.got {
			rows, err := tx.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q.query, q.args...)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			rows.Close()
		}
		got := strings.Join(plan, "\n")
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: plan lacks %q:\n%s", c.name, w, got)
			}
		}
	}
}
