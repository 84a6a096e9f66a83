package reports_test

import (
	"bytes"
	"cardcenter/views/common"
	"cardcenter/views/pages/reports"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/xuri/excelize/v2"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/views/viewtest"
)

func openReports(d *viewtest.Desk, w, h int) common.Page {
	p := reports.New(d.C)
	p.SetSize(w, h)
	return viewtest.RunPageCmd(p, p.Init())
}

// setRange types a history range into the page.
func setRange(p common.Page, from, to string) common.Page {
	p = viewtest.DrivePage(p, viewtest.Key("e"))
	p = clearField(p)
	p = viewtest.TypePage(p, from)
	p = viewtest.DrivePage(p, viewtest.Key("tab"))
	p = clearField(p)
	p = viewtest.TypePage(p, to)
	return viewtest.DrivePage(p, viewtest.Key("enter"))
}

func clearField(p common.Page) common.Page {
	for range 12 {
		p = viewtest.DrivePage(p, viewtest.Key("backspace"))
	}
	return p
}

func TestReportsScreens(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		t.Run(lang, func(t *testing.T) {
			d := viewtest.ReportsDesk(t, lang, true)
			p := openReports(d, viewtest.Width, viewtest.PageHeight)
			t.Run("today", func(t *testing.T) { viewtest.Golden(t, viewtest.PageScreen(p)) })

			p = setRange(p, "2026-03-01", "2026-03-03")
			t.Run("history", func(t *testing.T) { viewtest.Golden(t, viewtest.PageScreen(p)) })
			end := viewtest.DrivePage(p, tea.KeyPressMsg{Code: tea.KeyEnd})
			t.Run("history_end", func(t *testing.T) { viewtest.Golden(t, viewtest.PageScreen(end)) })

			chart := viewtest.DrivePage(p, viewtest.Key("g"))
			t.Run("chart", func(t *testing.T) { viewtest.Golden(t, viewtest.PageScreen(chart)) })
			p = viewtest.DrivePage(chart, viewtest.Key("g"))

			bad := setRange(p, "2026-02-30", "2026-03-03")
			t.Run("invalid_date", func(t *testing.T) { viewtest.Golden(t, viewtest.PageScreen(bad)) })
			p = viewtest.DrivePage(bad, viewtest.Key("esc"))

			empty := setRange(p, "2026-02-01", "2026-02-07")
			t.Run("empty_range", func(t *testing.T) { viewtest.Golden(t, viewtest.PageScreen(empty)) })
		})
	}
}

// A wide screen shows the chart beside the table.
func TestReportsWideChartBesideTheTable(t *testing.T) {
	d := viewtest.ReportsDesk(t, "zh", true)
	p := openReports(d, 140, 30)
	p = setRange(p, "2026-03-02", "2026-03-03")
	p = viewtest.DrivePage(p, viewtest.Key("g"))
	s := viewtest.PageScreen(p)
	if !strings.Contains(s, "科目") || !strings.Contains(s, "POS现金充值(按操作员)") {
		t.Fatalf("wide chart:\n%s", s)
	}
	viewtest.Golden(t, s)
}

// fig is what a block of the table says: recharges, reversals, cancels and the balance.
type fig struct {
	rechN, revN, cancelN    string
	income, expense, remain string
}

// blocks reads the table's operator and total blocks off the screen, keyed by their heading.
func blocks(t *testing.T, screen string) map[string]fig {
	t.Helper()
	out := map[string]fig{}
	lines := strings.Split(screen, "\n")
	num := regexp.MustCompile(`-?[0-9]+(\.[0-9]{2})?`)
	day := ""
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if strings.HasPrefix(l, "结算日 ") {
			day = strings.Fields(l)[1]
			continue
		}
		if !strings.HasPrefix(l, "操作员 ") && l != "合计" {
			continue
		}
		if i+4 >= len(lines) {
			t.Fatalf("block %q cut off", l)
		}
		name := day + " " + l
		if l == "合计" {
			name = l
		}
		rech := num.FindAllString(strings.TrimPrefix(lines[i+1], "POS现金充值"), -1)
		rev := num.FindAllString(lines[i+2], -1)
		can := num.FindAllString(lines[i+3], -1)
		bal := num.FindAllString(lines[i+4], -1)
		if len(rech) != 2 || len(rev) != 2 || len(can) != 1 || len(bal) != 3 {
			t.Fatalf("block %q: %q %q %q %q", l, rech, rev, can, bal)
		}
		out[name] = fig{rech[0], rev[0], can[0], bal[0], bal[1], bal[2]}
		if rech[1] != bal[0] || rev[1] != bal[1] {
			t.Fatalf("block %q: the 小计 line disagrees with its entries", l)
		}
		i += 4
	}
	return out
}

func figOf(r app.ReportRow) fig {
	return fig{itoa(r.Recharges.Count), itoa(r.Reversals.Count), itoa(r.Cancels),
		app.FormatYuan(r.Recharges.Amount), app.FormatYuan(r.Reversals.Amount), app.FormatYuan(r.Cash())}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// The figures on screen are the app's Report, block for block: the reversal on the
// original's day, the cancel counted but without money, 结存 = 收入 − 支出.
func TestReportsNumbersAreTheAppsReport(t *testing.T) {
	d := viewtest.ReportsDesk(t, "zh", true)
	p := openReports(d, 100, 200)
	p = setRange(p, "2026-03-01", "2026-03-03")
	got := blocks(t, viewtest.PageScreen(p))
	rep, err := d.Site.Svc.Report(context.Background(), app.SystemActor, "2026-03-01", "2026-03-03")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]fig{"合计": figOf(rep.Total)}
	for _, r := range rep.Rows {
		want[r.Day+" 操作员 "+r.OpNo+" "+r.OperatorName] = figOf(r)
	}
	if len(got) != len(want) || len(want) != 4 {
		t.Fatalf("blocks on screen %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: screen %+v, report %+v", k, got[k], w)
		}
	}
	// And the report is what the site did: 390 booked, 30 reversed, one cancel not counted.
	if tot := got["合计"]; tot.income != "390.00" || tot.expense != "30.00" || tot.remain != "360.00" || tot.cancelN != "1" || tot.rechN != "5" {
		t.Fatalf("totals %+v", tot)
	}
	if op2 := got["2026-03-02 操作员 OP02 充值员2"]; op2.revN != "1" || op2.remain != "200.00" {
		t.Fatalf("OP02 on 03-02 %+v: the reversal belongs to the original's day", op2)
	}
}

func TestReportsExportCSVAndXLSX(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", dir)
	d := viewtest.ReportsDesk(t, "zh", true)
	p := openReports(d, viewtest.Width, viewtest.PageHeight)
	p = setRange(p, "2026-03-02", "2026-03-03")
	p = viewtest.DrivePage(p, viewtest.Key("c"))
	csvPath := filepath.Join(dir, "cardcenter", "reports", "cash-report_2026-03-02_2026-03-03_20260303-000130.csv")
	if s := viewtest.PageScreen(p); !strings.Contains(strings.ReplaceAll(s, "\n", ""), "已导出 CSV:"+csvPath) {
		t.Fatalf("no path on screen:\n%s", s)
	}
	b, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF操作员票据现金报表")) || !strings.Contains(string(b), ",小计,,390.00,30.00,360.00\r\n") {
		t.Fatalf("csv:\n%q", b)
	}

	p = viewtest.DrivePage(p, viewtest.Key("x"))
	xlsxPath := strings.TrimSuffix(csvPath, ".csv") + ".xlsx"
	if s := viewtest.PageScreen(p); !strings.Contains(strings.ReplaceAll(s, "\n", ""), "已导出 XLSX:"+xlsxPath) {
		t.Fatalf("no path on screen:\n%s", s)
	}
	f, err := excelize.OpenFile(xlsxPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("操作员票据现金报表", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := d.Site.Svc.Report(context.Background(), app.SystemActor, "2026-03-02", "2026-03-03")
	if err != nil {
		t.Fatal(err)
	}
	// Every 小计 line holds its operator's (or the total's) money as yuan numbers.
	var want [][3]float64
	for _, r := range append(rep.Rows, rep.Total) {
		want = append(want, [3]float64{float64(r.Recharges.Amount) / 100, float64(r.Reversals.Amount) / 100, float64(r.Cash()) / 100})
	}
	var got [][3]float64
	for _, r := range rows {
		if len(r) == 6 && r[1] == "小计" {
			var v [3]float64
			for i := range 3 {
				if _, err := fmt.Sscan(r[3+i], &v[i]); err != nil {
					t.Fatalf("cell %q: %v", r[3+i], err)
				}
			}
			got = append(got, v)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("xlsx 小计 lines %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("xlsx line %d: %v, want %v", i, got[i], want[i])
		}
	}
	if want[len(want)-1] != [3]float64{390, 30, 360} {
		t.Fatalf("total %v", want[len(want)-1])
	}
}

// 日结 asks first and No is the default; Yes settles and says which day, and why the next not yet.
func TestReportsSettleAsksAndSaysWhy(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		t.Run(lang, func(t *testing.T) {
			d := viewtest.ReportsDesk(t, lang, false)
			ctx := context.Background()
			p := openReports(d, viewtest.Width, viewtest.PageHeight)
			p = viewtest.DrivePage(p, viewtest.Key("s"))
			if !strings.Contains(viewtest.PageScreen(p), d.C.T("执行日结?", "Settle now?")) {
				t.Fatalf("no question:\n%s", viewtest.PageScreen(p))
			}
			p = viewtest.DrivePage(p, viewtest.Key("enter")) // the default: No
			if ok, _ := d.Site.Svc.IsSettled(ctx, app.SystemActor, "2026-03-02"); ok {
				t.Fatal("enter settled")
			}
			p = viewtest.DrivePage(p, viewtest.Key("s"))
			p = viewtest.DrivePage(p, viewtest.Key("y"))
			if ok, _ := d.Site.Svc.IsSettled(ctx, app.SystemActor, "2026-03-02"); !ok {
				t.Fatal("y did not settle")
			}
			viewtest.Golden(t, viewtest.PageScreen(p))
		})
	}
}

// Only supervisors and admins get the reports tab; a clerk does not, and a page built for
// one anyway shows and does nothing.
func TestReportsRoles(t *testing.T) {
	d := viewtest.New(t, app.Actor{}, "zh")
	d.C.Cards = nil
	ctx := context.Background()
	if err := d.Site.Svc.CreateStaff(ctx, d.Site.Admin, "fin", "财务", app.RoleSupervisor, "fin-pass-1"); err != nil {
		t.Fatal(err)
	}
	for _, who := range []struct {
		user, pass string
		sees       bool
	}{{"clerk1", "clerk-pass-1", false}, {"fin", "fin-pass-1", true}, {"admin", "admin-pass-1", true}} {
		m := viewtest.OpenRoot(d)
		m = viewtest.LogIn(m, who.user, who.pass)
		tabs := strings.SplitN(viewtest.Screen(m), "\n", 2)[0]
		if strings.Contains(tabs, "报表") != who.sees {
			t.Errorf("%s sees the reports tab: %t, want %t (tabs %q)", who.user, !who.sees, who.sees, tabs)
		}
	}
}

// A reports page built for a clerk anyway shows a refusal, asks nothing and settles nothing,
// on a site where a supervisor could settle 03-02.
func TestReportsPageRefusesAClerk(t *testing.T) {
	d := viewtest.ReportsDesk(t, "zh", false)
	d.C.Actor = d.Actor(d.Site.Clerk.User, d.Site.Clerk.Role)
	p := reports.New(d.C)
	if p.Init() != nil || !strings.Contains(p.View(), "无此操作权限") || len(p.ShortHelp()) != 0 {
		t.Fatalf("a clerk's reports page:\n%s", p.View())
	}
	p = viewtest.DrivePage(p, viewtest.Key("s"))
	p = viewtest.DrivePage(p, viewtest.Key("y"))
	if n := d.Site.Ledger().SettledDays; n != 0 || !strings.Contains(p.View(), "无此操作权限") {
		t.Fatalf("a clerk settled %d days:\n%s", n, p.View())
	}
	d.C.Actor = d.Actor(viewtest.Supervisor.User, viewtest.Supervisor.Role) // the same keys settle for a supervisor
	p = openReports(d, viewtest.Width, viewtest.PageHeight)
	p = viewtest.DrivePage(p, viewtest.Key("s"))
	viewtest.DrivePage(p, viewtest.Key("y"))
	if n := d.Site.Ledger().SettledDays; n != 1 {
		t.Fatalf("a supervisor settled %d days", n)
	}
}

// The whole desk at 80×24 for a supervisor: tabs, the report, the help bar.
func TestReportsDesk(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		t.Run(lang, func(t *testing.T) {
			d := viewtest.ReportsDesk(t, lang, true)
			d.Site.Staff("fin", app.RoleSupervisor) // password fin-pass-1
			d.C.Actor = app.Actor{}
			m := viewtest.OpenRoot(d)
			m = viewtest.LogIn(m, "fin", "fin-pass-1")
			m = viewtest.Drive(m, viewtest.Key("right"))
			s := viewtest.Screen(m)
			lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
			help := lines[len(lines)-1]
			if len(lines) > viewtest.Height || lipgloss.Width(help) > viewtest.Width || !strings.HasSuffix(help, d.C.T("q 退出", "q quit")) {
				t.Errorf("%d lines, help bar %d cells: %q", len(lines), lipgloss.Width(help), help)
			}
			viewtest.Golden(t, s)
		})
	}
}

// A reply to an earlier question (the history asked for, then today) is dropped.
func TestReportsDropsStaleReplies(t *testing.T) {
	d := viewtest.ReportsDesk(t, "en", true)
	p := openReports(d, viewtest.Width, viewtest.PageHeight)
	p, history := p.Update(viewtest.Key("right"))
	p, today := p.Update(viewtest.Key("left"))
	p = viewtest.RunPageCmd(p, today)
	p = viewtest.RunPageCmd(p, history)
	if s := viewtest.PageScreen(p); !strings.Contains(s, "Operator cash report  2026-03-03\n") {
		t.Fatalf("the history's late reply replaced today's:\n%s", s)
	}
}

// On resize the table keeps its place within what fits; a taller screen shows it all.
func TestReportsResize(t *testing.T) {
	d := viewtest.ReportsDesk(t, "zh", true)
	p := openReports(d, viewtest.Width, 12)
	p = setRange(p, "2026-03-01", "2026-03-03")
	p = viewtest.DrivePage(p, tea.KeyPressMsg{Code: tea.KeyEnd})
	if s := viewtest.PageScreen(p); !strings.Contains(s, "360.00") || strings.Contains(s, "结算日 2026-03-02") {
		t.Fatalf("the end at 80x12:\n%s", s)
	}
	p.SetSize(100, 40)
	s := viewtest.PageScreen(p)
	if !strings.Contains(s, "结算日 2026-03-02") || !strings.Contains(s, "360.00") || strings.Contains(s, "滚动") {
		t.Fatalf("at 100x40:\n%s", s)
	}
}

// An export that cannot be written says so, in the screen's words, and leaves no file.
func TestReportsExportFailureIsShown(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_DATA_HOME", file)
	d := viewtest.ReportsDesk(t, "en", true)
	p := openReports(d, viewtest.Width, viewtest.PageHeight)
	p = viewtest.DrivePage(p, viewtest.Key("x"))
	if s := viewtest.PageScreen(p); !strings.Contains(s, "Export failed: ") || !strings.Contains(s, "not a directory") {
		t.Fatalf("after a failed export:\n%s", s)
	}
}

// Late reversals (of a settled day, counted on the day processed) and cash adjustments
// (长短款, decided at the exceptions desk) show as lines of their own in the 科目 block and
// count in the cash the operator hands in, in the table and in the chart: on 03-02 OP01
// books 100 yuan whose answer its POS never got; 03-02 is settled; on 03-03 the POS's
// reversal of it arrives (a late reversal), a supervisor records a cash adjustment of +20
// yuan for OP01, and OP02 books 200 yuan.
func TestReportsLateReversalsAndAdjustments(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		t.Run(lang, func(t *testing.T) {
			d := viewtest.New(t, viewtest.Supervisor, lang)
			d.C.Cards = nil
			s, ctx := d.Site, context.Background()
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			p1 := s.Authorize("P1", 0)
			req, res := s.Recharge(p1, apptest.UserCard(0), 100*app.Yuan)
			s.Clock.Set(time.Date(2026, 3, 3, 0, 5, 0, 0, apptest.Start.Location()))
			_, err := s.Svc.Settle(ctx, s.Admin)
			must(err)
			_, err = s.Svc.Reverse(ctx, app.ReverseRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: req.Serial, CardNo: req.CardNo, Amount: req.Amount})
			must(err)
			s.Clock.Advance(s.Cfg.ReversalDelay)
			_, err = s.Svc.ApplyDueReversals(ctx)
			must(err)
			s.Clock.Set(time.Date(2026, 3, 3, 9, 0, 0, 0, apptest.Start.Location()))
			s.Recharge(s.Authorize("P2", 1), apptest.UserCard(1), 200*app.Yuan)
			cases, err := s.Svc.Exceptions(ctx, viewtest.Supervisor)
			must(err)
			if len(cases) != 1 || cases[0].Case.Kind != app.CaseLateReversal || cases[0].Case.RechargeID != res.RechargeID {
				t.Fatalf("fixture: cases %+v", cases)
			}
			_, err = s.Svc.Decide(ctx, viewtest.Supervisor, app.DecisionInput{CaseKey: cases[0].Case.Key(), Kind: app.DecideAdjustment,
				Amount: 20 * app.Yuan, Reason: "the operator handed in 20 yuan too much"})
			must(err)

			p := openReports(d, viewtest.Width, viewtest.PageHeight)
			tr := func(zh, en string) string { return d.C.T(zh, en) }
			s1 := viewtest.PageScreen(p)
			for _, w := range []string{tr("迟到冲正", "Late reversal"), tr("长短款", "Cash adjustment"), "100.00", "20.00", "-80.00"} {
				if !strings.Contains(s1, w) {
					t.Fatalf("the table lacks %q:\n%s", w, s1)
				}
			}
			t.Run("table", func(t *testing.T) { viewtest.Golden(t, s1) })
			end := viewtest.PageScreen(viewtest.DrivePage(p, tea.KeyPressMsg{Code: tea.KeyEnd}))
			t.Run("table_end", func(t *testing.T) { viewtest.Golden(t, end) })
			chart := viewtest.PageScreen(viewtest.DrivePage(p, viewtest.Key("g")))
			for _, w := range []string{"OP01", "-80.00", "OP02", "200.00", "120.00"} {
				if !strings.Contains(chart, w) {
					t.Fatalf("the chart lacks %q:\n%s", w, chart)
				}
			}
			t.Run("chart", func(t *testing.T) { viewtest.Golden(t, chart) })
		})
	}
}
