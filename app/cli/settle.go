package cli

import (
	"context"
	"fmt"
	"strings"

	"cardcenter/app"
	"cardcenter/store"
)

func runSettle(ctx context.Context, e *env, args []string) error {
	fs := newFlags("settle", e)
	db := fs.String("db", "", "ledger database file (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	svc, st, err := e.openService(*db, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := svc.Settle(ctx, app.SystemActor)
	if err != nil {
		return err
	}
	switch {
	case len(res.Settled) == 0:
		fmt.Fprintln(e.stdout, "没有可结算的日期 nothing to settle")
	case len(res.Settled) <= 3:
		fmt.Fprintf(e.stdout, "已结算 settled: %s\n", strings.Join(res.Settled, ", "))
	default:
		fmt.Fprintf(e.stdout, "已结算 settled %d days: %s … %s\n", len(res.Settled), res.Settled[0], res.Settled[len(res.Settled)-1])
	}
	if res.Reason != nil {
		fmt.Fprintf(e.stdout, "等待 waiting: %s — %s / %s (%s)\n", res.Waiting, res.Reason.ZH, res.Reason.EN, res.Reason.Detail)
	}
	return nil
}
