package cli

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cardcenter/cardio/pcsctest"
)

// The desk as a person uses it: the real binary in tmux (send-keys, capture-pane), the
// demo site, its card tray on vpcd, pcscd, ebfe/scard. A clerk logs in, repairs 张三's
// recharge that never landed, the card's balance is checked, and a second tap shows it
// already repaired without writing again.
func TestDeskRepairInTmux(t *testing.T) {
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
	tray := exec.Command(bin, "demo", "tray", "--dir", demo, "--put", "1")
	if err := tray.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tray.Process.Signal(os.Interrupt); tray.Wait() })

	session := "cardcenter-e2e"
	exec.Command("tmux", "kill-session", "-t", session).Run()
	desk := strings.Join([]string{bin, "desk", "--db", filepath.Join(demo, "demo.db"), "--site-key", filepath.Join(demo, "site.key"),
		"--reader", "'Virtual PCD 00 00'", "--lang", "en", "--log", filepath.Join(demo, "desk.log")}, " ")
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
	balanceOf := func(cardNo string) int64 {
		t.Helper()
		_, c := readCardFile(t, filepath.Join(demo, "site.key"), filepath.Join(demo, "card-"+cardNo+".json"))
		return c.Purse.Balance
	}
	balance := func() int64 { t.Helper(); return balanceOf("20260001") }

	waitFor("Log in")
	keys("clerk", "Tab", "demo-clerk-1", "Enter")
	waitFor("not on card")
	if b := balance(); b != 3520 {
		t.Fatalf("张三's card holds %d fen before the repair, want 3520", b)
	}
	keys("Enter")
	waitFor("Confirm the repair")
	keys("y")
	waitFor("written to the card")
	if b := balance(); b != 3520+10000 {
		t.Fatalf("after the repair the card holds %d fen, want 13520", b)
	}

	// The second tap: the card taken away and put back.
	trayCommand(t, filepath.Join(demo, "tray.sock"), "take")
	trayCommand(t, filepath.Join(demo, "tray.sock"), "1")
	s := waitFor("Already repaired (1")
	if !strings.Contains(s, "Nothing awaits the desk") {
		t.Fatalf("second tap:\n%s", s)
	}
	keys("Enter", "y")
	time.Sleep(500 * time.Millisecond)
	if b := balance(); b != 13520 {
		t.Fatalf("a second tap wrote the card again: %d fen", b)
	}

	// 钱七's card: six top-ups since the cancelled recharge, the log no longer reaches back.
	// The desk cannot tell and writes nothing; the case goes to the exceptions desk.
	trayCommand(t, filepath.Join(demo, "tray.sock"), "take")
	trayCommand(t, filepath.Join(demo, "tray.sock"), "5")
	waitFor("cannot tell")
	before := balanceOf("20260005")
	keys("Enter")
	time.Sleep(300 * time.Millisecond)
	if s := screen(); strings.Contains(s, "Confirm the repair") {
		t.Fatalf("the desk offered to write what the card cannot prove:\n%s", s)
	}
	// The supervisor approves it.
	keys("C-l")
	waitFor("Log in")
	keys("boss", "Tab", "demo-boss-1", "Enter")
	waitFor("Exceptions")
	keys("Tab")
	waitFor("approved awaiting a clerk")
	waitFor("card cannot tell")
	keys("Enter")
	waitFor("cannot_tell/recharge:")
	keys("a")
	waitFor("another clerk")
	keys("checked the POS journal: the write failed", "Enter")
	waitFor("(the default)")
	keys("y")
	waitFor("approved: another clerk writes it at the Repair screen")
	if b := balanceOf("20260005"); b != before {
		t.Fatalf("approving wrote the card: %d fen, was %d", b, before)
	}
	// The clerk writes it.
	keys("C-l")
	waitFor("Log in")
	keys("clerk", "Tab", "demo-clerk-1", "Enter")
	waitFor("Write approved (by boss)")
	keys("Enter")
	waitFor("Confirm the repair")
	keys("y")
	waitFor("written to the card")
	if b := balanceOf("20260005"); b != before+3000 {
		t.Fatalf("after the approved repair 钱七's card holds %d fen, want %d", b, before+3000)
	}
	keys("q")
}

// trayCommand sends one command to the demo card tray and waits for its answer.
func trayCommand(t *testing.T, sock, cmd string) {
	t.Helper()
	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write([]byte(cmd + "\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := bufio.NewReader(conn).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
}
