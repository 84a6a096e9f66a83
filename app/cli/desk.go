package cli

import (
	"cardcenter/views/common"
	"context"
	"errors"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	tea "charm.land/bubbletea/v2"

	"cardcenter/app"
	"cardcenter/app/deskapi"
	"cardcenter/app/deskio"
	"cardcenter/app/localfile"
	"cardcenter/app/provision"
	"cardcenter/app/sitecert"
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
	keyFile := fs.String("site-key", "", "without --host: site key file (default: $"+cardio.SiteKeyEnv+", else the user config dir); a desk of a host holds none")
	demoTray := fs.String("demo-tray", "", "demo mode: the card tray's control socket (F5 swaps the card)")
	provisionDir := fs.String("provision-dir", "", "where a device's secret file is written at registration or rotation (default: $XDG_DATA_HOME/cardcenter/provision)")
	logFile := fs.String("log", "", "log file, never the screen (default: $XDG_STATE_HOME/cardcenter/desk.log)")
	var hostURLs, pinList listFlag
	fs.Var(&hostURLs, "host", "run against the host at this URL (cardcenter serve, https://HOST:PORT) instead of a ledger file; the card is still read here. Several hosts on one database: a comma-separated list or the flag repeated")
	fs.Var(&pinList, "pin-sha256", "with --host: the host's certificate SHA-256 fingerprint (as serve prints it): trust exactly that certificate; with several hosts, one for all or one per host in the order of --host")
	insecure := fs.Bool(sitecert.InsecureFlag, false, "with --host: talk plain HTTP to a host other than this machine: passwords and session tokens cross the network in clear")
	timeout := fs.Duration("timeout", deskapi.DefaultTimeout, "with --host: how long to wait for each answer of the host")
	caFile := fs.String("ca", "", "with --host: the site CA's certificate file (PEM): trust the host certificates it signed, for their host names, instead of fingerprints")
	knownHosts := fs.String("known-hosts", defaultKnownHosts(), "with --host and neither --pin-sha256 nor --ca: the fingerprints confirmed at this desk; a host not in it is shown with its fingerprint and trusted only if the clerk types yes")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	dbSet := false
	fs.Visit(func(f *flag.Flag) { dbSet = dbSet || f.Name == "db" })
	if len(hostURLs) > 0 && dbSet {
		return app.E(app.CodeBadInput, "--host or --db, not both: the ledger is the host's or this file")
	}
	if len(hostURLs) == 0 && (len(pinList) > 0 || *insecure || *caFile != "") {
		return app.E(app.CodeBadInput, "--pin-sha256, --ca and --%s go with --host", sitecert.InsecureFlag)
	}
	keyFileSet := false
	fs.Visit(func(f *flag.Flag) { keyFileSet = keyFileSet || f.Name == "site-key" })
	if len(hostURLs) > 0 && keyFileSet {
		return app.E(app.CodeBadInput, "--site-key goes without --host: a desk of a host gets each card's keys from the host")
	}
	var err error
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
	var svc app.Desk
	var keys cardio.KeySource
	var scope func() string
	var c *common.Common
	if len(hostURLs) > 0 {
		// The ledger is the host's, and so is the site key: no database and no key here;
		// each card's keys come from the host in the clerk's session.
		trust := deskTrust{caFile: *caFile, knownHosts: *knownHosts, in: e.stdin, out: e.stdout}
		client, err := connectDesk(ctx, hostURLs, pinList, *insecure, trust, *timeout)
		if err != nil {
			return err
		}
		svc = client
		keys = deskio.HostKeys(client, func() app.Actor { return c.Actor })
		scope = func() string { return c.Actor.Session }
		e.log.Info("desk on a host", "hosts", hostURLs.String())
	} else {
		key, _, err := cardio.LoadSiteKey(*keyFile)
		if err != nil {
			return err
		}
		keys = cardio.LocalKeys{Site: key}
		if err := os.MkdirAll(filepath.Dir(*db), 0o700); err != nil {
			return err
		}
		local, st, err := e.openService(*db, store.Options{Create: true, SealKey: key.LedgerSealKey()})
		if err != nil {
			return err
		}
		defer st.Close()
		svc = local
	}
	if *provisionDir == "" {
		if *provisionDir, err = provision.DefaultDir(); err != nil {
			return err
		}
	}
	cards := &deskio.PCSC{Keys: keys, Scope: scope}
	cards.Choose(*reader)
	// Without a home directory the desk still runs; saving a receipt or an export says why not.
	receipts, _ := localfile.DataDir("receipts")
	exports, _ := localfile.DataDir("reports")
	c = &common.Common{Ctx: ctx, Svc: svc, Lang: *lang, Cards: cards, ProvisionDir: *provisionDir,
		Receipts: localfile.Folder{Dir: receipts, DirPerm: 0o700, FilePerm: 0o600},
		Exports:  localfile.Folder{Dir: exports, DirPerm: 0o755, FilePerm: 0o644}}
	if *demoTray != "" {
		c.Tray = trayControl(*demoTray)
	}
	_, err = tea.NewProgram(views.NewRoot(c, views.Pages()), tea.WithContext(ctx)).Run()
	// Leaving the desk logged in ends the session too (on a host its token would otherwise
	// stay good until it idles out), within a short wait: the desk is closing.
	if lo, ok := svc.(interface {
		Logout(context.Context, app.Actor) error
	}); ok && c.Actor.Session != "" {
		lctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		if lerr := lo.Logout(lctx, c.Actor); lerr != nil {
			e.log.Warn("logout at exit", "user", c.Actor.User, "err", lerr)
		}
		cancel()
	}
	if errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// connectDesk reaches the host's desk API, https with its certificate pinned or signed by
// the site CA (or plain http to this machine only, unless insecure).
func connectDesk(ctx context.Context, urls, pins []string, insecure bool, trust deskTrust, timeout time.Duration) (*deskapi.Client, error) {
	list, err := pinHosts(urls, pins, insecure)
	if err != nil {
		return nil, err
	}
	if err := trust.trust(ctx, list, timeout); err != nil {
		return nil, err
	}
	hosts := make([]deskapi.Host, len(list))
	for i, h := range list {
		hosts[i] = deskapi.Host{URL: h.URL, Pin: h.Pin, CA: h.CA}
	}
	// Each host that does not answer costs up to one timeout before the next is tried.
	cctx, cancel := context.WithTimeout(ctx, time.Duration(len(hosts))*timeout)
	defer cancel()
	return deskapi.ConnectHosts(cctx, hosts, deskapi.Options{Timeout: timeout})
}

// defaultDeskDB is the ledger under the XDG data directory.
func defaultDeskDB() string {
	path, err := localfile.DataDir("ledger.db")
	if err != nil {
		return "cardcenter.db"
	}
	return path
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
