package cli

import (
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/cardio"
	"cardcenter/cardio/pcsctest"
	"cardcenter/cardio/vcard"
)

// posWorld is the manual's section 1 for real: `cardcenter serve` on loopback, a POS run as
// `cardcenter pos` actions on the vpcd reader through pcscd, and virtual cards a test puts
// on that reader.
type posWorld struct {
	t       *testing.T
	site    *apptest.Site
	url     string
	tray    *pcsctest.Tray
	key     cardio.SiteKey
	cards   map[string]*vcard.Reader
	uids    map[string][]byte
	journal string
}

// cardUID is the UID of the card's chip (its record's).
func (w *posWorld) cardUID(no string) []byte { return w.uids[no] }

func newPOSWorld(t *testing.T) *posWorld {
	c := pcsctest.Stack(t)
	site := apptest.New(t, apptest.Options{Operators: 2})
	uids := map[string]string{}
	for _, no := range []string{apptest.AuthCard(0), apptest.AuthCard(1), apptest.UserCard(0), apptest.UserCard(1)} {
		uids[no] = site.CardOf(no).UID
	}
	site.Store.Close()
	key := apptest.SiteKey // the key the fixture's ledger is sealed with
	t.Setenv(cardio.SiteKeyEnv, key.Hex())
	url, stop := startServe(t, site.Path, "--reversal-delay", "300ms", "--worker-interval", "50ms")
	t.Cleanup(func() { stop() })
	w := &posWorld{t: t, site: site, url: url, key: key, cards: map[string]*vcard.Reader{}, uids: map[string][]byte{},
		tray: pcsctest.NewTray(t, c, pcsctest.Port0, pcsctest.Reader0), journal: filepath.Join(t.TempDir(), "pos-P1.json")}
	for _, no := range []string{apptest.AuthCard(0), apptest.AuthCard(1), apptest.UserCard(0), apptest.UserCard(1)} {
		// Each chip has the UID of its card's record: the host gives a card's write key
		// only for the UID on record (issue 11.4).
		uid, err := hex.DecodeString(uids[no])
		if err != nil {
			t.Fatal(err)
		}
		w.uids[no] = uid
		w.cards[no] = apptest.IssueCard(t, key, uid, apptest.Holder(no, 0))
	}
	return w
}

// pos runs one `cardcenter pos` action with extra flags before it; it returns the exit code
// and what it printed.
func (w *posWorld) pos(flags []string, action ...string) (int, string) {
	w.t.Helper()
	// --host takes a list (it may be given again), so a step that names its own host
	// gets that host alone, not the site's host with it.
	host := []string{"--host", w.url}
	if slices.Contains(flags, "--host") {
		host = nil
	}
	args := append(append(append([]string{"pos"}, host...), "--device", "P1", "--db", w.site.Path, "--journal", w.journal,
		"--reader", pcsctest.Reader0, "--card-wait", "5s", "--retry-for", "10s"), flags...)
	var out, errb bytes.Buffer
	code := run(context.Background(), append(args, action...), &out, &errb)
	return code, out.String() + errb.String()
}

func (w *posWorld) mustPOS(flags []string, action ...string) string {
	w.t.Helper()
	code, out := w.pos(flags, action...)
	if code != 0 {
		w.t.Fatalf("pos %v %v: exit %d: %s", flags, action, code, out)
	}
	return out
}

func (w *posWorld) refused(code app.Code, flags []string, action ...string) {
	w.t.Helper()
	c, out := w.pos(flags, action...)
	if c == 0 || !strings.Contains(out, string(code)) {
		w.t.Fatalf("pos %v %v: exit %d, want %s: %s", flags, action, c, code, out)
	}
}

func (w *posWorld) put(cardNo string) { w.t.Helper(); w.tray.Put(w.cards[cardNo]) }

func (w *posWorld) balance(cardNo string) app.Fen {
	w.t.Helper()
	c, err := cardio.Read(vcard.InProc{R: w.cards[cardNo]}, w.key)
	if err != nil {
		w.t.Fatal(err)
	}
	return app.Fen(c.Purse.Balance)
}

// ledger opens the host's database beside the running host and runs fn.
func (w *posWorld) ledger(fn func(svc *app.Service)) {
	w.t.Helper()
	w.site.Reopen()
	defer w.site.Store.Close()
	fn(w.site.Svc)
}

// today's report, in the host's (wall-clock) settlement day.
func (w *posWorld) report() app.Report {
	var r app.Report
	w.ledger(func(svc *app.Service) {
		day := w.site.Cfg.SettleDay(time.Now())
		var err error
		if r, err = svc.Report(context.Background(), app.SystemActor, day, day); err != nil {
			w.t.Fatal(err)
		}
	})
	return r
}

func (w *posWorld) authorize(op int) {
	w.t.Helper()
	w.put(apptest.AuthCard(op))
	w.mustPOS(nil, "authorize", "--pin", apptest.PIN)
}

// Every case of the manual's FAQ, end to end through the real PC/SC stack and loopback HTTP.
func TestPOSManualFAQEndToEnd(t *testing.T) {
	w := newPOSWorld(t)
	ctx := context.Background()
	card := apptest.UserCard(0)

	// Authorization card lost / frozen / bad: refused (rule 10).
	for _, st := range []struct {
		s    app.CardStatus
		code app.Code
	}{{app.CardLost, app.CodeCardLost}, {app.CardFrozen, app.CodeCardFrozen}, {app.CardBad, app.CodeCardBad}} {
		w.ledger(func(svc *app.Service) { svc.SetCardStatus(ctx, w.site.Admin, apptest.AuthCard(1), st.s) })
		w.put(apptest.AuthCard(1))
		w.refused(st.code, nil, "authorize", "--pin", apptest.PIN)
	}
	w.authorize(0)

	// A plain recharge: written to the card and confirmed.
	w.put(card)
	if out := w.mustPOS(nil, "recharge", "--amount", "50"); !strings.Contains(out, "充值成功") {
		t.Fatalf("recharge said %q", out)
	}
	if got := w.balance(card); got != 50*app.Yuan {
		t.Fatalf("balance %d", got)
	}

	// Amounts with jiao are refused at the POS; the balance ceiling at the host (rule 11).
	w.refused(app.CodeAmountNotYuan, nil, "recharge", "--amount", "10.5")
	w.refused(app.CodeOverCeiling, nil, "recharge", "--amount", "990")

	// 请重刷卡: the write is torn; the re-tap finds it did not land and writes it: one record,
	// one credit (rule 3).
	w.refused("RETAP_CARD", []string{"--tear-after", "4"}, "recharge", "--amount", "20")
	w.refused("RETAP_PENDING", nil, "recharge", "--amount", "20")
	w.put(card) // the card is put back
	w.mustPOS(nil, "retap")
	if got := w.balance(card); got != 70*app.Yuan {
		t.Fatalf("balance after re-tap %d, want 7000", got)
	}

	// 请重刷卡 → 取消: a cancel record; still booked, the card not credited, awaiting the desk
	// (rules 4, 13).
	w.put(card)
	w.refused("RETAP_CARD", []string{"--tear-after", "1"}, "recharge", "--amount", "30")
	w.mustPOS(nil, "cancel")
	if got := w.balance(card); got != 70*app.Yuan {
		t.Fatalf("balance after cancel %d", got)
	}
	w.ledger(func(svc *app.Service) {
		items, err := svc.AwaitingDesk(ctx, app.SystemActor, card)
		if err != nil || len(items) != 1 || items[0].Reason != app.DeskCancelReported || items[0].Recharge.Amount != 30*app.Yuan {
			t.Fatalf("desk: %+v %v", items, err)
		}
	})

	// 充值超时: the answer is lost; the POS reverses at once and the host applies it after
	// the delay; the summary counts the processed reversal (rules 5, 12, 14).
	w.put(card)
	w.refused("RECHARGE_TIMEOUT", []string{"--drop-answer", "recharge"}, "recharge", "--amount", "40")
	if got := w.balance(card); got != 70*app.Yuan {
		t.Fatalf("balance after timeout %d", got)
	}
	waitFor(t, "reversal applied", func() bool { return w.report().Total.Reversals.Count == 1 })
	if out := w.mustPOS(nil, "summary"); !strings.Contains(out, "冲正 1 笔 40.00 元") || !strings.Contains(out, "充值 4 笔 140.00 元") {
		t.Fatalf("summary: %s", out)
	}

	// The auditor's sequence (issue 8.1): a recharge's answer is lost and its reversal does
	// not get through (lost on the way until the POS gives up for now: it says it waits and
	// that the cash is not to be refunded yet); then the POS clock steps back three hours (an
	// RTC reset). At power-on the host answers the queued reversal with a signed
	// STALE_TIMESTAMP: the POS takes the host's time from that answer and sends the reversal
	// again, the host records it and applies it after its delay, and the POS later says so.
	w.put(card)
	c, out := w.pos([]string{"--drop-answer", "recharge", "--lose-request", strings.Repeat("reverse,", 20), "--retry-for", "1s"},
		"recharge", "--amount", "25")
	if c == 0 || !strings.Contains(out, "RECHARGE_TIMEOUT_REVERSAL_PENDING") || !strings.Contains(out, "确认前请勿退还现金") ||
		!strings.Contains(out, "等待主机应答: 冲正 流水") {
		t.Fatalf("recharge whose reversal cannot go: exit %d: %s", c, out)
	}
	if st := readJournal(t, w.journal); !strings.Contains(st, `"kind": "reversal"`) {
		t.Fatalf("journal lost the reversal: %s", st)
	}
	if out := w.mustPOS([]string{"--clock-skew", "-3h"}, "start"); strings.Contains(out, "等待主机应答") {
		t.Fatalf("the POS needed more than one resend to recover its clock: %s", out)
	}
	if st := readJournal(t, w.journal); strings.Contains(st, `"queue"`) {
		t.Fatalf("reversal still queued after the clock step: %s", st)
	}
	waitFor(t, "the reversal after the clock step applied", func() bool { return w.report().Total.Reversals.Count == 2 })
	if out := w.mustPOS([]string{"--clock-skew", "-3h"}, "outcomes"); !strings.Contains(out, "已完成:原充值已冲正") || !strings.Contains(out, "25.00 元") {
		t.Fatalf("outcomes: %s", out)
	}

	// The host unreachable once the card is read (its keys come from the host, so it was
	// there a moment ago): 充值超时, and the reversal cannot be sent. The POS keeps it across a
	// power cycle and sends it first when it starts again (rules 5, 6).
	w.put(card)
	c, out = w.pos([]string{"--lose-request", "recharge" + strings.Repeat(",reverse", 50), "--retry-for", "1s"}, "recharge", "--amount", "60")
	if c == 0 || !strings.Contains(out, "RECHARGE_TIMEOUT_REVERSAL_PENDING") {
		t.Fatalf("recharge with the host down: exit %d: %s", c, out)
	}
	if st := readJournal(t, w.journal); !strings.Contains(st, `"kind": "reversal"`) {
		t.Fatalf("journal lost the reversal: %s", st)
	}
	w.mustPOS(nil, "start")
	if st := readJournal(t, w.journal); strings.Contains(st, `"queue"`) {
		t.Fatalf("queue not uploaded at start: %s", st)
	}

	// 3. 脱机批上送记录: a cancel queued while the host was down goes up in a batch.
	w.put(card)
	w.refused("RETAP_CARD", []string{"--tear-after", "2"}, "recharge", "--amount", "10")
	c, out = w.pos([]string{"--host", "http://127.0.0.1:9", "--retry-for", "1s"}, "cancel")
	if c == 0 || !strings.Contains(out, "OFFLINE_RECORDS_PENDING") {
		t.Fatalf("cancel with the host down: exit %d: %s", c, out)
	}
	if out := w.mustPOS(nil, "upload"); !strings.Contains(out, "已上送 recorded") {
		t.Fatalf("upload: %s", out)
	}

	// In the end: cash = booked − processed reversals (the 60 never reached the host, and its
	// reversal left a tombstone; the 40 and the 25 were reversed), the card holds exactly what
	// was written (50 + 20), and two cancelled recharges (30, 10) await the desk.
	r := w.report()
	if r.Total.Recharges.Count != 6 || r.Total.Reversals.Count != 2 || r.Total.Cancels != 2 ||
		r.Total.Cash() != (50+20+30+40+25+10-40-25)*app.Yuan {
		t.Fatalf("report totals %+v cash %d", r.Total, r.Total.Cash())
	}
	if got := w.balance(card); got != 70*app.Yuan {
		t.Fatalf("final balance %d", got)
	}
}

func readJournal(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// waitFor polls a condition that a real process (the host's worker) makes true.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
