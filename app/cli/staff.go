package cli

import (
	"context"
	"fmt"
	"strings"

	"cardcenter/app"
	"cardcenter/app/localfile"
	"cardcenter/store"
)

// runStaff is the host's way back in when no admin can log in at a desk: wrong passwords
// locked the last admins (anyone at a desk can lock an account by typing at it), or the
// only admin forgot the password. Whoever can open the ledger file on the host may run it;
// it acts as the system and every change is audited as such.
//
//	cardcenter staff list --db FILE
//	cardcenter staff unlock --db FILE USER
//	cardcenter staff reset-password --db FILE --password-file F USER
func runStaff(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, "usage: cardcenter staff list | unlock USER | reset-password --password-file F USER  (each with --db FILE)")
		return errUsage
	}
	sub := args[0]
	fs := newFlags("staff "+sub, e)
	db := fs.String("db", "", "ledger database file (required)")
	pwFile := fs.String("password-file", "", "reset-password: a file (chmod 600) whose first line is the new password")
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	want := 1
	if sub == "list" {
		want = 0
	}
	if fs.NArg() != want {
		fmt.Fprintf(e.stderr, "cardcenter staff %s: want %d user name(s), got %d\n", sub, want, fs.NArg())
		return errUsage
	}
	var password string
	switch sub {
	case "list", "unlock":
	case "reset-password":
		if *pwFile == "" {
			fmt.Fprintln(e.stderr, "cardcenter staff reset-password: --password-file is required (a password on the command line shows in ps)")
			return errUsage
		}
		var err error
		if password, err = readPasswordFile(*pwFile); err != nil {
			return err
		}
	default:
		fmt.Fprintf(e.stderr, "cardcenter staff: unknown subcommand %q\n", sub)
		return errUsage
	}
	svc, st, err := e.openService(*db, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "list":
		list, err := svc.StaffList(ctx, app.SystemActor)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%-16s %-10s %-8s %s\n", "user", "role", "enabled", "password")
		for _, s := range list {
			pw := ""
			switch {
			case s.Locked:
				pw = "locked 已锁定 " + s.LockedAt.In(e.cfg.Location).Format("2006-01-02 15:04")
			case s.WrongTries > 0:
				pw = fmt.Sprintf("%d wrong", s.WrongTries)
			}
			fmt.Fprintf(e.stdout, "%-16s %-10s %-8t %s\n", s.Username, s.Role, s.Enabled, pw)
		}
		return nil
	case "unlock":
		if err := svc.UnlockStaff(ctx, app.SystemActor, fs.Arg(0)); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "已解锁 unlocked: %s\n", fs.Arg(0))
		return nil
	}
	if err := svc.ResetStaffPassword(ctx, app.SystemActor, fs.Arg(0), password); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "已重置密码并解锁 password reset, unlocked: %s\n", fs.Arg(0))
	return nil
}

// readPasswordFile reads the first line of a file only its owner can read.
func readPasswordFile(path string) (string, error) {
	b, err := localfile.ReadPrivate(path, 1024)
	if err != nil {
		return "", fmt.Errorf("password file: %w", err)
	}
	n := len(b)
	line, _, _ := strings.Cut(string(b[:n]), "\n")
	return strings.TrimSuffix(line, "\r"), nil
}
