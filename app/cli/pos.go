package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"cardcenter/app"
	"cardcenter/app/pos"
	"cardcenter/app/posapi"
	"cardcenter/app/provision"
	"cardcenter/app/sitecert"
	"cardcenter/cardio"
	"cardcenter/cardio/pcsc"
	"cardcenter/views/posscreen"

	tea "charm.land/bubbletea/v2"
)

const posUsage = `usage: cardcenter pos [flags] [action] [action flags]

With no action: the POS's own interactive screen (menu 1, 2, 3; --lang en for English).

A recharge POS (增值机) on a PC/SC reader, talking to 'cardcenter serve'. Every run powers
the POS on first: an unanswered recharge is reversed and queued records are uploaded
before the action (manual 1.x, rules 5 and 6). The POS remembers its state in --journal.
While it repeats a record the host has not answered it says so on stderr; after the action
it prints what became of earlier reversals (once; "!!" marks one that did not reverse).

actions:
  start                    power on only
  authorize --pin PIN      tap the authorization card, enter its PIN
  recharge --amount YUAN   2. 充值: whole yuan, onto the card on the reader
  retap                    请重刷卡: tap the card again
  cancel                   请重刷卡 → 取消: send a cancel record
  summary                  1. 查询充值汇总
  upload                   3. 脱机批上送记录
  outcomes                 ask the host what became of acknowledged reversals
  status                   what the POS remembers (its journal)`

// runPOS is one power-on of a recharge POS and one action of its operator.
func runPOS(ctx context.Context, e *env, args []string) error {
	fs := newFlags("pos", e)
	fs.Usage = func() { fmt.Fprintln(e.stderr, posUsage); fs.PrintDefaults() }
	var hostURLs, pinList listFlag
	fs.Var(&hostURLs, "host", "host base URL (cardcenter serve; default http://127.0.0.1:8620); https:// off this machine. Several hosts on one database: a comma-separated list or the flag repeated; a message the host does not answer goes to the next")
	fs.Var(&pinList, "pin-sha256", "the host's certificate SHA-256 fingerprint (as serve prints it): trust exactly that certificate; with several hosts, one for all or one per host in the order of --host")
	insecure := fs.Bool(sitecert.InsecureFlag, false, "talk plain HTTP to a host other than this machine: the operator's PIN crosses the network in clear")
	device := fs.String("device", "", "this POS's terminal id (required)")
	secretFile := fs.String("secret-file", "", "file holding this device's secret in hex")
	db := fs.String("db", "", "demo only: read the device's secret from this ledger instead of --secret-file")
	journal := fs.String("journal", "", "state file (default: pos-DEVICE.json)")
	reader := fs.String("reader", "", "PC/SC reader (default: the first)")
	keyFile := fs.String("site-key", "", "demo only, with --db: the site key file that unseals the device's secret in the ledger (default: $"+cardio.SiteKeyEnv+", else the user config dir); a POS holds no site key")
	lang := fs.String("lang", "zh", "zh or en")
	wait := fs.Duration("card-wait", 20*time.Second, "how long to wait for a card on the reader")
	retryFor := fs.Duration("retry-for", 2*time.Minute, "how long to keep retrying an unanswered reversal or cancel before giving up for now")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the host's answer (then 充值超时)")
	dropAnswer := fs.String("drop-answer", "", "fault injection: lose the host's answer to these messages, e.g. recharge,reverse")
	loseRequest := fs.String("lose-request", "", "fault injection: lose these messages on the way, before the host sees them, e.g. reverse,reverse")
	tearAfter := fs.Int("tear-after", 0, "fault injection: pull the card after N APDUs of the card write")
	skew := fs.Duration("clock-skew", 0, "fault injection: this POS's clock is off by this much (an RTC reset, an NTP step)")
	logFile := fs.String("log", "", "write the POS's log to this file (default: warnings on stderr; the screen never shows logs)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	action, rest := "screen", []string(nil)
	if fs.NArg() > 0 {
		action, rest = fs.Arg(0), fs.Args()[1:]
	}
	if *device == "" {
		return app.E(app.CodeBadInput, "--device is required")
	}
	if len(hostURLs) == 0 {
		hostURLs = listFlag{"http://127.0.0.1:8620"}
	}
	hostList, err := pinHosts(hostURLs, pinList, *insecure)
	if err != nil {
		return err
	}
	secret, err := posSecret(ctx, e, *device, *secretFile, *db, *keyFile)
	if err != nil {
		return err
	}
	if *journal == "" {
		*journal = "pos-" + *device + ".json"
	}
	j, st, err := pos.OpenJournal(*journal, *device)
	if err != nil {
		return err
	}
	clock := app.Clock(e.clock)
	if *skew != 0 {
		clock = skewedClock{e.clock, *skew}
	}
	keyHost := &posapi.Client{DeviceID: *device, Secret: secret, Clock: clock}
	for _, h := range hostList {
		keyHost.Hosts = append(keyHost.Hosts, posapi.Host{URL: h.URL, HTTP: sitecert.PinnedClient(h.Pin, *timeout)})
	}
	var host pos.Host = keyHost
	if *dropAnswer != "" || *loseRequest != "" {
		host = pos.NewDroppingHost(host, countKinds(*dropAnswer), countKinds(*loseRequest))
	}
	// The card's keys come from the host, in a signed request like every other: no site
	// key lives in a POS. They are held for the card on the reader only.
	keys := &cardio.OneCard{Source: pos.HostKeys(keyHost)}
	cards := &pos.CardioCards{Station: cardio.Station{Keys: keys, TearCreditAfter: *tearAfter, Connect: pcscConnect(*reader, *wait)}}
	term := pos.New(host, cards, j, st, clock)
	term.Log = e.log
	if *logFile != "" {
		f, err := os.OpenFile(*logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("POS log: %w", err)
		}
		defer f.Close()
		term.Log = slog.New(slog.NewJSONHandler(f, nil))
	}
	out := posPrinter{w: e.stdout, en: *lang == "en"}
	deadline := time.Now().Add(*retryFor)
	term.Wait = func(ctx context.Context, attempt int) error {
		if w, ok := term.Progress(); ok {
			fmt.Fprintln(e.stderr, w.Message(*lang))
		}
		if time.Now().After(deadline) {
			return errors.New("retry time used up")
		}
		return pos.Backoff(ctx, attempt)
	}
	if action == "screen" {
		// The interactive POS retries an unanswered reversal for as long as it is on
		// (rule 5), and says so on its own screen; logs never go over the screen.
		term.Wait = pos.Backoff
		if *logFile == "" {
			term.Log = slog.New(slog.DiscardHandler)
		}
		return runPOSScreen(ctx, term, *device, *lang)
	}
	defer out.notices(term)
	// "3. 脱机批上送记录" and status look at the queue as it is; every other action first
	// uploads it (rule 6).
	start := term.Start
	if action == "upload" || action == "status" {
		start = func(context.Context) error { return term.Recover() }
	}
	if err := start(ctx); err != nil {
		return err
	}
	return posAction(ctx, term, out, action, rest, e)
}

func posAction(ctx context.Context, term *pos.Terminal, out posPrinter, action string, args []string, e *env) error {
	afs := newFlags("pos "+action, e)
	pin := afs.String("pin", "", "authorization card PIN")
	amount := afs.String("amount", "", "amount in whole yuan")
	if err := parseFlags(afs, args); err != nil {
		return err
	}
	switch action {
	case "start":
		out.say("开机完成,无待上送流水", "powered on; nothing left to upload")
	case "outcomes":
		if err := term.CheckOutcomes(ctx); err != nil {
			return err
		}
		if n := len(term.State().Watched); n > 0 {
			out.say(fmt.Sprintf("%d 笔冲正尚未处理完毕", n), fmt.Sprintf("%d reversals not processed yet", n))
		}
	case "status":
		st := term.State()
		b, _ := jsonIndent(st)
		fmt.Fprintln(out.w, string(b))
	case "authorize":
		res, err := term.Authorize(ctx, *pin)
		if err != nil {
			return err
		}
		out.say(fmt.Sprintf("授权成功 操作员 %s %s 批次 %d", res.OperatorNo, res.OperatorName, res.BatchNo),
			fmt.Sprintf("authorized: operator %s %s, batch %d", res.OperatorNo, res.OperatorName, res.BatchNo))
	case "recharge":
		fen, err := app.ParseWholeYuan(*amount)
		if err != nil {
			return err
		}
		o, err := term.Recharge(ctx, int64(fen/app.Yuan))
		if err != nil {
			return err
		}
		out.outcome(o)
	case "retap":
		o, err := term.Retap(ctx)
		if err != nil {
			return err
		}
		out.outcome(o)
	case "cancel":
		if err := term.CancelRetap(ctx); err != nil {
			return err
		}
		out.say("已取消:撤销流水已上送,请收取现金并请持卡人到卡中心处理",
			"cancelled: cancel record sent; keep the cash and send the cardholder to the card center")
	case "summary":
		s, err := term.Summary(ctx)
		if err != nil {
			return err
		}
		out.say(fmt.Sprintf("操作员 %s %s  批次 %d  授权于 %s", s.OperatorNo, s.OperatorName, s.BatchNo, s.AuthorizedAt.In(e.cfg.Location).Format(time.DateTime)),
			fmt.Sprintf("operator %s %s  batch %d  since %s", s.OperatorNo, s.OperatorName, s.BatchNo, s.AuthorizedAt.In(e.cfg.Location).Format(time.DateTime)))
		for _, p := range []struct {
			zh, en string
			t      app.SummaryTotals
		}{{"本次授权", "this session", s.Session}, {"今日 " + s.Day, "today " + s.Day, s.Today}} {
			lateZH, lateEN := "", ""
			if l := p.t.LateReversals; l.Count > 0 {
				lateZH, lateEN = fmt.Sprintf(", 迟到冲正 %d 笔 %s 元", l.Count, yuan(l.Amount)), fmt.Sprintf(", late reversals %d %s", l.Count, yuan(l.Amount))
			}
			out.say(fmt.Sprintf("%s: 充值 %d 笔 %s 元, 冲正 %d 笔 %s 元%s, 现金 %s 元", p.zh, p.t.Recharges.Count, yuan(p.t.Recharges.Amount),
				p.t.Reversals.Count, yuan(p.t.Reversals.Amount), lateZH, yuan(p.t.Cash)),
				fmt.Sprintf("%s: recharges %d %s, reversals %d %s%s, cash %s", p.en, p.t.Recharges.Count, yuan(p.t.Recharges.Amount),
					p.t.Reversals.Count, yuan(p.t.Reversals.Amount), lateEN, yuan(p.t.Cash)))
		}
	case "upload":
		items, err := term.Upload(ctx)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			out.say("没有脱机流水", "no offline records")
		}
		outcomes := map[app.BatchOutcome][2]string{app.BatchRecorded: {"已上送", "uploaded"},
			app.BatchRefused: {"已上送但被拒绝,未记录", "refused, not recorded"}, app.BatchNotTaken: {"未上送,将重传", "not taken, will be sent again"}}
		for _, it := range items {
			o := outcomes[posapi.ItemOutcome(it)]
			why := it.Code
			if why == "" {
				why = it.Reason
			}
			out.say(strings.Join(strings.Fields(fmt.Sprintf("流水 %d: %s %s %s %s", it.Serial, o[0], it.Status, why, it.ZH)), " "),
				strings.Join(strings.Fields(fmt.Sprintf("record %d: %s %s %s %s", it.Serial, o[1], it.Status, why, it.EN)), " "))
		}
	default:
		fmt.Fprintln(e.stderr, posUsage)
		return errUsage
	}
	return nil
}

// countKinds reads "recharge,reverse,reverse" as how many of each kind.
func countKinds(list string) map[string]int {
	m := map[string]int{}
	for _, k := range strings.Split(list, ",") {
		if k = strings.TrimSpace(k); k != "" {
			m[k]++
		}
	}
	return m
}

// posSecret: the device's secret from the provisioning file written at its registration,
// which is all a real terminal holds; or (demo, on the host's own machine) unsealed from the
// ledger with the site key, which is loaded for that alone.
func posSecret(ctx context.Context, e *env, device, file, db, keyFile string) ([]byte, error) {
	if file != "" {
		return provision.Read(file)
	}
	if db == "" {
		return nil, app.E(app.CodeBadInput, "give --secret-file (or --db for the demo)")
	}
	_, svc, st, err := e.openSite(db, keyFile)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	d, err := svc.DeviceWithKey(ctx, device)
	if err != nil {
		return nil, err
	}
	return d.Secret, nil
}

// pcscConnect waits for a card on the reader and connects to it, one connection per use.
func pcscConnect(reader string, wait time.Duration) func(ctx context.Context) (cardio.Transport, func(), error) {
	return func(ctx context.Context) (cardio.Transport, func(), error) {
		return pcsc.ConnectCard(ctx, reader, wait)
	}
}

type posPrinter struct {
	w  io.Writer
	en bool
}

func (p posPrinter) say(zh, en string) {
	if p.en {
		fmt.Fprintln(p.w, en)
	} else {
		fmt.Fprintln(p.w, zh)
	}
}

// notices prints what became of earlier reversals (and records the host refused), once:
// printed is seen.
func (p posPrinter) notices(term *pos.Terminal) {
	var seen []int64
	for _, n := range term.Notices() {
		mark := "  "
		if n.Alarm {
			mark = "!!"
		}
		lang := "zh"
		if p.en {
			lang = "en"
		}
		fmt.Fprintln(p.w, mark, n.Message(lang))
		seen = append(seen, n.Serial)
	}
	if err := term.DismissNotices(seen); err != nil {
		fmt.Fprintln(p.w, "!!", err)
	}
}

// skewedClock is a POS clock off by d (fault injection).
type skewedClock struct {
	base app.Clock
	d    time.Duration
}

func (c skewedClock) Now() time.Time { return c.base.Now().Add(c.d) }

func (p posPrinter) outcome(o pos.Outcome) {
	p.say(fmt.Sprintf("充值成功 卡号 %s 充值 %s 元 余额 %s 元 (流水 %d)", o.CardNo, yuan(o.Amount), yuan(o.BalanceAfter), o.Serial),
		fmt.Sprintf("recharged card %s by %s, balance %s (serial %d)", o.CardNo, yuan(o.Amount), yuan(o.BalanceAfter), o.Serial))
}

func runPOSScreen(ctx context.Context, term *pos.Terminal, device, lang string) error {
	_, err := tea.NewProgram(posscreen.New(ctx, term, device, lang), tea.WithContext(ctx)).Run()
	if errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
