package cli

import (
	"context"
	"fmt"
	"time"

	"cardcenter/app"
	"cardcenter/cardio"
	"cardcenter/cardio/pcsc"
)

// runCardIssue personalises the blank card on a reader and records it in the ledger: the
// card exists in the store only once its layout is on the card, with its UID.
func runCardIssue(ctx context.Context, e *env, args []string) error {
	fs := newFlags("card issue", e)
	db := fs.String("db", "", "ledger database file (required)")
	reader := fs.String("reader", "", "reader name (default: the first)")
	cardNo := fs.String("card-no", "", "card number, 1-12 digits (required)")
	holderNo := fs.String("holder-no", "", "holder number 学工号, 1-14 ASCII characters (required)")
	name := fs.String("name", "", "holder name (required)")
	dept := fs.String("dept", "", "department")
	years := fs.Int("years", 4, "validity in years")
	wait := fs.Duration("wait", 30*time.Second, "how long to wait for a card")
	keyFile := siteKeyFlag(fs, "site key file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *years < 1 || *years > 10 {
		return app.E(app.CodeBadInput, "--years must be 1..10")
	}
	key, svc, st, err := e.openSite(*db, *keyFile)
	if err != nil {
		return err
	}
	defer st.Close()
	// Refuse what the store would refuse before the card is touched.
	if _, err := svc.CardByNo(ctx, app.SystemActor, *cardNo); err == nil {
		return app.E(app.CodeAlreadyExists, "card %s", *cardNo)
	}
	if *name == "" || *holderNo == "" {
		return app.E(app.CodeBadInput, "--holder-no and --name are required")
	}
	ctx, cancel := context.WithTimeout(ctx, *wait)
	defer cancel()
	today := time.Now().UTC().Truncate(24 * time.Hour)
	var issued cardio.Issued
	err = pcsc.WithCard(ctx, *reader, func(conn *pcsc.Conn) error {
		var err error
		issued, err = cardio.Issue(conn, key, cardio.Personal{CardNo: *cardNo, Holder: *holderNo,
			Issued: today, Expires: today.AddDate(*years, 0, 0)})
		return err
	})
	if err != nil {
		return fmt.Errorf("issue card %s: %w", *cardNo, err)
	}
	if _, err := svc.IssueCard(ctx, app.SystemActor, app.IssueCardInput{HolderNo: *holderNo, HolderName: *name, Dept: *dept,
		CardNo: *cardNo, UID: issued.UIDHex}); err != nil {
		return fmt.Errorf("record card %s (UID %s, already personalised): %w", *cardNo, issued.UIDHex, err)
	}
	fmt.Fprintf(e.stdout, "发卡成功 issued card %s (UID %s) to %s %s\n", *cardNo, issued.UIDHex, *holderNo, *name)
	return nil
}
