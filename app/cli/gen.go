package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"cardcenter/app"
	"cardcenter/cardio"
	"cardcenter/store"
	"cardcenter/store/sitegen"
)

// runGen generates a realistic site into a new ledger file or an empty PostgreSQL
// database (written with COPY, store/pg_bulk.go): the history is planned in
// gen_history.go and written by the bulk loader (gen_bulk.go, store.Bulk); then, on the
// durable settings again, every day that may be settled is settled through the use cases
// and the report is recounted against the raw rows.
func runGen(ctx context.Context, e *env, args []string) error {
	fs := newFlags("gen", e)
	db := fs.String("db", "", "ledger database file to create, or an empty PostgreSQL database (postgres://…) to fill (required)")
	n := fs.Int("recharges", 20000, "how many recharges to book")
	days := fs.Int("days", 365, "over how many days, ending today (host clock)")
	seed := fs.Uint64("seed", 1, "seed of the generator (same seed, same day: same site)")
	force := fs.Bool("force", false, "replace an existing file")
	siteKey := siteKeyFlag(fs, "site key file, which seals the generated devices' secrets")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *db == "" {
		return app.E(app.CodeBadInput, "--db is required")
	}
	if store.IsPostgres(*db) {
		if *force {
			// Never empty a database on a flag: drop and create it by hand.
			return app.E(app.CodeBadInput, "--force replaces a file; a PostgreSQL database must be empty")
		}
	} else if _, err := os.Stat(*db); err == nil {
		if !*force {
			return app.E(app.CodeAlreadyExists, "%s (use --force to replace it)", *db)
		}
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			if err := os.Remove(*db + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("gen: %w", err)
			}
		}
	}
	key, _, err := cardio.LoadSiteKey(*siteKey)
	if err != nil {
		return err
	}
	start := time.Now()
	p := sitegen.Params{Recharges: *n, Days: *days, Seed: *seed, Now: e.clock.Now(), Cfg: e.cfg, AdminPassword: sitegen.RandomPassword()}
	g, err := sitegen.New(p, nil)
	if err != nil {
		return err
	}
	if *n >= 1_000_000 {
		g.OnProgress(func(done int64) {
			fmt.Fprintf(e.stderr, "gen: %d / %d recharges (%s)\n", done, *n, time.Since(start).Round(time.Second))
		})
	}
	if err := sitegen.BulkLoad(*db, g, key.LedgerSealKey()); err != nil {
		return err
	}
	loaded := time.Since(start)
	svc, st, err := e.openService(*db, store.Options{SealKey: key.LedgerSealKey()})
	if err != nil {
		return err
	}
	defer st.Close()
	settled, err := svc.Settle(ctx, app.SystemActor)
	if err != nil {
		return err
	}
	check, err := recount(ctx, svc, st, g)
	if err != nil {
		return err
	}
	if err := st.Close(); err != nil {
		return err
	}
	size := fmt.Sprintf("%.1f MB", float64(fileSize(*db))/(1<<20))
	if store.IsPostgres(*db) {
		size = "PostgreSQL"
	}
	printGen(e.stdout, st.Name(), size, g, settled, check, loaded, time.Since(start))
	return nil
}

// recount checks the report against the raw rows and against what the generator booked:
// Σ report = Σ raw rows = Σ planned, for recharges, processed reversals and cancels.
func recount(ctx context.Context, svc *app.Service, st *store.Store, g *sitegen.Generator) (store.Recount, error) {
	raw, err := st.Recount(ctx)
	if err != nil {
		return raw, err
	}
	var total app.ReportRow
	for from := g.Stats().FirstDay; from <= g.Stats().LastDay; {
		t, _ := app.ParseDay(from)
		to := t.AddDate(0, 0, 399).Format(app.DayLayout)
		if to > g.Stats().LastDay {
			to = g.Stats().LastDay
		}
		rep, err := svc.Report(ctx, app.SystemActor, from, to)
		if err != nil {
			return raw, err
		}
		total.Recharges.Count += rep.Total.Recharges.Count
		total.Recharges.Amount += rep.Total.Recharges.Amount
		total.Reversals.Count += rep.Total.Reversals.Count
		total.Reversals.Amount += rep.Total.Reversals.Amount
		total.Cancels += rep.Total.Cancels
		from = app.NextDay(to)
	}
	s := g.Stats()
	want := fmt.Sprintf("recharges %d/%d reversals %d/%d cancels %d", s.Recharges, s.Booked, s.Reversed, s.ReversedFen, s.Cancels)
	for what, got := range map[string]string{
		"report": fmt.Sprintf("recharges %d/%d reversals %d/%d cancels %d", total.Recharges.Count, total.Recharges.Amount,
			total.Reversals.Count, total.Reversals.Amount, total.Cancels),
		"raw rows": fmt.Sprintf("recharges %d/%d reversals %d/%d cancels %d", raw.Recharges.Count, raw.Recharges.Amount,
			raw.Reversed, raw.Reversals.Amount, raw.Cancels),
		"reversal records": fmt.Sprintf("recharges %d/%d reversals %d/%d cancels %d", raw.Recharges.Count, raw.Recharges.Amount,
			raw.Reversals.Count, raw.Reversals.Amount, raw.Cancels),
	} {
		if got != want {
			return raw, fmt.Errorf("gen: recount failed: %s say %s, generated %s", what, got, want)
		}
	}
	return raw, nil
}

func fileSize(path string) int64 {
	var n int64
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(path + suffix); err == nil {
			n += fi.Size()
		}
	}
	return n
}

func printGen(w io.Writer, path, size string, g *sitegen.Generator, settled app.SettleResult, rc store.Recount, loaded, total time.Duration) {
	s := g.Stats()
	fmt.Fprintf(w, "已生成 generated %s: %s in %s (loaded in %s)\n", path, size,
		total.Round(time.Millisecond), loaded.Round(time.Millisecond))
	fmt.Fprintf(w, "  持卡人 cardholders %d, 卡 cards %d, 充值机 recharge POS %d (+%d 消费机), 操作员 operators %d, 授权 authorizations %d\n",
		s.Holders, s.Cards, s.Devices, g.OtherDevices(), s.Operators, s.Authorizations)
	fmt.Fprintf(w, "  充值 recharges %d (%s 元) %s … %s, 冲正 reversals %d (%s 元), 撤销 cancels %d, 写卡未知 write unknown %d, 柜台补写 desk repairs %d, 丢失后冲正 tombstones %d\n",
		s.Recharges, yuan(s.Booked), s.FirstDay, s.LastDay, s.Reversed, yuan(s.ReversedFen), s.Cancels, s.Unknown, s.Repairs, s.Tombstones)
	switch {
	case len(settled.Settled) > 0:
		fmt.Fprintf(w, "  已结算 settled %d days: %s … %s\n", len(settled.Settled), settled.Settled[0], settled.Settled[len(settled.Settled)-1])
	default:
		fmt.Fprintln(w, "  没有可结算的日期 nothing to settle")
	}
	fmt.Fprintf(w, "  核对 recount: 报表合计 = 原始记录 Σ report = Σ raw rows: POS现金充值 %s 元\n", yuan(rc.Cash()))
	fmt.Fprintf(w, "管理员 admin account: user %s password %s (只显示这一次 shown only this once)\n", "admin", g.AdminPassword())
}
