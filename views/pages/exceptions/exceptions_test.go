package exceptions_test

import (
	"cardcenter/views/common"
	"cardcenter/views/pages/exceptions"
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/views"
	"cardcenter/views/viewtest"
)

// excDesk is a site with three open cases, oldest first: card 0's cancelled recharge of
// 20 yuan that its card cannot prove (a clerk laid the card, which opened cannot_tell);
// a reversal of card 1's confirmed recharge of 30 yuan (reversal_not_applied); and card 2's
// recharge of 40 yuan at P2 still pending a day later (write_unknown_overdue). The desk's
// person is actor; "boss" (supervisor) can log in with boss-pass-1.
func excDesk(t *testing.T, lang string, actor app.Actor) *viewtest.RepairDesk {
	t.Helper()
	d := viewtest.NewRepairDesk(t, lang)
	s, ctx := d.Site, context.Background()
	if err := s.Svc.CreateStaff(ctx, s.Admin, "boss", "主管", app.RoleSupervisor, "boss-pass-1"); err != nil {
		t.Fatal(err)
	}
	d.CannotTell()
	d.Cards.Put(d.Card)
	if _, err := s.Svc.LookAtCard(ctx, s.Clerk, d.Cards.Reader()); err != nil {
		t.Fatal(err)
	}
	d.Cards.Take()
	req, _ := s.Recharge(d.Sess, apptest.UserCard(1), 30*app.Yuan)
	if _, err := s.Svc.Confirm(ctx, app.ConfirmRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: req.Serial,
		CardNo: req.CardNo, Amount: req.Amount}); err != nil {
		t.Fatal(err)
	}
	if rv, err := s.Svc.Reverse(ctx, app.ReverseRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: req.Serial,
		CardNo: req.CardNo, Amount: req.Amount}); err != nil || rv.Status != app.RevConflict {
		t.Fatalf("fixture: reversal %+v %v", rv, err)
	}
	s.Clock.Advance(time.Minute)
	s.Recharge(s.Authorize("P2", 1), apptest.UserCard(2), 40*app.Yuan)
	s.Clock.Advance(s.Cfg.CaseAfter + time.Minute)
	d.C.Actor = d.Actor(actor.User, actor.Role)
	return d
}

// excPage is the exceptions screen at 80×24 (less the tab line and the help bar), loaded.
func excPage(d *viewtest.RepairDesk) common.Page {
	p := exceptions.New(d.C)
	p.SetSize(viewtest.Width, viewtest.PageHeight)
	return viewtest.RunPageCmd(p, p.Init())
}

// cases lists the open cases as a supervisor sees them.
func cases(t *testing.T, d *viewtest.RepairDesk) []app.CaseView {
	t.Helper()
	cs, err := d.Site.Svc.Exceptions(context.Background(), viewtest.Boss)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// caseOf is the open case with key k.
func caseOf(t *testing.T, d *viewtest.RepairDesk, k string) app.CaseView {
	t.Helper()
	for _, cv := range cases(t, d) {
		if cv.Case.Key() == k {
			return cv
		}
	}
	t.Fatalf("no open case %s", k)
	return app.CaseView{}
}

func TestExceptionsScreens(t *testing.T) {
	for _, lang := range viewtest.Langs {
		t.Run(lang, func(t *testing.T) {
			d := excDesk(t, lang, viewtest.Boss)
			tr := func(zh, en string) string { return d.C.T(zh, en) }
			p := excPage(d)
			viewtest.Want(t, p, tr("待处理 3 件", "3 open"), tr("卡上无法判断", "card cannot tell"), "P1/2", "20.00", "P2/2", "40.00")
			viewtest.Shot(t, p, "list")

			detail := viewtest.Keys(p, "enter")
			viewtest.Want(t, detail, "cannot_tell/recharge:1", tr("撤销", "cancel"), tr("读卡", "read"), "clerk1")
			t.Run("detail", func(t *testing.T) { viewtest.GoldenPage(t, detail) })
			rev := viewtest.Keys(detail, "esc", "down", "enter")
			viewtest.Want(t, rev, tr("冲正", "reversal"), tr("该笔充值已确认写卡", "recharge already confirmed"))
			t.Run("detail_reversal", func(t *testing.T) { viewtest.GoldenPage(t, rev) })
			p = viewtest.Keys(rev, "esc", "up")

			approve := viewtest.Keys(p, "a")
			t.Run("approve", func(t *testing.T) { viewtest.GoldenPage(t, approve) })
			ask := viewtest.Keys(approve, "enter")
			viewtest.Want(t, ask, tr("须由另一位柜员写卡", "Approve writing #1 P1/2"), tr("默认取消", "the default"))
			t.Run("approve_confirm", func(t *testing.T) { viewtest.GoldenPage(t, ask) })
			refused := viewtest.Keys(ask, "y")
			viewtest.Want(t, refused, tr("请填写处理理由", "a reason is required"), tr("批准补写", "Approve the write"))
			t.Run("error_reason_required", func(t *testing.T) { viewtest.GoldenPage(t, refused) })
			p = viewtest.Keys(refused, "esc")

			closing := viewtest.Keys(p, "c")
			t.Run("close", func(t *testing.T) { viewtest.GoldenPage(t, closing) })
			p = viewtest.Keys(closing, "esc")

			adjust := viewtest.Keys(p, "m")
			viewtest.Want(t, adjust, "OP01")
			t.Run("adjust", func(t *testing.T) { viewtest.GoldenPage(t, adjust) })
			bad := viewtest.TypePage(viewtest.Keys(adjust, "tab"), "50 yuan")
			bad = viewtest.Keys(bad, "enter", "enter")
			viewtest.Want(t, bad, tr("金额应为带符号的元", "The amount is yuan with a sign"))
			t.Run("adjust_bad_amount", func(t *testing.T) { viewtest.GoldenPage(t, bad) })
			p = viewtest.Keys(bad, "esc")

			p = viewtest.Keys(p, "a")
			p = viewtest.TypePage(p, "POS journal shows the write failed")
			p = viewtest.Keys(p, "enter", "y")
			viewtest.Want(t, p, tr("已批准补写充值 #1", "Write of recharge #1 approved"), tr("已批准", "approved"))
			viewtest.Shot(t, p, "approved")
			p = viewtest.Keys(p, "enter")
			viewtest.Want(t, p, tr("已批准补写 (批准人 boss", "Write approved (by boss"))
			viewtest.Shot(t, p, "approved_detail")
		})
	}
}

// The screen inside the desk, for a supervisor: the tab line, the list, the help bar.
func TestExceptionsDesk(t *testing.T) {
	for _, lang := range viewtest.Langs {
		t.Run(lang, func(t *testing.T) {
			d := excDesk(t, lang, app.Actor{})
			d.C.Cards = nil // no reader watch in a synchronous root
			m := viewtest.OpenRoot(d.Desk)
			m = viewtest.LogIn(m, "boss", "boss-pass-1")
			m = viewtest.Drive(m, viewtest.Key("tab"))
			for _, step := range []string{"list", "detail"} {
				t.Run(step, func(t *testing.T) {
					s := viewtest.Screen(m)
					lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
					for _, l := range lines {
						if w := lipgloss.Width(l); w > viewtest.Width {
							t.Errorf("line of %d cells: %q", w, l)
						}
					}
					if len(lines) > viewtest.Height || !strings.HasSuffix(lines[len(lines)-1], d.C.T("q 退出", "q quit")) {
						t.Errorf("%d lines, help bar %q", len(lines), lines[len(lines)-1])
					}
					viewtest.Golden(t, s)
				})
				m = viewtest.Drive(m, viewtest.Key("enter"))
			}
		})
	}
}

// The three decisions reach the ledger as asked: an approval names the recharge; a close
// holds the recharge off the desk's write key; an adjustment goes on the operator's report.
// Each question defaults to No.
func TestExceptionsDecisionsReachTheLedger(t *testing.T) {
	ctx := context.Background()
	t.Run("approve, after a No", func(t *testing.T) {
		d := excDesk(t, "en", viewtest.Boss)
		p := excPage(d)
		p = viewtest.TypePage(viewtest.Keys(p, "a"), "checked the POS journal")
		p = viewtest.Keys(p, "enter", "enter") // submit, then the default answer: No
		if cv := caseOf(t, d, "cannot_tell/recharge:1"); cv.Status != app.CaseOpen {
			t.Fatal("the default answer approved the write")
		}
		viewtest.Want(t, p, "Approve the write") // the form is still open
		p = viewtest.Keys(p, "enter", "y")
		cv := caseOf(t, d, "cannot_tell/recharge:1")
		if cv.Status != app.CaseApproved || cv.Approval.DecidedBy != "boss" || cv.Approval.RechargeID != 1 ||
			cv.Approval.Reason != "checked the POS journal" {
			t.Fatalf("after y: %+v", cv)
		}
		if p.ShortHelp()[1].Enabled() {
			t.Fatal("an approved case still offers the approve key")
		}
		p = viewtest.Keys(p, "c")
		viewtest.WantNot(t, p, "Close (no card change)")
	})
	t.Run("close", func(t *testing.T) {
		d := excDesk(t, "en", viewtest.Boss)
		p := viewtest.Keys(excPage(d), "c")
		p = viewtest.TypePage(p, "cardholder took the cash back")
		p = viewtest.Keys(p, "enter", "y")
		viewtest.Want(t, p, "Closed cannot_tell/recharge:1", "2 open")
		items, err := d.Site.Svc.AwaitingDesk(ctx, app.SystemActor, apptest.UserCard(0))
		if err != nil || len(items) != 1 || items[0].Hold == nil || items[0].Hold.Code != app.CodeDecidedNoWrite {
			t.Fatalf("the closed recharge at the desk: %+v %v", items, err)
		}
	})
	t.Run("adjustment", func(t *testing.T) {
		d := excDesk(t, "en", viewtest.Boss)
		p := viewtest.Keys(excPage(d), "m") // OP01, the recharge's operator, is preset
		p = viewtest.TypePage(viewtest.Keys(p, "tab"), "-50")
		p = viewtest.TypePage(viewtest.Keys(p, "enter"), "operator short at the count")
		p = viewtest.Keys(p, "enter")
		viewtest.Want(t, p, "cash adjustment of -50.00 yuan for OP01")
		p = viewtest.Keys(p, "y")
		day := d.Site.Svc.Today()
		viewtest.Want(t, p, "Cash adjustment of -50.00 yuan recorded on "+day)
		rep, err := d.Site.Svc.Report(ctx, app.SystemActor, day, day)
		if err != nil {
			t.Fatal(err)
		}
		if got := rep.Total.Adjustments; got != (app.Totals{Count: 1, Amount: -50 * app.Yuan}) {
			t.Fatalf("adjustments %+v", got)
		}
	})
	t.Run("adjustment without an operator", func(t *testing.T) {
		d := excDesk(t, "en", viewtest.Boss)
		p := viewtest.Keys(excPage(d), "m", "left") // back to "(choose)"
		p = viewtest.TypePage(viewtest.Keys(p, "tab"), "+20")
		p = viewtest.TypePage(viewtest.Keys(p, "enter"), "x")
		p = viewtest.Keys(p, "enter")
		viewtest.Want(t, p, "Choose the operator")
		p = viewtest.Keys(p, "y")
		viewtest.WantNot(t, p, "y to go ahead")
		if len(cases(t, d)) != 3 {
			t.Fatal("decided without an operator")
		}
	})
}

// A case that names no recharge (the card behind the ledger): the approval picks one of
// the card's recharges awaiting the desk.
func TestExceptionsApproveAPickedRecharge(t *testing.T) {
	for _, lang := range viewtest.Langs {
		t.Run(lang, func(t *testing.T) {
			d := viewtest.NewRepairDesk(t, lang)
			d.BehindTheLedger()
			d.Cards.Put(d.Card)
			if _, err := d.Site.Svc.LookAtCard(context.Background(), d.Site.Clerk, d.Cards.Reader()); err != nil {
				t.Fatal(err)
			}
			d.C.Actor = d.Actor(viewtest.Boss.User, viewtest.Boss.Role)
			p := excPage(d)
			viewtest.Want(t, p, d.C.T("卡数据落后于系统", "card behind the ledger"))
			var behind int
			for i, cv := range cases(t, d) {
				if cv.Case.Kind == app.CaseCardBehind {
					behind = i
				}
			}
			for range behind {
				p = viewtest.Keys(p, "down")
			}
			p = viewtest.Shot(t, p, "detail", "enter")
			p = viewtest.Keys(p, "a")
			viewtest.Want(t, p, "#2 P1/4 20.00")
			viewtest.Shot(t, p, "approve_pick")
			p = viewtest.TypePage(viewtest.Keys(p, "tab"), "the POS journal shows it never landed")
			viewtest.Keys(p, "enter", "y")
			for _, cv := range cases(t, d) {
				if cv.Case.Kind == app.CaseCardBehind && (cv.Status != app.CaseApproved || cv.Approval.RechargeID != 2) {
					t.Fatalf("card behind case %+v", cv)
				}
			}
		})
	}
}

// Four eyes, at the desk: the approver's own repair screen shows SAME_PERSON_APPROVED and
// offers no write; another clerk's screen writes it, once.
func TestExceptionsApproverCannotWriteAnotherClerkCan(t *testing.T) {
	admin := app.Actor{User: "admin", Role: app.RoleAdmin}
	d := excDesk(t, "en", admin)
	p := viewtest.TypePage(viewtest.Keys(excPage(d), "a"), "POS journal shows the write failed")
	viewtest.Keys(p, "enter", "y")

	rp := d.Put(d.Page()) // the admin's own repair screen
	viewtest.Want(t, rp, "Write approved (by admin)", "the person who approved the write may not perform it")
	if viewtest.Offers(rp, "enter") {
		t.Fatal("the approver is offered the write")
	}
	before := d.Balance()
	rp = viewtest.Keys(rp, "enter", "y")
	if d.Balance() != before {
		t.Fatal("the approver wrote the card")
	}
	d.Take(rp)

	d.C.Actor = d.Actor(d.Site.Clerk.User, d.Site.Clerk.Role)
	rp = d.Put(d.Page())
	viewtest.Want(t, rp, "Write approved (by admin)", "enter writes 20.00 yuan")
	if !viewtest.Offers(rp, "enter") {
		t.Fatal("another clerk is not offered the write")
	}
	rp = viewtest.Keys(rp, "enter")
	viewtest.Want(t, rp, "Confirm the repair", "Write approved (by admin)")
	viewtest.Keys(rp, "y")
	if got := d.Balance(); got != before+20*app.Yuan {
		t.Fatalf("balance %d after the approved write, want %d", got, before+20*app.Yuan)
	}
	for _, cv := range cases(t, d) {
		if cv.Case.RechargeID == 1 {
			t.Fatalf("the written case is still listed: %+v", cv)
		}
	}
}

// Roles: clerks have no exceptions tab and the ledger refuses their decisions; supervisors
// and admins have it.
func TestExceptionsByRole(t *testing.T) {
	d := viewtest.New(t, viewtest.Boss, "zh")
	var spec *common.PageSpec
	for _, s := range views.Pages() {
		if s.New(d.C).Title() == "异常处理" {
			spec = &s
		}
	}
	if spec == nil {
		t.Fatal("views.Pages() has no exceptions screen")
	}
	for role, want := range map[app.Role]bool{app.RoleClerk: false, app.RoleSupervisor: true, app.RoleAdmin: true} {
		if spec.Allowed(role) != want {
			t.Errorf("%s sees the exceptions tab: %v", role, !want)
		}
	}

	t.Run("a page built for a clerk", func(t *testing.T) {
		ed := excDesk(t, "zh", app.Actor{User: "clerk1", Role: app.RoleClerk})
		p := excPage(ed)
		viewtest.Want(t, p, "无此操作权限")
		for _, b := range p.ShortHelp() {
			if b.Enabled() {
				t.Errorf("a clerk is offered %s", b.Help().Key)
			}
		}
		p = viewtest.Keys(p, "a", "y", "c", "y")
		if p.Capturing() {
			t.Fatal("a key opened a form for a clerk")
		}
	})
	t.Run("the ledger refuses a clerk's decision", func(t *testing.T) {
		ed := excDesk(t, "zh", viewtest.Boss)
		p := viewtest.TypePage(viewtest.Keys(excPage(ed), "c"), "x")
		p = viewtest.Keys(p, "enter")
		ed.C.Actor = ed.Actor(ed.Site.Clerk.User, ed.Site.Clerk.Role) // the login changed under the open question
		p = viewtest.Keys(p, "y")
		viewtest.Want(t, p, "无此操作权限")
		if n := len(cases(t, ed)); n != 3 {
			t.Fatalf("%d cases open, want 3", n)
		}
	})
}

// The list is read again on r, after a decision made elsewhere, and on entering the tab.
func TestExceptionsReloads(t *testing.T) {
	d := excDesk(t, "en", viewtest.Boss)
	ctx := context.Background()
	decide := func(key string) {
		t.Helper()
		if _, err := d.Site.Svc.Decide(ctx, d.Site.Staff("fin2", app.RoleSupervisor),
			app.DecisionInput{CaseKey: key, Kind: app.DecideClose, Reason: "elsewhere"}); err != nil {
			t.Fatal(err)
		}
	}
	p := excPage(d)
	viewtest.Want(t, p, "3 open")
	decide("cannot_tell/recharge:1")
	p = viewtest.Keys(p, "r")
	viewtest.Want(t, p, "2 open")

	d.C.Cards = nil // no reader watch in a synchronous root
	d.C.Actor = app.Actor{}
	m := viewtest.OpenRoot(d.Desk)
	m = viewtest.LogIn(m, "boss", "boss-pass-1")
	m = viewtest.Drive(m, viewtest.Key("tab"))
	if s := viewtest.Screen(m); !strings.Contains(s, "2 open") {
		t.Fatalf("the exceptions tab:\n%s", s)
	}
	m = viewtest.Drive(m, viewtest.Key("tab")) // to the reports
	for _, cv := range cases(t, d) {
		if cv.Case.Kind == app.CaseReversalNotApplied {
			decide(cv.Case.Key())
		}
	}
	m = viewtest.Drive(m, viewtest.Key("tab")) // back: read again
	if s := viewtest.Screen(m); !strings.Contains(s, "1 open") {
		t.Fatalf("entering the tab did not read the list again:\n%s", s)
	}
}

// The whole desk as the program runs it: a supervisor approves in the exceptions screen,
// logs out, and a clerk lays the card and writes it.
func TestDeskSupervisorApprovesAndAClerkWrites(t *testing.T) {
	d := excDesk(t, "zh", app.Actor{})
	r := viewtest.NewRun(t, d.Desk, views.Pages())
	r.Login("boss", "boss-pass-1")
	r.WaitFor("boss · 主管", "异常处理")
	r.Key("tab")
	r.WaitFor("待处理 3 件")
	r.Key("enter")
	r.WaitFor("cannot_tell/recharge:1")
	r.Key("a")
	r.Type("POS 流水显示写卡失败")
	r.Key("enter")
	r.WaitFor("须由另一位柜员写卡")
	r.Key("y")
	r.WaitFor("已批准补写充值 #1")
	r.Send(tea.KeyPressMsg{Code: 'l', Mod: tea.ModCtrl})
	r.WaitFor("请登录")
	r.Login("clerk1", "clerk-pass-1")
	r.WaitFor("clerk1 · 柜员")
	before := d.Balance()
	d.Cards.Put(d.Card)
	r.WaitFor("已批准补写 (批准人 boss)", "enter 补写 20.00 元到卡上")
	r.Key("enter")
	r.WaitFor("确认补写")
	r.Key("y")
	r.WaitFor("补写成功")
	if got := d.Balance(); got != before+20*app.Yuan {
		t.Fatalf("balance %d, want %d", got, before+20*app.Yuan)
	}
}

// The facts scroll when they do not fit, and stop at their last line; every size fits.
func TestExceptionsFactsScrollAndFit(t *testing.T) {
	d := excDesk(t, "en", viewtest.Boss)
	p := viewtest.Keys(excPage(d), "down", "enter") // the reversal's facts: 21 lines on 21
	viewtest.Want(t, p, "lines 1-19 of 21")
	p = viewtest.Keys(p, "down", "down", "down", "down")
	viewtest.Want(t, p, "lines 3-21 of 21", "conflict ALREADY_WRITTEN")
	p = viewtest.Keys(p, "up")
	viewtest.Want(t, p, "lines 2-20 of 21")
	for _, size := range [][2]int{{60, 12}, {120, 40}, {80, 21}} {
		for _, step := range []string{"", "esc", "a"} {
			if step != "" {
				p = viewtest.Keys(p, step)
			}
			p.SetSize(size[0], size[1])
			s := strings.TrimRight(viewtest.PageScreen(p), "\n")
			lines := strings.Split(s, "\n")
			if len(lines) > size[1] {
				t.Errorf("%v after %q: %d lines", size, step, len(lines))
			}
			for _, l := range lines {
				if w := lipgloss.Width(l); w > size[0] {
					t.Errorf("%v after %q: line of %d cells: %q", size, step, w, l)
				}
			}
		}
		p = viewtest.Keys(p, "esc", "enter")
	}
}
