package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"cardcenter/app"
	"cardcenter/cardio"
	"cardcenter/cardio/pcsc"
)

const cardUsage = `usage:
  cardcenter card read [--reader NAME] [--wait 30s] [--site-key FILE]   print what is on the card
  cardcenter card readers                                               list the PC/SC readers
  cardcenter card issue --db FILE --card-no N --holder-no H --name NAME  issue the blank card on the reader`

// runCard reads campus cards through the PC/SC reader.
func runCard(args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, cardUsage)
		return errors.New("card: read or readers?")
	}
	switch args[0] {
	case "readers":
		c, err := pcsc.Open()
		if err != nil {
			return err
		}
		defer c.Close()
		names, err := c.Readers()
		if err != nil {
			return err
		}
		for _, n := range names {
			fmt.Println(n)
		}
		return nil
	case "read":
	default:
		fmt.Fprintln(os.Stderr, cardUsage)
		return fmt.Errorf("card: unknown subcommand %q", args[0])
	}
	fs := flag.NewFlagSet("card read", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), cardUsage) }
	reader := fs.String("reader", "", "reader name (default: the first)")
	wait := fs.Duration("wait", 30*time.Second, "how long to wait for a card")
	keyFile := siteKeyFlag(fs, "site key file")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	key, _, err := cardio.LoadSiteKey(*keyFile)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *wait)
	defer cancel()
	return pcsc.WithCard(ctx, *reader, func(conn *pcsc.Conn) error {
		card, err := cardio.Read(conn, key)
		if err != nil {
			return err
		}
		printCard(os.Stdout, conn.Reader, card)
		return nil
	})
}

func printCard(w io.Writer, reader string, c *cardio.Card) {
	status := "active 正常"
	if c.Status != cardio.StatusActive {
		status = "blocked 止付"
	}
	fmt.Fprintf(w, "reader   读卡器  %s\n", reader)
	fmt.Fprintf(w, "UID              %s\n", c.UIDHex())
	fmt.Fprintf(w, "card no  卡号    %s\n", c.CardNo)
	fmt.Fprintf(w, "holder   学工号  %s\n", c.Holder)
	fmt.Fprintf(w, "status   状态    %02X (%s)\n", c.Status, status)
	fmt.Fprintf(w, "valid    有效期  %s .. %s\n", c.Issued.Format(time.DateOnly), c.Expires.Format(time.DateOnly))
	fmt.Fprintf(w, "balance  余额    %s yuan\n", app.FormatYuan(app.Fen(c.Purse.Balance)))
	fmt.Fprintf(w, "counter  交易计数 %d\n", c.Purse.Counter)
	if c.PurseFromBackup {
		fmt.Fprintln(w, "note: main purse block damaged, balance from the backup (the next write repairs it)")
	}
	fmt.Fprintln(w, "log      交易记录 (newest first)")
	fmt.Fprintln(w, "  counter  kind      amount      balance     terminal  serial    time (UTC)")
	line := func(e cardio.LogEntry, mark string) {
		fmt.Fprintf(w, "  %-8d %-9s %-11s %-11s #%04X     %-9d %s%s\n", e.Counter, e.Kind,
			app.FormatYuan(app.Fen(e.Amount)), app.FormatYuan(app.Fen(e.BalanceAfter)), e.TerminalTag, e.Serial24,
			e.Time.Format("2006-01-02 15:04"), mark)
	}
	for _, e := range c.Log {
		line(e, "")
	}
	if c.Pending != nil {
		line(*c.Pending, "  <- did NOT land (card pulled)")
	}
	for _, s := range c.DamagedSlots {
		fmt.Fprintf(w, "  slot %d damaged (a torn log write)\n", s)
	}
}
