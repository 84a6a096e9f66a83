package store_test

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"testing"

	"cardcenter/app"
	"cardcenter/store"
)

// The benchmarks below read a large generated site, e.g.
//
//	cardcenter gen --db /tmp/bench10m.db --recharges 10000000
//	CARDCENTER_BENCH_DB=/tmp/bench10m.db go test -run '^$' -bench BigLedger ./store/
//
// They only read: the file is opened with the durable settings and left as it was. The
// same benchmarks read a site generated into PostgreSQL when the variable holds its
// address (cardcenter gen --db postgres://… --recharges 10000000).

type bigLedger struct {
	st      *store.Store
	svc     *app.Service
	raw     *sql.DB // read-only, to pick the cards and days to ask about
	today   string
	busiest string // the settled day with the most recharges
	month   string // 30 days before today: a 31-day report ends today
	pending []string
	cards   []string
}

func openBigLedger(b *testing.B) *bigLedger {
	b.Helper()
	path := os.Getenv("CARDCENTER_BENCH_DB")
	if path == "" {
		b.Skip("CARDCENTER_BENCH_DB is not set: generate a site (cardcenter gen --db FILE --recharges 10000000) and point it there")
	}
	st, err := store.Open(path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	var raw *sql.DB
	// A random sample of the cards, one draw per recharge row read (SQLite), or by
	// PostgreSQL's random().
	pickCards := `SELECT card_no FROM cards WHERE rowid IN
		(SELECT 1 + abs(random()) % (SELECT MAX(rowid) FROM cards) FROM recharges LIMIT 200)`
	if store.IsPostgres(path) {
		raw, err = store.OpenRaw(path)
		pickCards = `SELECT card_no FROM cards ORDER BY random() LIMIT 200`
	} else {
		raw, err = sql.Open("sqlite3", "file:"+url.PathEscape(path)+"?mode=ro&_query_only=1")
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { raw.Close() })
	l := &bigLedger{st: st, svc: app.New(st, app.SystemClock{}, app.DefaultConfig(), nil), raw: raw}
	l.today = l.svc.Today()
	t, _ := app.ParseDay(l.today)
	l.month = t.AddDate(0, 0, -30).Format(app.DayLayout)
	if err := raw.QueryRow(`SELECT day FROM settled_report GROUP BY day ORDER BY SUM(recharge_count) DESC LIMIT 1`).Scan(&l.busiest); err != nil {
		b.Fatal(err)
	}
	// Cards with a recharge the desk must settle, and cards picked at random.
	l.pending = column(b, raw, `SELECT c.card_no FROM cancels c JOIN recharges r ON r.id = c.recharge_id
		WHERE r.card_write = 'cancel_reported' GROUP BY c.card_no LIMIT 200`)
	l.cards = column(b, raw, pickCards)
	if len(l.pending) == 0 || len(l.cards) == 0 {
		b.Fatalf("no cards to ask about (%d awaiting the desk, %d others)", len(l.pending), len(l.cards))
	}
	return l
}

func column(b *testing.B, db *sql.DB, query string) []string {
	b.Helper()
	rows, err := db.Query(query)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			b.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func BenchmarkBigLedger(b *testing.B) {
	l := openBigLedger(b)
	ctx := context.Background()
	b.Logf("%s: today %s, busiest settled day %s, %d cards awaiting the desk", l.st.Backend(), l.today, l.busiest, len(l.pending))

	desk := func(cards []string, wantItems bool) func(b *testing.B) {
		return func(b *testing.B) {
			items := 0
			for i := 0; i < b.N; i++ {
				got, err := l.svc.AwaitingDesk(ctx, app.SystemActor, cards[i%len(cards)])
				if err != nil {
					b.Fatal(err)
				}
				items += len(got)
			}
			if wantItems && items == 0 {
				b.Fatal("no recharge awaits the desk on cards picked for having one")
			}
		}
	}
	// Target < 1 ms.
	b.Run("AwaitingDesk/card-with-pending", desk(l.pending, true))
	b.Run("AwaitingDesk/any-card", desk(l.cards, false))

	report := func(from, to string) func(b *testing.B) {
		return func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				rep, err := l.svc.Report(ctx, app.SystemActor, from, to)
				if err != nil {
					b.Fatal(err)
				}
				if len(rep.Rows) == 0 {
					b.Fatalf("report %s..%s is empty", from, to)
				}
			}
		}
	}
	live := func(from, to string) func(b *testing.B) {
		return func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				err := l.st.View(ctx, func(tx app.ReadTx) error {
					rows, err := tx.LiveReport(from, to)
					if err == nil && len(rows) == 0 {
						b.Fatalf("live report %s..%s is empty", from, to)
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	// One day: target < 50 ms. Today is live (unsettled); the busiest day is settled, and
	// computing it live from the raw rows, as before its settlement, is the worst case.
	b.Run("Report/today-live", report(l.today, l.today))
	b.Run("Report/busiest-day-settled", report(l.busiest, l.busiest))
	b.Run("Report/busiest-day-computed-live", live(l.busiest, l.busiest))
	// 31 days: target < 300 ms. Thirty settled days and today, as the supervisor asks;
	// and the same 31 days recomputed from the raw rows.
	b.Run("Report/31-days", report(l.month, l.today))
	b.Run("Report/31-days-computed-live", live(l.month, l.today))
}
