// Package cli is cardcenter's command line and composition root: one file per subcommand,
// each parsing its own flags, opening the store, building the use cases and handing them to
// the screens or the host. The program's main.go only calls Run.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"

	"cardcenter/app"
	"cardcenter/cardio"
	"cardcenter/store"
)

// command is one subcommand: it reads its own flags from args.
type command struct {
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what every command gets from the composition root.
type env struct {
	stdin          io.Reader // a person's answers to a prompt before a screen opens
	stdout, stderr io.Writer
	log            *slog.Logger
	clock          app.Clock
	cfg            app.Config
}

var commands = map[string]command{
	"card":       {"card read | readers | issue: the campus card on a PC/SC reader", runCardCommand},
	"vcard":      {"run a virtual campus card on vpcd, or issue a new card file", wrap(runVcard)},
	"demo":       {"demo setup | tray: a demo site with virtual cards in known states", runDemo},
	"desk":       {"the card-center desk (full screen): repair, authorization cards, devices, operators, reports, staff, audit", runDesk},
	"exceptions": {"list the open cases of the exceptions desk (异常处理): what the card could not prove", runExceptions},
	"gen":        {"generate a realistic site: cardholders, cards, devices, operators, N recharges", runGen},
	"pos":        {"a recharge POS (增值机) on a PC/SC reader: authorize, recharge, retap, cancel, summary, upload", runPOS},
	"report":     {"print the operator cash report (操作员票据现金报表)", runReport},
	"settle":     {"settle (日结) every day that may be settled", runSettle},
	"serve":      {"the host that recharge POS terminals call (HTTP/JSON, signed)", runServe},
	"load":       {"measure recharge throughput and latency over loopback HTTP (bounded, stops by itself)", runLoad},
	"sign":       {"print a signed curl command for one POS message (for people and scripts)", runSign},
	"staff":      {"list | unlock | reset-password: desk accounts, when no admin can log in at a desk", runStaff},
}

// Run runs the command in args (the program's arguments, without its name) until ctx ends,
// and returns the exit code: 0 done, 1 a failure, 2 a refusal or a usage error.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return run(ctx, args, stdout, stderr)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdin: os.Stdin, stdout: stdout, stderr: stderr, clock: app.SystemClock{}, cfg: app.DefaultConfig(),
		log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if len(args) == 0 {
		args = []string{"desk"} // the desk is what a clerk opens
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "cardcenter: 未知命令 unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	if err := cmd.run(ctx, e, args[1:]); err != nil {
		return reportError(stderr, args[0], err)
	}
	return 0
}

// reportError prints a refusal in both languages (exit 2) or a failure (exit 1).
func reportError(w io.Writer, name string, err error) int {
	if errors.Is(err, errUsage) {
		return 2
	}
	if ae, ok := app.AsError(err); ok {
		fmt.Fprintf(w, "cardcenter %s: %s\n  %s: %s\n", name, ae.Code, ae.ZH, ae.EN)
		if ae.Detail != "" {
			fmt.Fprintf(w, "  (%s)\n", ae.Detail)
		}
		return 2
	}
	fmt.Fprintf(w, "cardcenter %s: %v\n", name, err)
	return 1
}

// errUsage: the flag package already printed what was wrong.
var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprintln(w, "cardcenter — 校园一卡通卡务中心 campus card center\n\nusage: cardcenter <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'cardcenter <command> -h' for its flags.")
}

// runCardCommand: "card issue" records in the ledger, the rest only touch the card.
func runCardCommand(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "issue" {
		return runCardIssue(ctx, e, args[1:])
	}
	return runCard(args)
}

// wrap adapts a command that needs nothing from the composition root.
func wrap(f func(args []string) error) func(context.Context, *env, []string) error {
	return func(_ context.Context, _ *env, args []string) error { return f(args) }
}

// siteKeyFlag is the --site-key flag; what says what the key is for on this command.
func siteKeyFlag(fs *flag.FlagSet, what string) *string {
	return fs.String("site-key", "", what+" (default: $"+cardio.SiteKeyEnv+", else the user config dir)")
}

// openSite opens the ledger at db, sealed with the site key of keyFile ("": the default
// place): how every command that reads or writes sealed secrets starts.
func (e *env) openSite(db, keyFile string) (cardio.SiteKey, *app.Service, *store.Store, error) {
	key, _, err := cardio.LoadSiteKey(keyFile)
	if err != nil {
		return cardio.SiteKey{}, nil, nil, err
	}
	svc, st, err := e.openService(db, store.Options{SealKey: key.LedgerSealKey()})
	if err != nil {
		return cardio.SiteKey{}, nil, nil, err
	}
	return key, svc, st, nil
}

// openService opens the ledger at path and the use cases over it.
func (e *env) openService(path string, opt store.Options) (*app.Service, *store.Store, error) {
	st, err := store.Open(path, opt)
	if err != nil {
		return nil, nil, err
	}
	return app.New(st, e.clock, e.cfg, e.log), st, nil
}
