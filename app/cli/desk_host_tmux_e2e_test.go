package cli

import (
	"bufio"
	"database/sql"
	"encoding/hex"
	"io"
	"io/fs"
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
	// The desk machine holds no site key (issue 11.4): a home of its own with none in it, no
	// $CARDCENTER_SITE_KEY, and no --site-key; each card's keys come from the host.
	deskHome := filepath.Join(dir, "desk-home")
	if err := os.MkdirAll(deskHome, 0o700); err != nil {
		t.Fatal(err)
	}
	deskLog := filepath.Join(deskHome, "desk.log")
	desk := strings.Join([]string{"env", "-u", cardio.SiteKeyEnv, "HOME=" + deskHome, "XDG_CONFIG_HOME=" + filepath.Join(deskHome, ".config"),
		"XDG_DATA_HOME=" + filepath.Join(deskHome, ".local/share"), "XDG_STATE_HOME=" + filepath.Join(deskHome, ".local/state"),
		bin, "desk", "--host", url, "--pin-sha256", fp,
		"--reader", "'Virtual PCD 00 00'", "--lang", "en", "--log", deskLog}, " ")
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
	noKeysOnDisk(t, deskHome, siteKey, filepath.Join(demo, "card-20260001.json"))

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
	// Every key the desk got is an audit row of the host: the read of the card, and the
	// write of the repair with its card number.
	var reads, writes int
	if err := raw.QueryRow(`SELECT COUNT(*) FILTER (WHERE detail LIKE 'read%'), COUNT(*) FILTER (WHERE detail LIKE 'write%')
		FROM audit_log WHERE actor = 'staff:clerk' AND action = 'card_keys'`).Scan(&reads, &writes); err != nil || reads < 1 || writes != 1 {
		t.Fatalf("audited key requests of the clerk: %d reads, %d writes (%v); want ≥ 1 and 1", reads, writes, err)
	}
}

// noKeysOnDisk fails if anything under dir — every file the desk process wrote there, its
// log included — holds a site key file or the site key or one of the card's sector keys.
func noKeysOnDisk(t *testing.T, dir, siteKeyFile, cardFile string) {
	t.Helper()
	key, _, err := cardio.LoadSiteKey(siteKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	chip, err := vcard.LoadChip(cardFile)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cardio.Read(vcard.InProc{R: vcard.NewReader(chip)}, key)
	if err != nil {
		t.Fatal(err)
	}
	noKeysUnder(t, dir, key, c.UID)
}

// noKeysUnder fails if a file under dir is named site.key or holds the site key or a
// sector key of one of the cards, in hex of either case.
func noKeysUnder(t *testing.T, dir string, key cardio.SiteKey, uids ...[]byte) {
	t.Helper()
	secrets := []string{key.Hex()}
	for _, uid := range uids {
		ck := key.CardKeys(uid)
		secrets = append(secrets, hex.EncodeToString(ck.A[:]), hex.EncodeToString(ck.B[:]))
	}
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		if d.Name() == "site.key" {
			t.Errorf("a site key file was written on the client's side: %s", path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		low := strings.ToLower(string(b))
		for _, s := range secrets {
			if strings.Contains(low, s) {
				t.Errorf("%s holds a key (%s…)", path, s[:4])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatalf("nothing was written under %s: the scan proves nothing", dir)
	}
}
