package cli

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/cardio"
)

// startServe runs `cardcenter serve` in-process on a free loopback port and returns its
// base URL, and a stop function that sends the shutdown and returns serve's exit code.
func startServe(t *testing.T, db string, extra ...string) (string, func() int) {
	url, stop, _ := startServeOut(t, db, extra...)
	return url, stop
}

// startServeOut is startServe that also returns what serve printed after its first line,
// as far as it has printed it.
func startServeOut(t *testing.T, db string, extra ...string) (string, func() int, func() []string) {
	t.Helper()
	if _, ok := os.LookupEnv(cardio.SiteKeyEnv); !ok {
		t.Setenv(cardio.SiteKeyEnv, apptest.SiteKey.Hex()) // the fixture's ledger is sealed with it
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		args := append([]string{"serve", "--db", db, "--listen", "127.0.0.1:0"}, extra...)
		done <- run(ctx, args, pw, io.Discard)
		pw.Close()
	}()
	br := bufio.NewReader(pr)
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("serve did not start: %v", err)
	}
	var mu sync.Mutex
	var lines []string
	go func() {
		for {
			l, err := br.ReadString('\n')
			if l != "" {
				mu.Lock()
				lines = append(lines, strings.TrimSpace(l))
				mu.Unlock()
			}
			if err != nil {
				return
			}
		}
	}()
	url := strings.TrimSpace(strings.TrimPrefix(line, "serving "))
	return url, func() int {
			cancel()
			select {
			case code := <-done:
				return code
			case <-time.After(15 * time.Second):
				t.Fatal("serve did not shut down")
				return -1
			}
		}, func() []string {
			mu.Lock()
			defer mu.Unlock()
			return append([]string(nil), lines...)
		}
}

func TestServeAppliesReversalsLeftFromBeforeARestart(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	sess := s.Authorize("P1", 0)
	req, _ := s.Recharge(sess, apptest.UserCard(0), 30*app.Yuan)
	if _, err := s.Svc.Reverse(context.Background(), app.ReverseRequest{DeviceID: "P1", Serial: s.NextSerial("P1"),
		OrigSerial: req.Serial, CardNo: req.CardNo, Amount: req.Amount}); err != nil {
		t.Fatal(err)
	}
	s.Store.Close() // the host stops with the reversal recorded, not applied

	url, stop := startServe(t, s.Path, "--worker-interval", "20ms")
	resp, err := http.Get(url + "/v1/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()
	// The reversal's apply_after (the fixture's clock) is long past in wall-clock time.
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.Reopen()
		r, err := s.Svc.Report(context.Background(), app.SystemActor, "2026-03-02", "2026-03-02")
		s.Store.Close()
		if err != nil {
			t.Fatal(err)
		}
		if r.Total.Reversals.Count == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("reversal not applied by the restarted host: %+v", r.Total)
		}
		time.Sleep(20 * time.Millisecond) // waiting on a real worker in another goroutine
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exit %d after shutdown", code)
	}
	s.Reopen() // the database was closed cleanly and opens again
}

func TestServeRefusesBadFlags(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	s.Store.Close()
	for _, args := range [][]string{
		{"serve", "--db", s.Path, "--tls-cert", "x.pem"},
		{"serve", "--db", s.Path, "--worker-interval", "0s"},
	} {
		if code := run(context.Background(), args, io.Discard, io.Discard); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	s.Reopen()
}
