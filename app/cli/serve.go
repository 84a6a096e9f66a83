package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"cardcenter/app"
	"cardcenter/app/deskapi"
	"cardcenter/app/posapi"
	"cardcenter/app/sitecert"
)

// runServe is the host that recharge POS terminals call, with the delayed reversal worker.
func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags("serve", e)
	db := fs.String("db", "", "ledger: a SQLite file, or postgres://… shared by several hosts (required)")
	listen := fs.String("listen", "127.0.0.1:8620", "address to listen on")
	certFile := fs.String("tls-cert", "", "TLS certificate (PEM); with --tls-key serves HTTPS")
	keyFile := fs.String("tls-key", "", "TLS private key (PEM, chmod 600)")
	selfSigned := fs.String("tls-self-signed", "", "serve HTTPS with the site's self-signed certificate in this directory, made on the first run (POS terminals pin its fingerprint)")
	insecure := fs.Bool(sitecert.InsecureFlag, false, "serve plain HTTP on an address other than loopback: every operator's PIN crosses the network in clear")
	delay := fs.Duration("reversal-delay", e.cfg.ReversalDelay, "how long after arrival a reversal is applied (rule 12)")
	every := fs.Duration("worker-interval", 5*time.Second, "how often the reversal worker looks for due reversals")
	verbose := fs.Bool("v", false, "log every POS message")
	siteKey := siteKeyFlag(fs, "site key file, which seals the device secrets in the ledger")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if (*certFile == "") != (*keyFile == "") {
		return app.E(app.CodeBadInput, "--tls-cert and --tls-key go together")
	}
	if *selfSigned != "" && *certFile != "" {
		return app.E(app.CodeBadInput, "--tls-self-signed or --tls-cert/--tls-key, not both")
	}
	useTLS := *certFile != "" || *selfSigned != ""
	if err := sitecert.CheckListen(*listen, useTLS, *insecure); err != nil {
		return err
	}
	if *delay < 0 || *every <= 0 {
		return app.E(app.CodeBadInput, "--reversal-delay must be ≥ 0 and --worker-interval > 0")
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	e.cfg.ReversalDelay = *delay
	e.log = log
	key, svc, st, err := e.openSite(*db, *siteKey)
	if err != nil {
		return err
	}
	defer st.Close()
	// The host alone holds the site key: desks and POS get the keys of the card on their
	// reader from it (app/cardkeys.go).
	svc.ServeCardKeys(key)

	var site sitecert.Site
	switch {
	case *selfSigned != "":
		site, err = sitecert.MakeOrLoad(*selfSigned, e.clock.Now(), certNames(*listen))
	case *certFile != "":
		site, err = sitecert.Load(*certFile, *keyFile)
	}
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", *listen, err)
	}
	// One listener, one certificate: the desk API under /v1/desk/, the POS API beside it.
	mux := http.NewServeMux()
	mux.Handle(deskapi.PathPrefix, deskapi.NewServer(svc, log))
	mux.Handle("/", posapi.NewServer(svc, log))
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if useTLS {
		scheme = "https"
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{site.Cert}}
	}
	fmt.Fprintf(e.stdout, "serving %s://%s\n", scheme, ln.Addr())
	if useTLS {
		if site.Made {
			fmt.Fprintf(e.stdout, "made a self-signed site certificate in %s; give every POS its fingerprint: --pin-sha256 %s\n", *selfSigned, site.Fingerprint)
		}
		fmt.Fprintf(e.stdout, "certificate sha256 %s\n", site.Fingerprint)
		fmt.Fprintf(e.stdout, "desks: cardcenter desk --host %s://%s --pin-sha256 %s\n", scheme, ln.Addr(), site.Fingerprint)
	} else if ip, ok := ln.Addr().(*net.TCPAddr); ok && !ip.IP.IsLoopback() {
		fmt.Fprintf(e.stderr, "WARNING: plain HTTP on %s: operators' PINs cross the network in clear (--%s)\n", ln.Addr(), sitecert.InsecureFlag)
		log.Warn("plain HTTP off loopback: PINs travel in clear", "addr", ln.Addr().String())
	}
	log.Info("serve", "addr", ln.Addr().String(), "tls", useTLS, "cert_sha256", fingerprintOf(useTLS, site), "reversal_delay", delay.String())

	workerCtx, stopWorker := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		svc.RunReversalWorker(workerCtx, *every)
	}()

	served := make(chan error, 1)
	go func() {
		if useTLS {
			served <- srv.ServeTLS(ln, "", "")
		} else {
			served <- srv.Serve(ln)
		}
	}()
	select {
	case err = <-served:
	case <-ctx.Done():
		// Stop accepting, let in-flight messages finish (their commits are awaited), then
		// stop the worker and close the database.
		log.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = srv.Shutdown(sctx)
		cancel()
	}
	stopWorker()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	log.Info("stopped")
	return err
}

// certNames are the names a self-signed certificate is made for (pinned clients do not
// check them; clients that trust it as a root do): the listen host and this machine's name.
func certNames(listen string) []string {
	var names []string
	if host, _, err := net.SplitHostPort(listen); err == nil && host != "" {
		names = append(names, host)
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		names = append(names, h)
	}
	return names
}

func fingerprintOf(useTLS bool, site sitecert.Site) string {
	if !useTLS {
		return ""
	}
	return site.Fingerprint.String()
}
