package cli

import (
	"bufio"
	"database/sql"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cardcenter/cardio"
	"cardcenter/cardio/pcsctest"
	"cardcenter/cardio/vcard"
)

// Issue 11: the desk on a host, as a site runs it — the real binary twice: cardcenter serve
// on the demo ledger with its self-signed certificate, and cardcenter desk --host … --pin-sha256
// … in tmux on its own reader (pcscd, vpcd, the demo's card tray), with no ledger file of its
// own. A clerk logs in, repairs 张三's recharge once, a second tap shows it repaired; the
// ledger on the host records the clerk of the session, and leaving the desk ends it.
func TestDeskOnAHostRepairInTmux(t *testing.T) {
	pcsctest.Stack(t)
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tmux is not installed (scripts/deps.sh installs it)")
		}
		t.Skip("tmux is not installed: apt-get install -y tmux")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "cardcenter")
	if out, err := exec.Command("go", "build", "-o", bin, "cardcenter").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	demo := filepath.Join(dir, "demo")
	if out, err := exec.Command(bin, "demo", "setup", "--dir", demo).CombinedOutput(); err != nil {
		t.Fatalf("demo setup: %v\n%s", err, out)
	}
	db, siteKey := filepath.Join(demo, "demo.db"), filepath.Join(demo, "site.key")

	// The host: its first lines say where it serves and the certificate's fingerprint.
	serve := exec.Command(bin, "serve", "--db", db, "--site-key", siteKey, "--listen", "127.0.0.1:0",
		"--tls-self-signed", filepath.Join(dir, "tls"))
	stdout, err := serve.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	serve.Stderr = io.Discard
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			serve.Process.Signal(os.Interrupt)
			serve.Wait()
		}
	}
	t.Cleanup(stop)
	var url, fp string
	sc := bufio.NewScanner(stdout)
	for (url == "" || fp == "") && sc.Scan() {
		l := sc.Text()
		if u, ok := strings.CutPrefix(l, "serving "); ok {
			url = u
		}
		if f, ok := strings.CutPrefix(l, "certificate sha256 "); ok {
			fp = f
		}
	}
	if url == "" || fp == "" {
		t.Fatalf("serve said no URL or fingerprint (%q %q)", url, fp)
	}
	go io.Copy(io.Discard, stdout)

	tray := exec.Command(bin, "demo", "tray", "--dir", demo, "--put", "1")
	if err := tray.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tray.Process.Signal(os.Interrupt); tray.Wait() })

	session := "cardcenter-e2e-host"
	exec.Command("tmux", "kill-session", "-t", session).Run()
	desk := strings.Join([]string{bin, "desk", "--host", url, "--pin-sha256", fp, "--site-key", siteKey,
		"--reader", "'Virtual PCD 00 00'", "--lang", "en", "--log", filepath.Join(dir, "desk.log")}, " ")
	if out, err := exec.Command("tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "30", desk).CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", session).Run() })
	keys := func(k ...string) {
		t.Helper()
		if out, err := exec.Command("tmux", append([]string{"send-keys", "-t", session}, k...)...).CombinedOutput(); err != nil {
			t.Fatalf("send-keys %v: %v %s", k, err, out)
		}
	}
	screen := func() string {
		out, _ := exec.Command("tmux", "capture-pane", "-p", "-t", session).Output()
		return string(out)
	}
	waitFor := func(what string) string {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			s := screen()
			if strings.Contains(s, what) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("the screen never showed %q:\n%s", what, s)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	balance := func() int64 {
		t.Helper()
		key, _, err := cardio.LoadSiteKey(siteKey)
		if err != nil {
			t.Fatal(err)
		}
		chip, err := vcard.LoadChip(filepath.Join(demo, "card-20260001.json"))
		if err != nil {
			t.Fatal(err)
		}
		c, err := cardio.Read(vcard.InProc{R: vcard.NewReader(chip)}, key)
		if err != nil {
			t.Fatal(err)
		}
		return c.Purse.Balance
	}

	waitFor("Log in")
	keys("clerk", "Tab", "demo-clerk-1", "Enter")
	waitFor("not on card")
	keys("Enter")
	waitFor("Confirm the repair")
	keys("y")
	waitFor("written to the card")
	if b := balance(); b != 3520+10000 {
		t.Fatalf("after the repair the card holds %d fen, want 13520", b)
	}
	trayCommand(t, filepath.Join(demo, "tray.sock"), "take")
	trayCommand(t, filepath.Join(demo, "tray.sock"), "1")
	waitFor("Already repaired (1")
	keys("Enter", "y")
	time.Sleep(500 * time.Millisecond)
	if b := balance(); b != 13520 {
		t.Fatalf("a second tap wrote the card again: %d fen", b)
	}
	keys("q")
	deadline := time.Now().Add(10 * time.Second)
	for exec.Command("tmux", "has-session", "-t", session).Run() == nil {
		if time.Now().After(deadline) {
			t.Fatalf("the desk did not quit:\n%s", screen())
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()

	// The host's ledger: one repair, by the session's clerk; the session is over.
	raw, err := sql.Open("sqlite3", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var staff string
	var n, open int
	if err := raw.QueryRow(`SELECT COUNT(*), MAX(staff) FROM repairs WHERE state = 'written'`).Scan(&n, &staff); err != nil || n != 1 || staff != "clerk" {
		t.Fatalf("repairs: %d by %q (%v)", n, staff, err)
	}
	if err := raw.QueryRow(`SELECT COUNT(*) FROM staff_sessions WHERE username = 'clerk' AND ended_at IS NULL`).Scan(&open); err != nil || open != 0 {
		t.Fatalf("%d sessions of the clerk left open (%v)", open, err)
	}
}
