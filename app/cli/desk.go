package cli

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"

	tea "charm.land/bubbletea/v2"

	"cardcenter/app/deskio"
	"cardcenter/app/provision"
	"cardcenter/cardio"
	"cardcenter/store"
	"cardcenter/views"
)

// runDesk opens the card-center desk: the full-screen app of clerks, supervisors and admins.
func runDesk(ctx context.Context, e *env, args []string) error {
	fs := newFlags("desk", e)
	db := fs.String("db", defaultDeskDB(), "ledger database file (created on first run)")
	reader := fs.String("reader", "", "PC/SC reader (default: the first; the repair screen can pick)")
	lang := fs.String("lang", langFromEnv(), "zh or en (default from LANG: Chinese unless LANG is English)")
	keyFile := fs.String("site-key", "", "site key file (default: $"+cardio.SiteKeyEnv+", else the user config dir)")
	demoTray := fs.String("demo-tray", "", "demo mode: the card tray's control socket (F5 swaps the card)")
	provisionDir := fs.String("provision-dir", "", "where a device's secret file is written at registration or rotation (default: $XDG_DATA_HOME/cardcenter/provision)")
	logFile := fs.String("log", "", "log file, never the screen (default: $XDG_STATE_HOME/cardcenter/desk.log)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	key, _, err := cardio.LoadSiteKey(*keyFile)
	if err != nil {
		return err
	}
	if *logFile == "" {
		if *logFile, err = defaultDeskLog(); err != nil {
			return err
		}
	}
	lf, err := openPrivateLog(*logFile)
	if err != nil {
		return err
	}
	defer lf.Close()
	e.log = slog.New(slog.NewTextHandler(lf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := os.MkdirAll(filepath.Dir(*db), 0o700); err != nil {
		return err
	}
	svc, st, err := e.openService(*db, store.Options{Create: true, SealKey: key.LedgerSealKey()})
	if err != nil {
		return err
	}
	defer st.Close()
	if *provisionDir == "" {
		if *provisionDir, err = provision.DefaultDir(); err != nil {
			return err
		}
	}
	cards := &deskio.PCSC{Site: key}
	cards.Choose(*reader)
	c := &views.Common{Ctx: ctx, Svc: svc, Lang: *lang, Cards: cards, DemoTray: *demoTray, ProvisionDir: *provisionDir}
	_, err = tea.NewProgram(views.NewRoot(c, views.Pages()), tea.WithContext(ctx)).Run()
	if errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// defaultDeskDB is the ledger under the XDG data directory.
func defaultDeskDB() string {
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "cardcenter.db"
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "cardcenter", "ledger.db")
}

// langFromEnv: the desk speaks Chinese unless the locale says English.
func langFromEnv() string {
	for _, v := range []string{os.Getenv("LC_ALL"), os.Getenv("LC_MESSAGES"), os.Getenv("LANG")} {
		if v == "" {
			continue
		}
		if len(v) >= 2 && v[:2] == "en" {
			return "en"
		}
		return "zh"
	}
	return "zh"
}
