package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"cardcenter/app"
	"cardcenter/app/posapi"
	"cardcenter/cardio"
	"cardcenter/store"
)

// runServe is the host that recharge POS terminals call, with the delayed reversal worker.
func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags("serve", e)
	db := fs.String("db", "", "ledger database file (required)")
	listen := fs.String("listen", "127.0.0.1:8620", "address to listen on")
	certFile := fs.String("tls-cert", "", "TLS certificate (PEM); with --tls-key serves HTTPS")
	keyFile := fs.String("tls-key", "", "TLS private key (PEM)")
	delay := fs.Duration("reversal-delay", e.cfg.ReversalDelay, "how long after arrival a reversal is applied (rule 12)")
	every := fs.Duration("worker-interval", 5*time.Second, "how often the reversal worker looks for due reversals")
	verbose := fs.Bool("v", false, "log every POS message")
	siteKey := fs.String("site-key", "", "site key file, which seals the device secrets in the ledger (default: $"+cardio.SiteKeyEnv+", else the user config dir)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if (*certFile == "") != (*keyFile == "") {
		return app.E(app.CodeBadInput, "--tls-cert and --tls-key go together")
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
	key, _, err := cardio.LoadSiteKey(*siteKey)
	if err != nil {
		return err
	}
	svc, st, err := e.openService(*db, store.Options{SealKey: key.LedgerSealKey()})
	if err != nil {
		return err
	}
	defer st.Close()

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", *listen, err)
	}
	srv := &http.Server{
		Handler:           posapi.NewServer(svc, log),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if *certFile != "" {
		scheme = "https"
	}
	fmt.Fprintf(e.stdout, "serving %s://%s\n", scheme, ln.Addr())
	log.Info("serve", "addr", ln.Addr().String(), "tls", *certFile != "", "reversal_delay", delay.String())

	workerCtx, stopWorker := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		svc.RunReversalWorker(workerCtx, *every)
	}()

	served := make(chan error, 1)
	go func() {
		if *certFile != "" {
			served <- srv.ServeTLS(ln, *certFile, *keyFile)
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
