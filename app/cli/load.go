package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"cardcenter/app"
	"cardcenter/app/deskapi"
	"cardcenter/app/posapi"
	"cardcenter/app/sitecert"
	"cardcenter/cardio"
	"cardcenter/store"
)

// runLoad measures recharge throughput and latency through the real HTTP path with durable
// commits: it builds a fresh site in a temporary database (or adds its own POS and cards to
// a copy of a site, --db), serves it on loopback (or sends to running hosts on that ledger,
// --host), and sends a fixed number of signed recharges from many simulated POS, then
// stops by itself.
// Closed loop (--rate 0): every POS sends as fast as answers come. Open loop (--rate R):
// recharges are sent on a fixed schedule and latency counts from the scheduled time, so a
// slow host cannot hide behind fewer sends.
func runLoad(ctx context.Context, e *env, args []string) error {
	fs := newFlags("load", e)
	n := fs.Int("requests", 20000, "recharges to send in all")
	devices := fs.Int("devices", 32, "simulated recharge POS (concurrent senders in closed loop)")
	rate := fs.Float64("rate", 0, "recharges per second (0: closed loop, as fast as possible)")
	limit := fs.Duration("time-limit", 2*time.Minute, "stop sending after this long whatever is left")
	dir := fs.String("dir", "", "directory for the temporary database (default: a new temp dir, removed after)")
	desks := fs.Int("desks", 0, "desks logged in as clerks of their own, each looking up a card's recharges every --desk-every while the POS send")
	deskEvery := fs.Duration("desk-every", time.Second, "how often each desk looks up a card (a clerk lays one far less often)")
	db := fs.String("db", "", "load an existing site instead of a fresh one — a copy, never a live ledger: the tool adds its own devices, operators, cards and staff (L…) and books recharges on them")
	siteKey := siteKeyFlag(fs, "with --db: the site key file, which seals its secrets")
	var hosts listFlag
	fs.Var(&hosts, "host", "with --db: send to these hosts (serve processes on that ledger), comma-separated or repeated, each POS failing over along the list, instead of a host of the tool's own; plain http:// on this machine only")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if len(hosts) > 0 && *db == "" {
		return app.E(app.CodeBadInput, "--host needs --db, the ledger its hosts serve")
	}
	for _, h := range hosts {
		if err := sitecert.CheckHostURL(h, false, false); err != nil {
			return err
		}
		if !strings.HasPrefix(h, "http://") {
			return app.E(app.CodeBadInput, "--host %s: the load tool pins no certificate; give the hosts' plain http:// on this machine", h)
		}
	}
	var seal []byte
	if *db != "" {
		key, _, err := cardio.LoadSiteKey(*siteKey)
		if err != nil {
			return err
		}
		seal = key.LedgerSealKey()
	}
	if *n < 1 || *n > 10_000_000 || *devices < 1 || *devices > 1000 || *rate < 0 || *desks < 0 || *desks > 200 || *deskEvery < 10*time.Millisecond {
		return app.E(app.CodeBadInput, "--requests 1..10,000,000, --devices 1..1000, --rate ≥ 0, --desks 0..200, --desk-every ≥ 10ms")
	}
	res, err := loadRun(ctx, e, loadPlan{requests: *n, devices: *devices, rate: *rate, limit: *limit, dir: *dir, desks: *desks, deskEvery: *deskEvery, db: *db, seal: seal, hosts: hosts})
	if err != nil {
		return err
	}
	fmt.Fprint(e.stdout, res)
	return nil
}

type loadPlan struct {
	requests, devices int
	rate              float64
	limit             time.Duration
	dir               string
	desks             int
	deskEvery         time.Duration
	db                string   // an existing site ("": a fresh one in dir)
	seal              []byte   // its ledger seal key
	hosts             []string // serve processes on db to send to (none: a host of the tool's own)
	sending           func()   // called as the first recharge goes (tests: to aim a fault at the load)
}

type loadResult struct {
	plan           loadPlan
	sent, refused  int64
	noAnswer       int64
	elapsed        time.Duration
	p50, p90, p99  time.Duration
	max            time.Duration
	bookedRecounts int64
	desk           deskLoadResult
}

func (r loadResult) String() string {
	mode := "closed loop"
	if r.plan.rate > 0 {
		mode = fmt.Sprintf("open loop at %.0f/s", r.plan.rate)
	}
	return fmt.Sprintf("load: %d recharges from %d POS over loopback HTTP, %s, synchronous=FULL\n"+
		"  sent %d  approved %d  refused %d  no answer %d  in %.2fs\n"+
		"  throughput %.0f recharges/s\n  latency p50 %.2fms  p90 %.2fms  p99 %.2fms  max %.2fms\n"+
		"  ledger recount: %d booked\n",
		r.plan.requests, r.plan.devices, mode, r.sent, r.sent-r.refused-r.noAnswer, r.refused, r.noAnswer,
		r.elapsed.Seconds(), float64(r.sent)/r.elapsed.Seconds(), ms2(r.p50), ms2(r.p90), ms2(r.p99), ms2(r.max), r.bookedRecounts) +
		r.desk.String(r.plan)
}

func ms2(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func loadRun(ctx context.Context, e *env, p loadPlan) (loadResult, error) {
	dir := p.dir
	if dir == "" && p.db == "" {
		d, err := os.MkdirTemp("", "cardcenter-load-")
		if err != nil {
			return loadResult{}, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	cfg := e.cfg
	cfg.Hasher = app.TestHasher() // PINs are not what is measured
	// A site of its own, thrown away after, with a key of its own; or the copy of a site
	// given, to see the host on a ledger of that size.
	path, opts := filepath.Join(dir, "load.db"), store.Options{Create: true, SealKey: cardio.NewSiteKey().LedgerSealKey()}
	if p.db != "" {
		path, opts = p.db, store.Options{SealKey: p.seal}
	}
	st, err := store.Open(path, opts)
	if err != nil {
		return loadResult{}, err
	}
	defer st.Close()
	svc := app.New(st, e.clock, cfg, e.log)
	clients, sessions, err := loadSite(ctx, svc, p.devices, p.cards())
	if err != nil {
		return loadResult{}, fmt.Errorf("load: set up its devices and cards on %s (a site loaded before needs a fresh copy): %w", path, err)
	}
	hosts := p.hosts
	if len(hosts) == 0 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return loadResult{}, err
		}
		// The host's handler as serve composes it: desks and POS on one listener.
		mux := http.NewServeMux()
		mux.Handle(deskapi.PathPrefix, deskapi.NewServer(svc, nil))
		mux.Handle("/", posapi.NewServer(svc, nil))
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		defer srv.Close()
		hosts = []string{"http://" + ln.Addr().String()}
	}
	tr := &http.Transport{MaxIdleConnsPerHost: p.devices * 2, MaxConnsPerHost: p.devices * 2, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	for _, c := range clients {
		c.HTTP = hc
		for _, h := range hosts {
			c.Hosts = append(c.Hosts, posapi.Host{URL: h})
		}
	}

	lat := make([]time.Duration, p.requests)
	var next, sent, refused, noAnswer atomic.Int64
	serials := make([]atomic.Int64, p.devices)
	for i := range serials {
		serials[i].Store(1000)
	}
	deadline := time.Now().Add(p.limit)
	send := func(i int, scheduled time.Time) {
		d := i % p.devices
		req := app.RechargeRequest{DeviceID: clients[d].DeviceID, Serial: serials[d].Add(1), BatchNo: sessions[d].BatchNo,
			AuthCode: sessions[d].AuthCode, CardNo: fmt.Sprintf("L%08d", i%p.cards()), Amount: 10 * app.Yuan}
		_, err := clients[d].Recharge(ctx, req)
		lat[i] = time.Since(scheduled)
		sent.Add(1)
		switch {
		case errors.Is(err, posapi.ErrNoAnswer):
			noAnswer.Add(1)
		case err != nil:
			refused.Add(1)
		}
	}
	desks, err := loginDesks(ctx, svc, hosts[0], p.desks)
	if err != nil {
		return loadResult{}, err
	}
	posDone := make(chan struct{})
	deskRes := make(chan deskLoadResult, 1)
	go func() { deskRes <- runDesks(ctx, desks, p, posDone) }()
	if p.sending != nil {
		p.sending()
	}
	start := time.Now()
	var wg sync.WaitGroup
	if p.rate <= 0 {
		for w := 0; w < p.devices; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil && time.Now().Before(deadline) {
					i := int(next.Add(1) - 1)
					if i >= p.requests {
						return
					}
					send(i, time.Now())
				}
			}()
		}
	} else {
		interval := time.Duration(float64(time.Second) / p.rate)
		for i := 0; i < p.requests && ctx.Err() == nil && time.Now().Before(deadline); i++ {
			at := start.Add(time.Duration(i) * interval)
			if d := time.Until(at); d > 0 {
				time.Sleep(d)
			}
			wg.Add(1)
			go func() { defer wg.Done(); send(i, at) }()
		}
	}
	wg.Wait()
	res := loadResult{plan: p, sent: sent.Load(), refused: refused.Load(), noAnswer: noAnswer.Load(), elapsed: time.Since(start)}
	close(posDone)
	res.desk = <-deskRes
	done := lat[:0]
	for _, l := range lat {
		if l > 0 {
			done = append(done, l)
		}
	}
	sort.Slice(done, func(i, j int) bool { return done[i] < done[j] })
	if len(done) > 0 {
		q := func(f float64) time.Duration { return done[min(len(done)-1, int(f*float64(len(done))))] }
		res.p50, res.p90, res.p99, res.max = q(0.50), q(0.90), q(0.99), done[len(done)-1]
	}
	rep, err := svc.Report(ctx, app.SystemActor, svc.Today(), svc.Today())
	if err != nil {
		return res, err
	}
	for _, row := range rep.Rows { // the tool's own operators: the site's (and other senders') are not its
		if strings.HasPrefix(row.OpNo, loadOpPrefix) {
			res.bookedRecounts += row.Recharges.Count
		}
	}
	return res, nil
}

// cards: user cards to spread recharges over (each card's balance ceiling is not what is
// measured: a request carries the balance the POS read).
func (p loadPlan) cards() int { return min(p.requests, 5000) }

// loadOpPrefix begins the numbers of the tool's operators: its recount counts their rows.
const loadOpPrefix = "LO"

// loadSite registers devices, operators with bound cards and user cards, and
// authorizes every device.
func loadSite(ctx context.Context, svc *app.Service, devices, cards int) ([]*posapi.Client, []app.AuthorizeResult, error) {
	a := app.SystemActor
	if err := svc.CreateStaff(ctx, a, "loadadmin", "负载管理员", app.RoleAdmin, "load-admin-pass"); err != nil {
		return nil, nil, err
	}
	for i := 0; i < cards; i++ {
		if _, err := svc.IssueCard(ctx, a, app.IssueCardInput{HolderNo: fmt.Sprintf("H%08d", i), HolderName: "负载测试",
			CardNo: fmt.Sprintf("L%08d", i)}); err != nil {
			return nil, nil, err
		}
	}
	var clients []*posapi.Client
	var sessions []app.AuthorizeResult
	for d := 0; d < devices; d++ {
		id := fmt.Sprintf("LP%03d", d)
		_, secret, err := svc.RegisterDevice(ctx, a, app.DeviceInput{ID: id, Name: "负载充值机", Model: app.ModelRechargePOS})
		if err != nil {
			return nil, nil, err
		}
		card := fmt.Sprintf("LA%06d", d)
		if _, err := svc.IssueCard(ctx, a, app.IssueCardInput{HolderNo: "T" + card, HolderName: "操作员", CardNo: card}); err != nil {
			return nil, nil, err
		}
		op, err := svc.CreateOperator(ctx, a, app.OperatorInput{OpNo: fmt.Sprintf("%s%03d", loadOpPrefix, d), Name: "负载操作员", PIN: "123456", Enabled: true})
		if err != nil {
			return nil, nil, err
		}
		if err := svc.BindCard(ctx, a, op.ID, card); err != nil {
			return nil, nil, err
		}
		auth, err := svc.Authorize(ctx, app.AuthorizeRequest{DeviceID: id, Serial: 1, CardNo: card, PIN: "123456"})
		if err != nil {
			return nil, nil, err
		}
		clients = append(clients, &posapi.Client{DeviceID: id, Secret: secret})
		sessions = append(sessions, auth)
	}
	return clients, sessions, nil
}
