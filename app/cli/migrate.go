package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"cardcenter/store"
)

// migrate is registered here rather than in cli.go's table: a command of its own file.
func init() {
	commands["migrate"] = command{"move a SQLite site into an empty PostgreSQL database, verified by recount", runMigrate}
}

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags("migrate", e)
	from := fs.String("from", "", "the SQLite ledger file to move (stop its hosts first; required)")
	to := fs.String("to", "", "the empty PostgreSQL database: postgres://user@host/db (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		fmt.Fprintln(e.stderr, "cardcenter migrate: --from FILE and --to postgres://… are required")
		return errUsage
	}
	rep, err := store.MoveToPostgres(ctx, *from, *to)
	if err != nil {
		return err
	}
	e.log.Info("site moved", "from", rep.From, "to", rep.To, "elapsed", rep.Elapsed)
	fmt.Fprintf(e.stdout, "已迁移 moved %s → %s in %s\n", rep.From, rep.To, rep.Elapsed.Round(1e6))
	for _, t := range slices.Sorted(maps.Keys(rep.Rows)) {
		fmt.Fprintf(e.stdout, "  %-20s %d\n", t, rep.Rows[t])
	}
	r := rep.Recount
	fmt.Fprintf(e.stdout, "核对一致 recount matches: %d recharges %d fen, %d reversals %d fen, %d cancels, adjustments %d fen, cash %d fen; report of %d rows compared\n",
		r.Recharges.Count, r.Recharges.Amount, r.Reversals.Count, r.Reversals.Amount, r.Cancels, r.Adjustments.Amount, r.Cash(), rep.Days)
	return nil
}
