package cli

import (
	"bufio"
	"context"
	"database/sql"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/cardio"
	"cardcenter/cardio/pcsctest"
	"cardcenter/cardio/vcard"
	"cardcenter/store"
)

// tmuxSite is a demo site run as processes, for the end-to-end tests of desks on a host:
// the real binary's serve with its self-signed certificate, virtual cards on the vpcd
// readers, and desks in tmux sessions.
type tmuxSite struct {
	t                *testing.T
	bin, dir, demo   string
	db, siteKey, tls string
	url, fp          string
	host             *exec.Cmd
}

// newTmuxSite needs pcscd, vpcd and tmux (under CI=true their absence fails the test).
// newHostedTmuxSite is a tmux site whose host already serves, on a loopback port of its own.
func newHostedTmuxSite(t *testing.T) *tmuxSite {
	t.Helper()
	s := newTmuxSite(t)
	s.startHost("127.0.0.1:0")
	return s
}

func newTmuxSite(t *testing.T) *tmuxSite {
	t.Helper()
	needTmux(t)
	s := &tmuxSite{t: t, bin: buildCardcenter(t), dir: t.TempDir()}
	s.demo = filepath.Join(s.dir, "demo")
	if out, err := exec.Command(s.bin, "demo", "setup", "--dir", s.demo).CombinedOutput(); err != nil {
		t.Fatalf("demo setup: %v\n%s", err, out)
	}
	s.db, s.siteKey, s.tls = filepath.Join(s.demo, "demo.db"), filepath.Join(s.demo, "site.key"), filepath.Join(s.dir, "tls")
	return s
}

// addClerk makes a clerk account on the site's ledger before its host starts.
func (s *tmuxSite) addClerk(user, password string) {
	s.t.Helper()
	s.onLedger("clerk "+user, func(svc *app.Service) error {
		return svc.CreateStaff(context.Background(), app.SystemActor, user, "柜员", app.RoleClerk, password)
	})
}

// ledgerReadOnly is a read-only connection to the site's ledger file beside its host, for a
// test to look at the rows (closed when the test ends).
func (s *tmuxSite) ledgerReadOnly() *sql.DB {
	raw, err := sql.Open("sqlite3", "file:"+s.db+"?mode=ro&_busy_timeout=1000")
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { raw.Close() })
	return raw
}

// onLedger runs f on the site's ledger file beside its host, as a second host of the site
// would: what f changes, the host sees on its next call.
func (s *tmuxSite) onLedger(what string, f func(*app.Service) error) {
	t := s.t
	t.Helper()
	key, _, err := cardio.LoadSiteKey(s.siteKey)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(s.db, store.Options{SealKey: key.LedgerSealKey()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := f(app.New(st, app.SystemClock{}, app.DefaultConfig(), nil)); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// needTmux needs pcscd, vpcd and tmux; under CI=true their absence fails the test.
func needTmux(t *testing.T) {
	t.Helper()
	pcsctest.Stack(t)
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tmux is not installed (scripts/deps.sh installs it)")
		}
		t.Skip("tmux is not installed: apt-get install -y tmux")
	}
}

// freeAddr is a loopback address nothing listens on now, for a host restarted on the same
// address.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startHost runs serve on listen and waits for its URL and fingerprint.
func (s *tmuxSite) startHost(listen string) {
	t := s.t
	t.Helper()
	cmd := exec.Command(s.bin, "serve", "--db", s.db, "--site-key", s.siteKey, "--listen", listen, "--tls-self-signed", s.tls)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
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
	s.url, s.fp, s.host = url, fp, cmd
}

// killHost kills the host with SIGKILL: no shutdown, no last write.
func (s *tmuxSite) killHost() {
	s.host.Process.Kill()
	s.host.Wait()
}

// stopHost stops the host as an operator does (SIGINT: it finishes what it serves).
func (s *tmuxSite) stopHost() {
	s.host.Process.Signal(os.Interrupt)
	s.host.Wait()
}

// card serves a card file on a vpcd port (35963: reader 0, 35964: reader 1).
func (s *tmuxSite) card(file, vpcd string) {
	c := exec.Command(s.bin, "vcard", "--state", file, "--vpcd", vpcd)
	if err := c.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { c.Process.Signal(os.Interrupt); c.Wait() })
}

// balance reads a card file's purse, as an independent reader with the site key.
func (s *tmuxSite) balance(file string) int64 {
	s.t.Helper()
	_, c := readCardFile(s.t, s.siteKey, file)
	return c.Purse.Balance
}

// readCardFile reads a virtual card's file as an independent reader does, with the site
// key file: the key, and the card it reads.
func readCardFile(t *testing.T, siteKeyFile, cardFile string) (cardio.SiteKey, *cardio.Card) {
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
	return key, c
}

// tmuxDesk is one desk process in its own tmux session, with a home of its own that holds
// no site key.
type tmuxDesk struct {
	t       *testing.T
	session string
}

// quit presses q and waits, up to within, for the desk's tmux session to end; what ended
// it is named in the failure (the desk, or a script around it).
func (d tmuxDesk) quit(within time.Duration, what string) {
	d.t.Helper()
	d.keys("q")
	deadline := time.Now().Add(within)
	for exec.Command("tmux", "has-session", "-t", d.session).Run() == nil {
		if time.Now().After(deadline) {
			d.t.Fatalf("%s did not end:\n%s", what, d.screen())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *tmuxSite) desk(session, reader string, extra ...string) tmuxDesk {
	t := s.t
	t.Helper()
	exec.Command("tmux", "kill-session", "-t", session).Run()
	home := filepath.Join(s.dir, session)
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"env", "-u", cardio.SiteKeyEnv, "HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_DATA_HOME=" + filepath.Join(home, ".local/share"), "XDG_STATE_HOME=" + filepath.Join(home, ".local/state"),
		s.bin, "desk", "--host", s.url, "--pin-sha256", s.fp,
		"--reader", "'" + reader + "'", "--lang", "en", "--log", filepath.Join(home, "desk.log")}, extra...)
	if out, err := exec.Command("tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "30", strings.Join(args, " ")).CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", session).Run() })
	return tmuxDesk{t: t, session: session}
}

func (d tmuxDesk) keys(k ...string) {
	d.t.Helper()
	if out, err := exec.Command("tmux", append([]string{"send-keys", "-t", d.session}, k...)...).CombinedOutput(); err != nil {
		d.t.Fatalf("send-keys %v: %v %s", k, err, out)
	}
}

func (d tmuxDesk) screen() string {
	out, _ := exec.Command("tmux", "capture-pane", "-p", "-t", d.session).Output()
	return string(out)
}

// repair presses Enter on the card's screen, confirms the repair with y, and waits until
// the screen shows one of then, which it returns.
func (d tmuxDesk) repair(then ...string) string {
	d.t.Helper()
	d.keys("Enter")
	d.waitAny("Confirm the repair")
	d.keys("y")
	return d.waitAny(then...)
}

// waitAny waits until the screen shows one of what, and returns the screen.
func (d tmuxDesk) waitAny(what ...string) string {
	d.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := d.screen()
		for _, w := range what {
			if strings.Contains(s, w) {
				return s
			}
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("%s never showed %q:\n%s", d.session, what, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
