package posscreen

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"cardcenter/app"
	"cardcenter/app/pos"
)

// fakeTerminal answers as a POS would, and records what the screen asked of it.
type fakeTerminal struct {
	st        pos.State
	calls     []string
	recharge  func(yuan int64) (pos.Outcome, error)
	waiting   *pos.Waiting
	outcomes  []pos.Notice // what CheckOutcomes turns the watched reversals into
	dismissed []int64
}

func (f *fakeTerminal) Start(context.Context) error { f.calls = append(f.calls, "start"); return nil }
func (f *fakeTerminal) Authorize(_ context.Context, pin string) (app.AuthorizeResult, error) {
	f.calls = append(f.calls, "authorize "+pin)
	if pin != "123456" {
		return app.AuthorizeResult{}, app.E(app.CodeWrongPIN, "")
	}
	f.st.Session = &pos.Session{OperatorNo: "OP01", OperatorName: "张三", BatchNo: 1}
	return app.AuthorizeResult{OperatorNo: "OP01", OperatorName: "张三", BatchNo: 1}, nil
}
func (f *fakeTerminal) Recharge(_ context.Context, yuan int64) (pos.Outcome, error) {
	f.calls = append(f.calls, "recharge "+strconv.FormatInt(yuan, 10))
	return f.recharge(yuan)
}
func (f *fakeTerminal) Retap(context.Context) (pos.Outcome, error) {
	f.calls = append(f.calls, "retap")
	r := f.st.Retap
	f.st.Retap = nil
	return pos.Outcome{Amount: r.Amount, BalanceAfter: r.Amount}, nil
}
func (f *fakeTerminal) CancelRetap(context.Context) error {
	f.calls = append(f.calls, "cancel")
	f.st.Retap = nil
	return nil
}
func (f *fakeTerminal) Summary(context.Context) (app.SummaryResult, error) {
	f.calls = append(f.calls, "summary")
	return app.SummaryResult{OperatorNo: "OP01", Day: "2026-03-02",
		Session: app.SummaryTotals{Recharges: app.Totals{Count: 2, Amount: 15000}, Reversals: app.Totals{Count: 1, Amount: 5000}, Cash: 10000},
		Today: app.SummaryTotals{Recharges: app.Totals{Count: 2, Amount: 15000}, Reversals: app.Totals{Count: 1, Amount: 5000},
			LateReversals: app.Totals{Count: 1, Amount: 3000}, Cash: 7000}}, nil
}
func (f *fakeTerminal) Upload(context.Context) ([]app.BatchItem, error) { return nil, nil }
func (f *fakeTerminal) State() pos.State                                { return f.st }
func (f *fakeTerminal) Progress() (pos.Waiting, bool) {
	if f.waiting == nil {
		return pos.Waiting{}, false
	}
	return *f.waiting, true
}
func (f *fakeTerminal) Notices() []pos.Notice { return append([]pos.Notice(nil), f.st.Notices...) }
func (f *fakeTerminal) DismissNotices(serials []int64) error {
	f.calls = append(f.calls, "dismiss")
	f.dismissed = append(f.dismissed, serials...)
	f.st.Notices = nil
	return nil
}
func (f *fakeTerminal) CheckOutcomes(context.Context) error {
	f.calls = append(f.calls, "outcomes")
	f.st.Watched, f.st.Notices = nil, append(f.st.Notices, f.outcomes...)
	return nil
}

// newScreen is the screen over f whose timers fire at once: nothing in a test sleeps.
func newScreen(f *fakeTerminal, device, lang string) Model {
	m := New(context.Background(), f, device, lang)
	m.tick = func(_ time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
		return func() tea.Msg { return fn(time.Time{}) }
	}
	return m
}

// drive feeds keys (and runs each command synchronously, as the program would).
func drive(t *testing.T, m tea.Model, keys ...string) tea.Model {
	t.Helper()
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		default:
			msg = tea.KeyPressMsg{Code: rune(k[0]), Text: k}
		}
		m = run(m, msg)
	}
	return m
}

// run applies msg and then every message its commands produce.
func run(m tea.Model, msg tea.Msg) tea.Model {
	m, cmd := m.Update(msg)
	return runCmd(m, cmd)
}

// runCmd runs cmd (as the program would) and feeds back what it produces.
func runCmd(m tea.Model, cmd tea.Cmd) tea.Model {
	for cmd != nil {
		next := cmd()
		if next == nil {
			break
		}
		if batch, ok := next.(tea.BatchMsg); ok {
			for _, c := range batch {
				if c != nil {
					if r := c(); r != nil {
						m = run(m, r)
					}
				}
			}
			break
		}
		m, cmd = m.Update(next)
	}
	return m
}

func screen(m tea.Model) string { return ansi.Strip(m.View().Content) }

// flat is the screen's text with the frame, line breaks and spaces taken out, for lines the
// panel wraps.
func flat(m tea.Model) string {
	return strings.NewReplacer("│", "", "╭", "", "╮", "", "╰", "", "╯", "", "─", "", "\n", "", " ", "").Replace(screen(m))
}

func squeeze(s string) string { return strings.ReplaceAll(s, " ", "") }

func TestPOSScreenAuthorizeRechargeSummary(t *testing.T) {
	f := &fakeTerminal{recharge: func(y int64) (pos.Outcome, error) {
		return pos.Outcome{Amount: app.Fen(y * 100), BalanceAfter: app.Fen(y * 100)}, nil
	}}
	start := newScreen(f, "P1", "zh")
	m := runCmd(start, start.Init())
	if s := screen(m); !strings.Contains(s, "请刷授权卡") || !strings.Contains(s, "增值机 P1") {
		t.Fatalf("after start:\n%s", s)
	}
	m = drive(t, m, "1", "1", "1", "enter")
	if s := screen(m); !strings.Contains(s, "授权卡密码错误") {
		t.Fatalf("wrong PIN:\n%s", s)
	}
	m = drive(t, m, "x", "1", "2", "3", "4", "5", "6", "enter")
	if s := screen(m); !strings.Contains(s, "授权成功") || strings.Contains(s, "123456") {
		t.Fatalf("authorized (and the PIN never shown):\n%s", s)
	}
	m = drive(t, m, "x")
	if s := screen(m); !strings.Contains(s, "2. 充值") || !strings.Contains(s, "OP01 张三") {
		t.Fatalf("menu:\n%s", s)
	}
	m = drive(t, m, "2", "5", ".")
	if s := screen(m); !strings.Contains(s, "只能输入整元") {
		t.Fatalf("jiao not refused:\n%s", s)
	}
	m = drive(t, m, "0", "enter")
	if s := screen(m); !strings.Contains(s, "充值成功  50.00 元") {
		t.Fatalf("recharge:\n%s", s)
	}
	m = drive(t, m, "x", "1")
	if s := screen(m); !strings.Contains(s, "现金 100.00 元") || !strings.Contains(s, "迟到冲正 1笔 30.00") || strings.Count(s, "迟到冲正") != 1 {
		t.Fatalf("summary (late reversals a line of their own, shown only when there are any):\n%s", s)
	}
	want := []string{"start", "authorize 111", "authorize 123456", "recharge 50", "summary"}
	if strings.Join(f.calls, ",") != strings.Join(want, ",") {
		t.Fatalf("calls %v", f.calls)
	}
}

func TestPOSScreenRetapAndCancelInEnglish(t *testing.T) {
	f := &fakeTerminal{st: pos.State{Session: &pos.Session{OperatorNo: "OP02"}}}
	f.recharge = func(y int64) (pos.Outcome, error) {
		f.st.Retap = &pos.Recharge{Serial: 9, Amount: app.Fen(y * 100)}
		return pos.Outcome{}, app.E(pos.CodeRetap, "")
	}
	start := newScreen(f, "P2", "en")
	m := runCmd(start, start.Init())
	m = drive(t, m, "2", "3", "0", "enter")
	if s := screen(m); !strings.Contains(s, "Tap the card again") {
		t.Fatalf("retap:\n%s", s)
	}
	m = drive(t, m, "esc")
	if s := screen(m); !strings.Contains(s, "Cancelled: keep the cash") {
		t.Fatalf("cancel:\n%s", s)
	}
	if f.calls[len(f.calls)-1] != "cancel" {
		t.Fatalf("calls %v", f.calls)
	}
}

// While an operation waits for the host (rule 5: the reversal is repeated until
// acknowledged), the screen says what it waits for and why, and stops saying it once done.
func TestPOSScreenSaysWhatItWaitsFor(t *testing.T) {
	f := &fakeTerminal{st: pos.State{Session: &pos.Session{OperatorNo: "OP01"}}}
	f.recharge = func(int64) (pos.Outcome, error) { return pos.Outcome{}, app.E(pos.CodeTimeout, "") }
	start := newScreen(f, "P1", "zh")
	m := runCmd(start, start.Init())
	m = drive(t, m, "2", "5", "0")
	m, cmd := m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	batch, ok := cmd().(tea.BatchMsg)
	if !ok || len(batch) != 2 {
		t.Fatalf("work is not the operation and a look at its progress: %T", cmd())
	}
	// The reversal is being repeated while the operation runs.
	f.waiting = &pos.Waiting{Kind: app.OfflineReversal, Serial: 123, Attempts: 3,
		Reason: &app.Error{Code: "STALE_TIMESTAMP", ZH: "报文时间超出允许范围,请校对时钟", EN: "message time outside the replay window; check the clock"}}
	m, again := m.Update(batch[1]())
	if s := flat(m); !strings.Contains(s, squeeze("等待主机应答: 冲正 流水 123 — 报文时间超出允许范围,请校对时钟 (第 3 次)")) {
		t.Fatalf("while waiting:\n%s", screen(m))
	}
	if again == nil {
		t.Fatal("the screen stops looking while the operation still runs")
	}
	f.waiting = nil
	m, _ = m.Update(batch[0]())
	if s := screen(m); !strings.Contains(s, "充值超时,已自动冲正") || strings.Contains(s, "等待主机应答") {
		t.Fatalf("after the acknowledgement:\n%s", s)
	}
	if _, next := m.Update(again()); next != nil {
		t.Fatal("the screen keeps looking after the operation ended")
	}
}

// A recharge that timed out while the reversal could not be sent says so: the reversal is
// not done, and the cash is not to be refunded yet.
func TestPOSScreenTimeoutWithTheReversalPending(t *testing.T) {
	f := &fakeTerminal{st: pos.State{Session: &pos.Session{OperatorNo: "OP01"}}}
	f.recharge = func(int64) (pos.Outcome, error) {
		return pos.Outcome{}, fmt.Errorf("%w: %w", &app.Error{Code: pos.CodeTimeoutPending, ZH: "充值超时,冲正尚未被主机确认,将自动重发;确认前请勿退还现金"}, app.E(pos.CodeQueuePending, ""))
	}
	start := newScreen(f, "P1", "zh")
	m := drive(t, runCmd(start, start.Init()), "2", "5", "0", "enter")
	if s := flat(m); !strings.Contains(s, "冲正尚未被主机确认") || strings.Contains(s, "已自动冲正") {
		t.Fatalf("timeout with the reversal pending:\n%s", screen(m))
	}
}

// An idle POS asks what became of its reversals; each final outcome is shown once, an
// alarm loudly and first, and the next key only says "seen".
func TestPOSScreenShowsReversalOutcomesOnce(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		t.Run(lang, func(t *testing.T) {
			f := &fakeTerminal{st: pos.State{Session: &pos.Session{OperatorNo: "OP01"}, Watched: []pos.Watched{{Serial: 7}, {Serial: 9}}}}
			f.outcomes = []pos.Notice{
				{Kind: app.OfflineReversal, Serial: 7, OrigSerial: 6, CardNo: "20000001", Amount: 5000, Outcome: "applied"},
				{Kind: app.OfflineReversal, Serial: 9, OrigSerial: 8, CardNo: "20000002", Amount: 2000, Outcome: "conflict", Code: app.CodeFurtherActivity, Alarm: true},
			}
			start := newScreen(f, "P1", lang)
			m := runCmd(start, start.Init())
			s := flat(m)
			alarm, done := squeeze(f.outcomes[1].Message(lang)), squeeze(f.outcomes[0].Message(lang))
			if !strings.Contains(s, alarm) || !strings.Contains(s, done) {
				t.Fatalf("outcomes not shown:\n%s", screen(m))
			}
			if strings.Index(s, alarm) > strings.Index(s, done) {
				t.Fatalf("the alarm is not first:\n%s", screen(m))
			}
			want := squeeze(map[string]string{"zh": "未能冲正,已转卡务中心异常处理,请勿退还现金", "en": "do not refund the cash"}[lang])
			if !strings.Contains(alarm, want) {
				t.Fatalf("the alarm says %q", f.outcomes[1].Message(lang))
			}
			m = drive(t, m, "2") // seen: the key does not start a recharge
			if s := flat(m); strings.Contains(s, want) || strings.Contains(s, "请输入充值金额") || strings.Contains(s, "Amount(whole") {
				t.Fatalf("after the key:\n%s", screen(m))
			}
			if fmt.Sprint(f.dismissed) != "[7 9]" || strings.Count(strings.Join(f.calls, ","), "outcomes") != 1 {
				t.Fatalf("dismissed %v, calls %v", f.dismissed, f.calls)
			}
			m = drive(t, m, "2")
			if s := screen(m); !strings.Contains(s, map[string]string{"zh": "请输入充值金额", "en": "Amount (whole"}[lang]) {
				t.Fatalf("the next key is a key again:\n%s", s)
			}
		})
	}
}
