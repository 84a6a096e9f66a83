// Command cardcenter is the card-center system of a campus one-card network: the ledger of
// cash recharges made at recharge POS terminals, the host they call, the card-center desk
// and the tools around them. Everything is in app/cli; see README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"cardcenter/app/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
