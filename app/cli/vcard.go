package cli

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"cardcenter/app"
	"cardcenter/cardio"
	"cardcenter/cardio/vcard"
)

const vcardUsage = `usage:
  cardcenter vcard --state FILE [--vpcd 127.0.0.1:35963] [faults]   put the card on a vpcd reader
  cardcenter vcard issue --state FILE --card-no N --holder H --balance YUAN [--uid HEX] [--years 4] [--site-key FILE] [--force]
  cardcenter vcard blank --state FILE [--uid HEX] [--force]          a factory-blank card (to issue at the desk)
faults: --tear-after N (card pulled after N APDUs), --garble (the torn write is left half done),
        --fail-auth, --corrupt-block N, --reinsert DURATION (card comes back after a tear; default 2s)`

// runVcard runs a virtual campus card (see cardio/vcard), or makes a card file.
func runVcard(args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "issue":
			return vcardIssue(args[1:])
		case "blank":
			return vcardBlank(args[1:])
		}
	}
	fs := flag.NewFlagSet("vcard", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), vcardUsage) }
	state := fs.String("state", "", "card state file (made by vcard issue / vcard blank)")
	addr := fs.String("vpcd", vcard.DefaultVPCD, "vpcd address (reader 0 :35963, reader 1 :35964)")
	tear := fs.Int("tear-after", 0, "pull the card after this many APDUs (0: never)")
	garble := fs.Bool("garble", false, "the APDU that tears leaves its block half written")
	failAuth := fs.Bool("fail-auth", false, "fail every authentication")
	corrupt := fs.Int("corrupt-block", -1, "corrupt this block at start (and save it)")
	reinsert := fs.Duration("reinsert", 2*time.Second, "after a tear the card is back after this long (0: never)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *state == "" {
		fs.Usage()
		return errors.New("vcard: --state is required")
	}
	chip, err := vcard.LoadChip(*state)
	if err != nil {
		return fmt.Errorf("vcard: %w (make one with: cardcenter vcard issue --state %s ...)", err, *state)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	r := vcard.NewReader(chip)
	r.Log = log
	r.Persist = func(c *vcard.Chip) error { return vcard.SaveChip(*state, c) }
	if *corrupt >= 0 {
		if *corrupt >= 64 {
			return fmt.Errorf("vcard: --corrupt-block %d: a 1K card has blocks 0..63", *corrupt)
		}
		r.CorruptBlock(*corrupt)
		c := r.Chip()
		if err := vcard.SaveChip(*state, &c); err != nil {
			return err
		}
	}
	r.SetFaults(vcard.Faults{TearAfter: *tear, TearGarbles: *garble, FailAuth: *failAuth})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.Info("virtual card", "uid", fmt.Sprintf("%X", chip.UID), "vpcd", *addr, "state", *state)
	err = (&vcard.Client{Addr: *addr, Reader: r, ReinsertAfter: *reinsert, Log: log}).Run(ctx)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func vcardIssue(args []string) error {
	fs := flag.NewFlagSet("vcard issue", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), vcardUsage) }
	state := fs.String("state", "", "card state file to create")
	cardNo := fs.String("card-no", "", "card number (1..12 digits)")
	holder := fs.String("holder", "", "holder number (1..14 characters)")
	balance := fs.String("balance", "0", "opening balance in yuan, e.g. 50 or 12.30")
	uidHex := fs.String("uid", "", "4-byte UID in hex (default: random)")
	years := fs.Int("years", 4, "valid for this many years")
	keyFile := siteKeyFlag(fs, "site key file")
	force := fs.Bool("force", false, "overwrite an existing state file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *state == "" || *cardNo == "" || *holder == "" {
		fs.Usage()
		return errors.New("vcard issue: --state, --card-no and --holder are required")
	}
	fen, err := app.ParseYuan(*balance)
	if err == nil && fen < 0 {
		err = app.E(app.CodeBadInput, "a balance is not negative")
	}
	if err != nil {
		return fmt.Errorf("vcard issue: --balance: %w", err)
	}
	if err := vcardMayWrite(*state, *force); err != nil {
		return err
	}
	chip, err := vcardNewChip(*uidHex)
	if err != nil {
		return err
	}
	key, source, err := cardio.LoadSiteKey(*keyFile)
	if err != nil {
		return err
	}
	now := time.Now()
	iss, err := cardio.Issue(vcard.InProc{R: vcard.NewReader(chip)}, key, cardio.Personal{
		CardNo: *cardNo, Holder: *holder, Issued: now, Expires: now.AddDate(*years, 0, 0), Balance: int64(fen)})
	if err != nil {
		return fmt.Errorf("vcard issue: %w", err)
	}
	if err := vcard.SaveChip(*state, chip); err != nil {
		return err
	}
	fmt.Printf("issued card %s (UID %s) to %s, balance %s yuan, keys from %s -> %s\n",
		iss.CardNo, iss.UIDHex, iss.Holder, app.FormatYuan(app.Fen(iss.Purse.Balance)), source, *state)
	return nil
}

func vcardBlank(args []string) error {
	fs := flag.NewFlagSet("vcard blank", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), vcardUsage) }
	state := fs.String("state", "", "card state file to create")
	uidHex := fs.String("uid", "", "4-byte UID in hex (default: random)")
	force := fs.Bool("force", false, "overwrite an existing state file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *state == "" {
		fs.Usage()
		return errors.New("vcard blank: --state is required")
	}
	if err := vcardMayWrite(*state, *force); err != nil {
		return err
	}
	chip, err := vcardNewChip(*uidHex)
	if err != nil {
		return err
	}
	if err := vcard.SaveChip(*state, chip); err != nil {
		return err
	}
	fmt.Printf("blank card UID %X -> %s\n", chip.UID, *state)
	return nil
}

// vcardMayWrite refuses to overwrite a card file: it may hold money.
func vcardMayWrite(path string, force bool) error {
	if _, err := os.Stat(path); err == nil && !force {
		return fmt.Errorf("%s exists (a card with its money); use --force to overwrite", path)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func vcardNewChip(uidHex string) (*vcard.Chip, error) {
	var uid []byte
	if uidHex != "" {
		var err error
		if uid, err = hex.DecodeString(uidHex); err != nil {
			return nil, fmt.Errorf("--uid: %w", err)
		}
	}
	return vcard.NewBlankChip(uid)
}
