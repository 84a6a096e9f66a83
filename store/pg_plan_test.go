package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/store"
	"cardcenter/store/pgtest"
	"cardcenter/store/sitegen"
)

// The queries that must stay fast on a ten-million-recharge ledger, planned by PostgreSQL
// on a generated site after ANALYZE: none of them reads a big table with a Seq Scan, and
// each reaches its rows through the index meant for it. Unlike SQLite's planner (which the
// store never gives statistics, plan_test.go), PostgreSQL's plans by the site's size, so this
// is checked on a generated site: here a small one (a table of fewer than planMinRows rows
// may be read whole, as a sequential read of a few pages is what the planner rightly picks
// for it, on any site: the 152 operators of the 10 M site are read whole, rightly); with
// CARDCENTER_BENCH_PG set, on the 10 M site of the benchmarks, whose big tables are as big
// as a campus's.
func TestPGQueryPlansUseTheirIndexes(t *testing.T) {
	dsn := os.Getenv("CARDCENTER_BENCH_PG")
	if dsn == "" {
		dsn = pgtest.DSN(t)
		genPGSite(t, dsn, 40_000)
	}
	st, err := store.Open(dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	raw, err := store.OpenRaw(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	checkPGPlans(t, st, raw)
}

// planMinRows: below this many rows a table may be read whole.
const planMinRows = 5_000

// genPGSite fills an empty PostgreSQL database as cardcenter gen does: the bulk load
// (which ends with ANALYZE), then settlement through the use cases, then ANALYZE again for
// the settled report's new rows, as autovacuum would after them.
func genPGSite(t *testing.T, dsn string, recharges int) {
	t.Helper()
	cfg := app.DefaultConfig()
	cfg.Hasher = app.TestHasher()
	now := time.Date(2026, 11, 27, 9, 15, 0, 0, cfg.Location)
	g, err := sitegen.New(sitegen.Params{Recharges: recharges, Days: 365, Seed: 1, Now: now, Cfg: cfg, AdminPassword: "admin-password-1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	key := bytes.Repeat([]byte{0x5e}, store.SealKeyLen)
	if err := sitegen.BulkLoad(dsn, g, key); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(dsn, store.Options{SealKey: key})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := app.New(st, app.NewManualClock(now), cfg, nil).Settle(context.Background(), app.SystemActor); err != nil {
		t.Fatal(err)
	}
	raw, err := store.OpenRaw(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`ANALYZE`); err != nil {
		t.Fatal(err)
	}
}

// planNode is one node of EXPLAIN (FORMAT JSON).
type planNode struct {
	NodeType string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Alias    string     `json:"Alias"`
	Index    string     `json:"Index Name"`
	Plans    []planNode `json:"Plans"`
}

// walk lists every node. A Bitmap Index Scan names no relation: it is its Bitmap Heap
// Scan's.
func (n planNode) walk(out *[]planNode) {
	*out = append(*out, n)
	for _, c := range n.Plans {
		if c.Relation == "" && c.Index != "" {
			c.Relation = n.Relation
		}
		c.walk(out)
	}
}

func (n planNode) String() string {
	s := n.NodeType
	if n.Relation != "" {
		s += " on " + n.Relation
	}
	if n.Index != "" {
		s += " using " + n.Index
	}
	return s
}

func checkPGPlans(t *testing.T, st *store.Store, raw *sql.DB) {
	t.Helper()
	one := func(dest any, q string) {
		t.Helper()
		if err := raw.QueryRow(q).Scan(dest); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var busiest, card, revDevice string
	var op, auth, revSerial int64
	one(&busiest, `SELECT settle_day FROM recharges GROUP BY settle_day ORDER BY COUNT(*) DESC, settle_day LIMIT 1`)
	one(&card, `SELECT card_no FROM recharges WHERE card_write = 'cancel_reported' ORDER BY id LIMIT 1`)
	one(&op, `SELECT operator_id FROM recharges WHERE settle_day = '`+busiest+`' ORDER BY id LIMIT 1`)
	one(&auth, `SELECT authorization_id FROM recharges GROUP BY authorization_id ORDER BY COUNT(*) DESC LIMIT 1`)
	one(&revDevice, `SELECT device_id FROM reversals ORDER BY id LIMIT 1`)
	one(&revSerial, `SELECT serial FROM reversals ORDER BY id LIMIT 1`)
	day, _ := app.ParseDay(busiest)
	monthAgo := day.AddDate(0, 0, -30).Format(app.DayLayout)

	rows := map[string]int64{}
	r, err := raw.Query(`SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r' AND relnamespace = current_schema()::regnamespace`)
	if err != nil {
		t.Fatal(err)
	}
	for r.Next() {
		var name string
		var n int64
		if err := r.Scan(&name, &n); err != nil {
			t.Fatal(err)
		}
		rows[name] = n
	}
	r.Close()
	if rows["recharges"] < 10_000 {
		t.Fatalf("the planner knows %d recharges: no site, or no ANALYZE", rows["recharges"])
	}

	for _, c := range []struct {
		name string
		call func(tx app.Tx)
		want []string // each the index of one node, "relation using index"
	}{
		{"LiveReport 31 days", func(tx app.Tx) { tx.LiveReport(monthAgo, busiest) },
			[]string{"recharges using recharges_day_operator", "recharges using recharges_late_by_settle_day",
				"recharges using recharges_late_by_reversal_day"}},
		{"LiveReport one day", func(tx app.Tx) { tx.LiveReport(busiest, busiest) },
			[]string{"recharges using recharges_day_operator"}},
		{"SettledReport", func(tx app.Tx) { tx.SettledReport(monthAgo, busiest) },
			[]string{"settled_report using settled_report_pkey"}},
		{"RechargesAwaitingDesk", func(tx app.Tx) { tx.RechargesAwaitingDesk(card) },
			[]string{"recharges using recharges_card"}},
		{"OperatorDayBooked", func(tx app.Tx) { tx.OperatorDayBooked(op, busiest) },
			[]string{"recharges using recharges_day_operator"}},
		{"AuthorizationTotals", func(tx app.Tx) { tx.AuthorizationTotals(auth) },
			[]string{"recharges using recharges_authorization"}},
		{"FirstUnsettledDay", func(tx app.Tx) { tx.FirstUnsettledDay() }, nil},
		{"LastSettledDay", func(tx app.Tx) { tx.LastSettledDay() }, nil},
		{"PendingReversalsForDay", func(tx app.Tx) { tx.PendingReversalsForDay(busiest) }, nil},
		{"LateReversalTotals", func(tx app.Tx) { tx.LateReversalTotals(op, revDevice, busiest, time.Time{}) }, nil},
		{"PendingRechargesBookedBefore", func(tx app.Tx) { tx.PendingRechargesBookedBefore(day, 10) }, nil},
		{"OpenRepairIntents", func(tx app.Tx) { tx.OpenRepairIntents(10) }, nil},
		{"ReversalsNaming", func(tx app.Tx) { tx.ReversalsNaming(revDevice, revSerial) }, nil},
		{"ReversalByKey", func(tx app.Tx) { tx.ReversalByKey(revDevice, revSerial) }, nil},
		{"CancelsNaming", func(tx app.Tx) { tx.CancelsNaming(revDevice, revSerial) }, nil},
		{"RepairByRecharge", func(tx app.Tx) { tx.RepairByRecharge(1) }, nil},
		{"CardMemory", func(tx app.Tx) { tx.CardMemory(card) }, nil},
		{"DeviceContact", func(tx app.Tx) { tx.DeviceContact(revDevice) }, nil},
		{"AuditExists", func(tx app.Tx) { tx.AuditExists("batch_record_refused", "P001/7/0123456789ab") },
			[]string{"audit_log using audit_log_action_subject"}},
	} {
		plans, err := store.PGPlans(st, c.call)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var nodes []planNode
		for _, p := range plans {
			var doc []struct {
				Plan planNode `json:"Plan"`
			}
			if err := json.Unmarshal([]byte(p), &doc); err != nil {
				t.Fatalf("%s: %v\n%s", c.name, err, p)
			}
			for _, d := range doc {
				d.Plan.walk(&nodes)
			}
		}
		var lines []string
		for _, n := range nodes {
			lines = append(lines, n.String())
		}
		got := strings.Join(lines, "\n")
		for _, n := range nodes {
			if n.NodeType == "Seq Scan" && rows[n.Relation] >= planMinRows {
				t.Errorf("%s reads %s (%d rows) whole:\n%s", c.name, n.Relation, rows[n.Relation], got)
			}
		}
		for _, w := range c.want {
			rel, idx, _ := strings.Cut(w, " using ")
			found := false
			for _, n := range nodes {
				found = found || (n.Relation == rel && n.Index == idx)
			}
			if !found {
				t.Errorf("%s: no node reads %s through %s:\n%s", c.name, rel, idx, got)
			}
		}
		t.Logf("%s:\n  %s", c.name, strings.ReplaceAll(got, "\n", "\n  "))
	}
}
