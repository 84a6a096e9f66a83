package cli

import (
	"encoding/hex"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cardcenter/cardio"
)

// Issue 11: the desk on a host, as a site runs it — the real binary twice: cardcenter serve
// on the demo ledger with its self-signed certificate, and cardcenter desk --host … --pin-sha256
// … in tmux on its own reader (pcscd, vpcd, the demo's card tray), with no ledger file of its
// own. A clerk logs in, repairs 张三's recharge once, a second tap shows it repaired; the
// ledger on the host records the clerk of the session, and leaving the desk ends it.
func TestDeskOnAHostRepairInTmux(t *testing.T) {
	s := newHostedTmuxSite(t)
	tray := exec.Command(s.bin, "demo", "tray", "--dir", s.demo, "--put", "1")
	if err := tray.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tray.Process.Signal(os.Interrupt); tray.Wait() })

	// The desk machine holds no site key (issue 11.4): a home of its own with none in it, no
	// $CARDCENTER_SITE_KEY, and no --site-key; each card's keys come from the host.
	const session = "cardcenter-e2e-host"
	d := s.desk(session, "Virtual PCD 00 00")
	card := filepath.Join(s.demo, "card-20260001.json")

	d.waitAny("Log in")
	d.keys("clerk", "Tab", "demo-clerk-1", "Enter")
	d.waitAny("not on card")
	d.repair("written to the card")
	if b := s.balance(card); b != 3520+10000 {
		t.Fatalf("after the repair the card holds %d fen, want 13520", b)
	}
	trayCommand(t, filepath.Join(s.demo, "tray.sock"), "take")
	trayCommand(t, filepath.Join(s.demo, "tray.sock"), "1")
	d.waitAny("Already repaired (1")
	d.keys("Enter", "y")
	time.Sleep(500 * time.Millisecond)
	if b := s.balance(card); b != 13520 {
		t.Fatalf("a second tap wrote the card again: %d fen", b)
	}
	d.quit(10*time.Second, "the desk")
	s.stopHost()
	noKeysOnDisk(t, filepath.Join(s.dir, session), s.siteKey, card)

	// The host's ledger: one repair, by the session's clerk; the session is over.
	raw := s.ledgerReadOnly()
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
	key, c := readCardFile(t, siteKeyFile, cardFile)
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
