package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/posapi"
	"cardcenter/cardio"
	"cardcenter/store/pgtest"
)

// buildCardcenter builds the real binary once per test.
func buildCardcenter(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "cardcenter")
	if out, err := exec.Command("go", "build", "-o", bin, "cardcenter").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// serveProcess is `cardcenter serve` as its own process: its URL from its first line, and
// the process to kill.
type serveProcess struct {
	url string
	cmd *exec.Cmd
}

func startServeProcess(t *testing.T, bin, db string, extra ...string) *serveProcess {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--db", db, "--listen", "127.0.0.1:0"}, extra...)...)
	cmd.Env = append(os.Environ(), cardio.SiteKeyEnv+"="+apptest.SiteKey.Hex())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProcess{cmd: cmd}
	t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })
	sc := bufio.NewScanner(out)
	for p.url == "" && sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "serving "); ok {
			p.url = u
		}
	}
	if p.url == "" {
		t.Fatal("serve said no URL")
	}
	go io.Copy(io.Discard, out)
	return p
}

// Issue 12: two `cardcenter serve` processes on one PostgreSQL ledger under a bounded load
// of POS emulators, each with the list of both hosts (four start on A, two on B), and of the
// load tool (`cardcenter load --db … --host A,B`: 400 recharges at 100/s from POS of its own,
// A first, every one of them to be approved and booked once across the kill). Mid-load
// host A is killed with SIGKILL: requests in flight on it get no answer and are sent, the
// same bytes, to B. Afterwards every approved recharge is booked exactly once (and
// reversed iff its reversal was acknowledged), and every acknowledged reversal is applied
// exactly once by B's worker. The POS's failover time (kill → its first answer from B) is
// logged; docs/performance.md records it.
func TestKillOneOfTwoHostsMidLoadOnPostgres(t *testing.T) {
	pgtest.Require(t)
	const nPOS, perPOS = 6, 30
	s := apptest.New(t, apptest.Options{Postgres: true, Operators: nPOS, Cards: nPOS * 2})
	ctx := context.Background()
	devices := []string{"P1", "P2"}
	for i := 3; i <= nPOS; i++ {
		id := fmt.Sprintf("P%d", i)
		if _, _, err := s.Svc.RegisterDevice(ctx, s.Admin, app.DeviceInput{ID: id, Name: "充值机", Model: app.ModelRechargePOS}); err != nil {
			t.Fatal(err)
		}
		devices = append(devices, id)
	}
	secrets := map[string][]byte{}
	for _, id := range devices {
		d, err := s.Svc.DeviceWithKey(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		secrets[id] = d.Secret
	}
	s.Store.Close()
	bin := buildCardcenter(t)
	flags := []string{"--worker-interval", "20ms", "--reversal-delay", "50ms"}
	hostA, hostB := startServeProcess(t, bin, s.Path, flags...), startServeProcess(t, bin, s.Path, flags...)

	// Beside the emulators, the bounded load tool: POS of its own on the same two hosts, A
	// first, sending on a fixed schedule across the kill.
	type loadAnswer struct {
		res   loadResult
		err   error
		ended time.Time
	}
	const loadN = 400
	loadDone, loadSending := make(chan loadAnswer, 1), make(chan struct{})
	go func() {
		e := &env{stdout: io.Discard, stderr: io.Discard, clock: app.SystemClock{}, cfg: app.DefaultConfig()}
		res, err := loadRun(ctx, e, loadPlan{requests: loadN, devices: 8, rate: 100, limit: time.Minute, db: s.Path, seal: apptest.SealKey,
			hosts: []string{hostA.url, hostB.url}, sending: func() { close(loadSending) }})
		loadDone <- loadAnswer{res, err, time.Now()}
	}()
	select {
	case <-loadSending:
	case a := <-loadDone:
		t.Fatalf("the load tool ended before sending: %v", a.err)
	}

	type sent struct {
		device  string
		serial  int64
		amount  app.Fen
		reverse bool // its reversal was acknowledged
	}
	var mu sync.Mutex
	var approved []sent
	var reversals int
	var killedAt atomic.Int64 // unix nanos; 0 before the kill
	failover := make([]time.Duration, 0, nPOS)
	var approvedN atomic.Int32
	kill := make(chan struct{})
	errs := make(chan error, nPOS)
	var wg sync.WaitGroup
	for i, dev := range devices {
		hosts := []posapi.Host{{URL: hostA.url}, {URL: hostB.url}}
		onA := i%3 != 2
		if !onA {
			slices.Reverse(hosts)
		}
		c := &posapi.Client{Hosts: hosts, DeviceID: dev, Secret: secrets[dev]}
		wg.Add(1)
		go func() {
			defer wg.Done()
			auth, err := c.Authorize(ctx, app.AuthorizeRequest{DeviceID: dev, Serial: 1, CardNo: apptest.AuthCard(i), PIN: apptest.PIN})
			if err != nil {
				errs <- fmt.Errorf("%s authorize: %w", dev, err)
				return
			}
			serial, measured := int64(1), !onA
			for n := range perPOS {
				serial++
				req := app.RechargeRequest{DeviceID: dev, Serial: serial, BatchNo: auth.BatchNo, AuthCode: auth.AuthCode,
					CardNo: apptest.UserCard(i*2 + n%2), CardBalance: 0, CardCounter: int64(n), Amount: app.Fen(10+n%7) * app.Yuan}
				if _, err := c.Recharge(ctx, req); err != nil {
					errs <- fmt.Errorf("%s recharge %d: %w", dev, serial, err)
					return
				}
				if k := killedAt.Load(); k != 0 && !measured {
					measured = true
					mu.Lock()
					failover = append(failover, time.Since(time.Unix(0, k)))
					mu.Unlock()
				}
				rec := sent{device: dev, serial: serial, amount: req.Amount}
				if n%3 == 0 {
					serial++
					rv := app.ReverseRequest{DeviceID: dev, Serial: serial, OrigSerial: req.Serial, CardNo: req.CardNo, Amount: req.Amount}
					if _, err := c.Reverse(ctx, rv); err != nil {
						errs <- fmt.Errorf("%s reverse %d: %w", dev, serial, err)
						return
					}
					rec.reverse = true
				}
				mu.Lock()
				approved = append(approved, rec)
				if rec.reverse {
					reversals++
				}
				mu.Unlock()
				if approvedN.Add(1) == nPOS*perPOS/3 {
					close(kill)
				}
			}
		}()
	}
	select {
	case <-kill:
	case err := <-errs:
		t.Fatal(err)
	}
	killedAt.Store(time.Now().UnixNano())
	if err := hostA.cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown, no flush
		t.Fatal(err)
	}
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	hostA.cmd.Wait()
	if onA := nPOS - nPOS/3; len(approved) != nPOS*perPOS || len(failover) != onA {
		t.Fatalf("%d approved of %d; %d POS failed over of the %d on A", len(approved), nPOS*perPOS, len(failover), onA)
	}
	// Every recharge of the load approved, across the kill, and booked exactly once (its
	// recount counts its own operators' rows on the ledger).
	la := <-loadDone
	if la.err != nil {
		t.Fatal(la.err)
	}
	if lr := la.res; lr.sent != loadN || lr.refused != 0 || lr.noAnswer != 0 || lr.bookedRecounts != loadN {
		t.Fatalf("the load across the kill: %s", lr)
	}
	if !la.ended.After(time.Unix(0, killedAt.Load())) {
		t.Fatal("the load ended before the kill: the kill did not land mid-load")
	}

	// B's worker applies the due reversals; then B is stopped too and the ledger read.
	s.Reopen()
	deadline := time.Now().Add(30 * time.Second)
	for {
		rc, err := s.Store.Recount(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rc.Recharges.Count != int64(len(approved)+loadN) {
			t.Fatalf("%d recharges booked, %d approved (%d of them the load's)", rc.Recharges.Count, len(approved)+loadN, loadN)
		}
		if rc.Reversals.Count > int64(reversals) || rc.Reversed > int64(reversals) {
			t.Fatalf("%+v: more reversals than the %d acknowledged", rc, reversals)
		}
		if rc.Reversals.Count == int64(reversals) && rc.Reversed == int64(reversals) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%+v: want %d reversals applied exactly once", rc, reversals)
		}
		time.Sleep(50 * time.Millisecond) // host B's worker, in its own process
	}
	hostB.cmd.Process.Signal(os.Interrupt)
	hostB.cmd.Wait()
	for _, a := range approved {
		r, ok := s.RechargeByKey(a.device, a.serial)
		if !ok || r.Amount != a.amount {
			t.Fatalf("approved %s/%d (%s) is not booked as approved: %+v %v", a.device, a.serial, a.amount, r, ok)
		}
		if (r.Booking == app.Reversed) != a.reverse {
			t.Fatalf("%s/%d: booking %s, its reversal acknowledged: %v", a.device, a.serial, r.Booking, a.reverse)
		}
	}
	slices.Sort(failover)
	t.Logf("POS failover after SIGKILL of its host (kill → first answer from the other host), %d POS: median %v, max %v",
		len(failover), failover[len(failover)/2].Round(time.Millisecond), failover[len(failover)-1].Round(time.Millisecond))
}
