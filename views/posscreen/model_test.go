package posscreen

import (
	"context"
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"cardcenter/app"
	"cardcenter/app/pos"
)

// fakeTerminal answers as a POS would, and records what the screen asked of it.
type fakeTerminal struct {
	st       pos.State
	calls    []string
	recharge func(yuan int64) (pos.Outcome, error)
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
		Session: app.SummaryTotals{Recharges: app.Totals{Count: 2, Amount: 15000}, Reversals: app.Totals{Count: 1, Amount: 5000}, Cash: 10000}}, nil
}
func (f *fakeTerminal) Upload(context.Context) ([]app.BatchItem, error) { return nil, nil }
func (f *fakeTerminal) State() pos.State                                { return f.st }

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

func TestPOSScreenAuthorizeRechargeSummary(t *testing.T) {
	f := &fakeTerminal{recharge: func(y int64) (pos.Outcome, error) {
		return pos.Outcome{Amount: y * 100, BalanceAfter: y * 100}, nil
	}}
	start := New(context.Background(), f, "P1", "zh")
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
	if s := screen(m); !strings.Contains(s, "现金 100.00 元") {
		t.Fatalf("summary:\n%s", s)
	}
	want := []string{"start", "authorize 111", "authorize 123456", "recharge 50", "summary"}
	if strings.Join(f.calls, ",") != strings.Join(want, ",") {
		t.Fatalf("calls %v", f.calls)
	}
}

func TestPOSScreenRetapAndCancelInEnglish(t *testing.T) {
	f := &fakeTerminal{st: pos.State{Session: &pos.Session{OperatorNo: "OP02"}}}
	f.recharge = func(y int64) (pos.Outcome, error) {
		f.st.Retap = &pos.Recharge{Serial: 9, Amount: y * 100}
		return pos.Outcome{}, app.E(pos.CodeRetap, "")
	}
	start := New(context.Background(), f, "P2", "en")
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
