package cli

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Issue 11.3: `make demo` runs the site as a real one: scripts/demo.sh starts the host as its
// own process with TLS on loopback and the desk as its client, pinned to the host's
// certificate. The clerk logs in and sees 张三's recharge that never landed; when the desk
// closes, the script stops the host it started.
func TestDemoScriptRunsTheDeskAsAClientOfItsHost(t *testing.T) {
	needTmux(t)
	bin := buildCardcenter(t)
	dir := filepath.Join(t.TempDir(), "demo")
	script, err := filepath.Abs("../../scripts/demo.sh")
	if err != nil {
		t.Fatal(err)
	}
	session := "cardcenter-e2e-demo-script"
	exec.Command("tmux", "kill-session", "-t", session).Run()
	cmd := strings.Join([]string{"env", "CARDCENTER=" + bin, "DEMO_DIR=" + dir, script, "--lang", "en"}, " ")
	if out, err := exec.Command("tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "30", cmd).CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", session).Run() })
	d := tmuxDesk{t: t, session: session}
	d.waitAny("Log in")
	d.keys("clerk", "Tab", "demo-clerk-1", "Enter")
	d.waitAny("not on card")

	// The desk is a client of the host the script started: https, and the desk's log says so.
	out, err := os.ReadFile(filepath.Join(dir, "serve.out"))
	if err != nil {
		t.Fatal(err)
	}
	var url string
	for _, l := range strings.Split(string(out), "\n") {
		if u, ok := strings.CutPrefix(l, "serving "); ok {
			url = u
		}
	}
	if !strings.HasPrefix(url, "https://127.0.0.1:") {
		t.Fatalf("the demo's host serves %q, want https on loopback", url)
	}
	if log, _ := os.ReadFile(filepath.Join(dir, "desk.log")); !strings.Contains(string(log), "desk on a host") {
		t.Fatalf("the desk's log does not say it runs on the host:\n%s", log)
	}
	d.quit(15*time.Second, "the demo")
	// The script stopped its host: nothing listens there any more.
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Timeout: 2 * time.Second, Transport: tr}
	if resp, err := c.Get(strings.Replace(url, "https://", "http://", 1) + "/v1/health"); err == nil {
		resp.Body.Close()
		t.Fatalf("the demo's host still answers after the desk closed (HTTP %d)", resp.StatusCode)
	}
}
