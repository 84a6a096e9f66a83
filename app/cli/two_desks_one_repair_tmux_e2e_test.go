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

// Issue 11, two desks: one host, two desks on two readers, each holding a copy of 张三's card
// whose 100 元 recharge never landed. Both staff try the same repair at once; the ledger lets
// one write and refuses the other, so the money is credited once in all.
func TestTwoDesksRepairTheSameRechargeOnce(t *testing.T) {
	pcsctest.Stack(t)
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tmux is not installed (scripts/deps.sh installs it)")
		}
		t.Skip("tmux is not installed: apt-get install -y tmux")
	}
	dir := t.TempDir()
	bin := buildCardcenter(t)
	demo := filepath.Join(dir, "demo")
	if out, err := exec.Command(bin, "demo", "setup", "--dir", demo).CombinedOutput(); err != nil {
		t.Fatalf("demo setup: %v\n%s", err, out)
	}
	db, siteKey := filepath.Join(demo, "demo.db"), filepath.Join(demo, "site.key")
	card0 := filepath.Join(demo, "card-20260001.json")
	card1 := filepath.Join(dir, "card-20260001-copy.json")
	b, err := os.ReadFile(card0)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(card1, b, 0o600); err != nil {
		t.Fatal(err)
	}

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
	t.Cleanup(func() { serve.Process.Signal(os.Interrupt); serve.Wait() })
	var url, fp string
	sc := bufio.NewScanner(stdout)
	for (url == "" || fp == "") && sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "serving "); ok {
			url = u
		}
		if f, ok := strings.CutPrefix(sc.Text(), "certificate sha256 "); ok {
			fp = f
		}
	}
	if url == "" || fp == "" {
		t.Fatalf("serve said no URL or fingerprint (%q %q)", url, fp)
	}
	go io.Copy(io.Discard, stdout)

	// One card process per reader: the demo's file on reader 0, the copy on reader 1.
	for _, c := range []*exec.Cmd{
		exec.Command(bin, "vcard", "--state", card0, "--vpcd", "127.0.0.1:35963"),
		exec.Command(bin, "vcard", "--state", card1, "--vpcd", "127.0.0.1:35964"),
	} {
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Process.Signal(os.Interrupt); c.Wait() })
	}

	type desk struct{ session string }
	start := func(session, reader string) desk {
		exec.Command("tmux", "kill-session", "-t", session).Run()
		home := filepath.Join(dir, session)
		if err := os.MkdirAll(home, 0o700); err != nil {
			t.Fatal(err)
		}
		cmd := strings.Join([]string{"env", "-u", cardio.SiteKeyEnv, "HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
			"XDG_DATA_HOME=" + filepath.Join(home, ".local/share"), "XDG_STATE_HOME=" + filepath.Join(home, ".local/state"),
			bin, "desk", "--host", url, "--pin-sha256", fp,
			"--reader", "'" + reader + "'", "--lang", "en", "--log", filepath.Join(home, "desk.log")}, " ")
		if out, err := exec.Command("tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "30", cmd).CombinedOutput(); err != nil {
			t.Fatalf("tmux: %v %s", err, out)
		}
		t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", session).Run() })
		return desk{session}
	}
	keys := func(d desk, k ...string) {
		t.Helper()
		if out, err := exec.Command("tmux", append([]string{"send-keys", "-t", d.session}, k...)...).CombinedOutput(); err != nil {
			t.Fatalf("send-keys %v: %v %s", k, err, out)
		}
	}
	screen := func(d desk) string {
		out, _ := exec.Command("tmux", "capture-pane", "-p", "-t", d.session).Output()
		return string(out)
	}
	waitAny := func(d desk, what ...string) string {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			s := screen(d)
			for _, w := range what {
				if strings.Contains(s, w) {
					return s
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never showed %q:\n%s", d.session, what, s)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	balance := func(file string) int64 {
		t.Helper()
		key, _, err := cardio.LoadSiteKey(siteKey)
		if err != nil {
			t.Fatal(err)
		}
		chip, err := vcard.LoadChip(file)
		if err != nil {
			t.Fatal(err)
		}
		c, err := cardio.Read(vcard.InProc{R: vcard.NewReader(chip)}, key)
		if err != nil {
			t.Fatal(err)
		}
		return c.Purse.Balance
	}

	a := start("cardcenter-e2e-desk-a", "Virtual PCD 00 00")
	bd := start("cardcenter-e2e-desk-b", "Virtual PCD 00 01")
	waitAny(a, "Log in")
	waitAny(bd, "Log in")
	keys(a, "clerk", "Tab", "demo-clerk-1", "Enter")
	keys(bd, "clerk", "Tab", "demo-clerk-1", "Enter")
	waitAny(a, "not on card")
	waitAny(bd, "not on card")
	keys(a, "Enter")
	keys(bd, "Enter")
	waitAny(a, "Confirm the repair")
	waitAny(bd, "Confirm the repair")
	keys(a, "y")
	keys(bd, "y")
	sa := waitAny(a, "written to the card", "lready repaired", "in progress", "refused", "rror")
	sb := waitAny(bd, "written to the card", "lready repaired", "in progress", "refused", "rror")
	t.Logf("desk a:\n%s\ndesk b:\n%s", sa, sb)
	wa, wb := strings.Contains(sa, "written to the card"), strings.Contains(sb, "written to the card")
	if wa == wb {
		t.Fatalf("want exactly one desk to write; a wrote %v, b wrote %v", wa, wb)
	}
	refused := sb
	if wb {
		refused = sa
	}
	// The other desk is told the repair is under way at the first desk (it began before the
	// first finished) or already done (it began after).
	if !strings.Contains(refused, "recharge already repaired") && !strings.Contains(refused, "repair of this recharge is in progress") {
		t.Fatalf("the other desk was not told the recharge is being or was repaired:\n%s", refused)
	}
	raw, err := sql.Open("sqlite3", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var n, other int
	var staff string
	if err := raw.QueryRow(`SELECT COUNT(*), MAX(staff) FROM repairs WHERE state = 'written'`).Scan(&n, &staff); err != nil || n != 1 || staff != "clerk" {
		t.Fatalf("written repairs: %d by %q (%v); want 1", n, staff, err)
	}
	if err := raw.QueryRow(`SELECT COUNT(*) FROM repairs WHERE state <> 'written'`).Scan(&other); err != nil || other != 0 {
		t.Fatalf("%d repairs left in another state (%v)", other, err)
	}
	// Exactly one copy of the card got the 100 元: the one on the desk that wrote. Both desks
	// are logged in as the same clerk (the demo has one); until the repair named the desk
	// session that began it, the second desk resumed the first desk's fresh intent, found no
	// Ref on its own copy and wrote it too (app/desk.go beginRepair, TestDesk_SameClerkOnTwoDesksWaitsForTheOther).
	b0, b1 := balance(card0), balance(card1)
	writer, idle := b0, b1
	if wb {
		writer, idle = b1, b0
	}
	if writer != 3520+10000 || idle != 3520 {
		t.Fatalf("balances: reader 0 copy %d fen, reader 1 copy %d fen; want the writing desk's at 13520 and the other at 3520", b0, b1)
	}
}
