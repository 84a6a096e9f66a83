package views_test

import (
	"cardcenter/views/common"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/cardio"
	"cardcenter/views"
	"cardcenter/views/viewtest"
)

// The repair screen's main states, as the whole desk shows them at 80×24, in both
// languages: the clerk logs in, the reader and the card do what the case says.
func TestRepairScreens(t *testing.T) {
	notLanded := func(d *repairDesk) { d.posRecharge(50*app.Yuan, false, true) }
	putCard := func(r *repairRun, d *repairDesk) { d.Cards.Put(d.card) }
	cases := []struct {
		name  string
		setup func(d *repairDesk)
		drive func(r *repairRun, d *repairDesk)
		zh    string // what the screen shows once there
		en    string
	}{
		{"no_pcscd", func(d *repairDesk) { d.Cards.SetState(app.ReaderNoPCSC) }, nil, "systemctl start pcscd", "systemctl start pcscd"},
		{"no_reader", func(d *repairDesk) { d.Cards.SetState(app.ReaderNone) }, nil, "没有找到读卡器", "No card reader found"},
		{"waiting", nil, nil, "请把卡片放在读卡器上", "Put the card on the reader"},
		{"not_on_card_cancel_reported", notLanded, putCard, "未写入", "not on card"},
		{"already_on_card_write_unknown", func(d *repairDesk) {
			d.posRecharge(30*app.Yuan, true, false) // written, the POS's confirm lost
			d.Site.Clock.Advance(d.Site.Cfg.WriteUnknownAfter)
		}, putCard, "已在卡上", "already on card"},
		{"cannot_tell", func(d *repairDesk) {
			d.posRecharge(20*app.Yuan, false, true)
			for i := range 7 { // more transactions since than the card's log keeps
				d.credit(100, "P2", int64(100+i), cardio.KindRecharge)
			}
		}, putCard, "请主管处理", "supervisor decides"},
		{"confirm", notLanded, func(r *repairRun, d *repairDesk) {
			d.Cards.Put(d.card)
			r.waitFor(d.C.T("未写入", "not on card"))
			r.key("enter")
		}, "确认补写", "Confirm the repair"},
		{"receipt", notLanded, func(r *repairRun, d *repairDesk) {
			d.Cards.Put(d.card)
			r.waitFor(d.C.T("未写入", "not on card"))
			r.key("enter")
			r.waitFor(d.C.T("确认补写", "Confirm the repair"))
			r.key("y")
		}, "补写成功", "Repaired."},
		{"already_repaired_second_tap", notLanded, func(r *repairRun, d *repairDesk) {
			d.Cards.Put(d.card)
			r.waitFor(d.C.T("未写入", "not on card"))
			r.key("enter")
			r.key("y")
			r.waitFor(d.C.T("补写成功", "Repaired."))
			d.Cards.Take()
			r.waitFor(d.C.T("卡片已取走", "off the reader"))
			d.Cards.Put(d.card)
		}, "已补写(1 笔", "Already repaired (1"},
		{"waiting_for_pos", func(d *repairDesk) {
			d.posRecharge(40*app.Yuan, false, false) // no answer reached the POS; it has said nothing since
			d.Site.Clock.Advance(d.Site.Cfg.WriteUnknownAfter)
		}, putCard, "等待充值机上送", "waiting for the recharge POS"},
		{"behind_the_ledger", func(d *repairDesk) { d.behindTheLedger() }, putCard, "卡数据落后于系统", "Card behind the ledger"},
		{"approved", func(d *repairDesk) { d.approvedCannotTell(d.Site.Staff("boss", app.RoleSupervisor)) }, putCard,
			"已批准补写 (批准人 boss)", "Write approved (by boss)"},
		{"lost_card", func(d *repairDesk) {
			d.posRecharge(50*app.Yuan, false, true)
			if err := d.Site.Svc.SetCardStatus(context.Background(), d.Site.Admin, apptest.UserCard(0), app.CardLost); err != nil {
				d.t.Fatal(err)
			}
		}, putCard, "此卡不能补写", "this card is not repaired"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, lang := range []string{"zh", "en"} {
				t.Run(lang, func(t *testing.T) {
					d := newRepairDesk(t, lang)
					if tc.setup != nil {
						tc.setup(d)
					}
					r := newRepairRun(t, d.Desk, repairSpecs())
					r.login("clerk1", "clerk-pass-1")
					r.waitFor(d.C.T("补写卡", "Repair"))
					if tc.drive != nil {
						tc.drive(r, d)
					}
					r.waitFor(d.C.T(tc.zh, tc.en))
					r.settle()
					viewtest.Golden(t, r.screen())
				})
			}
		})
	}
}

// A clerk repairs a recharge that never landed: the card gets it once; the next tap shows
// it as already repaired and offers nothing to write; the receipt prints and reprints.
func TestRepairFlowWritesOnceAndTheNextTapShowsItRepaired(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	d := newRepairDesk(t, "en")
	d.posRecharge(50*app.Yuan, false, true)
	p := d.page()
	p = d.put(p)
	mustShow(t, p, "20000001", "12.00", "cancel reported", "not on card", "enter writes 50.00 yuan")
	p = keys(p, "enter")
	mustShow(t, p, "Confirm the repair", "12.00 -> 62.00")
	if d.balance() != 12*app.Yuan {
		t.Fatal("written before the confirmation")
	}
	p = keys(p, "y")
	mustShow(t, p, "Repaired.", "Amount written  50.00 yuan", "Balance before  12.00", "Balance after   62.00", "clerk1", "POS P1 serial 2", "RP1")
	if got := d.balance(); got != 62*app.Yuan {
		t.Fatalf("card balance %d after the repair, want 6200", got)
	}
	p = keys(p, "p")
	s := mustShow(t, p, "Receipt saved: ")
	path := filepath.Join(os.Getenv("XDG_DATA_HOME"), "cardcenter", "receipts", "RP1.txt")
	if !strings.Contains(strings.ReplaceAll(s, "\n", ""), path) {
		t.Fatalf("the path is not shown:\n%s", s)
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), "Balance after   62.00 yuan") || strings.Contains(string(b), "reprint") {
		t.Fatalf("printed receipt %q: %v", b, err)
	}

	// The next tap: nothing awaits, the repair is listed, no key writes.
	p = d.take(p)
	mustShow(t, p, "Card center repair receipt", "off the reader")
	p = d.put(p)
	mustShow(t, p, "Nothing awaits the desk", "Already repaired (1", "RP1", "written", "12.00 -> 62.00")
	p = keys(p, "y", "enter", "y")
	if got := d.balance(); got != 62*app.Yuan {
		t.Fatalf("card balance %d after the second tap, want 6200", got)
	}
	// enter on the finished repair showed its receipt again, marked as a reprint.
	mustShow(t, p, "(reprint)", "Balance after   62.00 yuan")
	p = keys(p, "p")
	mustShow(t, p, "Receipt saved: ")
	if b, err := os.ReadFile(path); err != nil || !strings.Contains(string(b), "(reprint)") {
		t.Fatalf("reprinted receipt %q: %v", b, err)
	}
	if rp, err := d.Site.Svc.RepairOf(context.Background(), app.SystemActor, 1); err != nil || rp.State != app.RepairWritten || rp.CardBalanceAfter != 62*app.Yuan {
		t.Fatalf("repair record %+v %v", rp, err)
	}
}

// The confirm dialog defaults to No: enter (or n, esc) closes it and writes nothing; y
// outside the dialog writes nothing either.
func TestRepairConfirmDefaultsToNo(t *testing.T) {
	for _, no := range []string{"enter", "n", "esc"} {
		t.Run(no, func(t *testing.T) {
			d := newRepairDesk(t, "en")
			d.posRecharge(50*app.Yuan, false, true)
			p := d.put(d.page())
			p = keys(p, "y") // not confirming: y is not the write key
			if p.ShortHelp()[3].Enabled() {
				t.Fatal("the write key is offered outside the confirm dialog")
			}
			p = keys(p, "enter")
			mustShow(t, p, "Confirm the repair", "n / enter cancel (default)")
			if !p.ShortHelp()[3].Enabled() {
				t.Fatal("the dialog does not offer y")
			}
			p = keys(p, no)
			mustShow(t, p, "Cancelled; nothing was written.", "not on card")
			if d.balance() != 12*app.Yuan {
				t.Fatalf("balance %d: written although the answer was %s", d.balance(), no)
			}
			if _, err := d.Site.Svc.RepairOf(context.Background(), app.SystemActor, 1); !errors.Is(err, app.CodeNotFound) {
				t.Fatalf("a repair was recorded: %v", err)
			}
		})
	}
}

// While the card is written the screen is Busy (the root asks before quitting) and no key
// interrupts it; a card taken away mid-write ends in plain words and a safe state, and
// putting it back shows it as it is.
func TestRepairCardTakenAwayMidWrite(t *testing.T) {
	d := newRepairDesk(t, "en")
	d.posRecharge(50*app.Yuan, false, true)
	p := keys(d.put(d.page()), "enter")
	p, write := p.Update(viewtest.Key("y"))
	if !p.Busy() || write == nil {
		t.Fatal("not busy while writing")
	}
	mustShow(t, p, "keep it on the reader")
	p = keys(p, "esc", "n", "r")
	d.Cards.Take()
	p = viewtest.DrivePage(p, common.ReaderMsg{State: app.ReaderEmpty})
	if !p.Busy() {
		t.Fatal("a reader event ended the write's state before the write answered")
	}
	p = viewtest.RunPageCmd(p, write) // the repair re-reads: no card
	if p.Busy() {
		t.Fatal("still busy after the write answered")
	}
	mustShow(t, p, "Not done", "no card on the reader", "never writes twice")
	if p.ShortHelp()[3].Enabled() {
		t.Fatal("a write key is armed after the failure")
	}
	p = d.put(p)
	mustShow(t, p, "not on card", "12.00")
	if d.balance() != 12*app.Yuan {
		t.Fatal("the card changed")
	}
}

// A card taken away while the dialog is open: the dialog closes and nothing is written.
func TestRepairCardTakenAwayWhileConfirming(t *testing.T) {
	d := newRepairDesk(t, "zh")
	d.posRecharge(50*app.Yuan, false, true)
	p := keys(d.put(d.page()), "enter")
	mustShow(t, p, "确认补写")
	p = d.take(p)
	mustShow(t, p, "卡片已拿开,未写卡。", "请把卡片放在读卡器上")
	p = keys(p, "y")
	mustShow(t, p, "请把卡片放在读卡器上")
	if d.balance() != 12*app.Yuan {
		t.Fatal("written after the card left")
	}
}

// A read that answers after its card left (another card now on the reader) is dropped.
func TestRepairDropsAStaleRead(t *testing.T) {
	d := newRepairDesk(t, "en")
	other := d.Cards.Issue(t, []byte{0xB2, 0x00, 0x00, 0x02}, apptest.UserCard(1), 3*app.Yuan)
	p := d.page()
	d.Cards.Put(d.card)
	p, readA := p.Update(common.ReaderMsg{State: app.ReaderCard})
	staleA := readA() // card A's answer, delivered late
	p = d.take(p)
	d.Cards.Put(other)
	p, readB := p.Update(common.ReaderMsg{State: app.ReaderCard})
	p = viewtest.DrivePage(p, staleA)
	if s := viewtest.PageScreen(p); strings.Contains(s, "20000001") || !strings.Contains(s, "Reading the card") {
		t.Fatalf("the stale read of card A was shown:\n%s", s)
	}
	p = viewtest.RunPageCmd(p, readB)
	mustShow(t, p, "20000002", "3.00")
}

// A lost card is shown as lost and not repaired; a cannot-tell recharge has no write key.
func TestRepairRefusesLostCardsAndCannotTell(t *testing.T) {
	t.Run("lost", func(t *testing.T) {
		d := newRepairDesk(t, "en")
		d.posRecharge(50*app.Yuan, false, true)
		if err := d.Site.Svc.SetCardStatus(context.Background(), d.Site.Admin, apptest.UserCard(0), app.CardLost); err != nil {
			t.Fatal(err)
		}
		p := d.put(d.page())
		mustShow(t, p, "Status lost", "card is reported lost: this card is not repaired", "  card is reported lost.")
		if settleKeyOffered(p) {
			t.Fatal("the settle key is offered for a lost card")
		}
		p = keys(p, "enter", "y")
		if s := mustShow(t, p, "card is reported lost."); strings.Contains(s, "Confirm") {
			t.Fatalf("a dialog opened for a lost card:\n%s", s)
		}
		if d.balance() != 12*app.Yuan {
			t.Fatal("a lost card was written")
		}
	})
	t.Run("cannot tell", func(t *testing.T) {
		d := newRepairDesk(t, "en")
		d.posRecharge(20*app.Yuan, false, true)
		for i := range 7 {
			d.credit(100, "P2", int64(100+i), cardio.KindRecharge)
		}
		before := d.read().Purse
		p := d.put(d.page())
		mustShow(t, p, "cannot tell", "supervisor decides")
		if settleKeyOffered(p) {
			t.Fatal("the settle key is offered for a cannot-tell recharge")
		}
		p = keys(p, "enter", "y")
		if s := mustShow(t, p, "cannot tell"); strings.Contains(s, "Confirm") {
			t.Fatalf("a dialog opened for a cannot-tell recharge:\n%s", s)
		}
		if d.read().Purse != before {
			t.Fatal("written although the card cannot tell")
		}
		if _, err := d.Site.Svc.RepairOf(context.Background(), app.SystemActor, 1); !errors.Is(err, app.CodeNotFound) {
			t.Fatalf("a repair was recorded: %v", err)
		}
	})
	t.Run("already on card records without writing", func(t *testing.T) {
		d := newRepairDesk(t, "en")
		d.posRecharge(30*app.Yuan, true, false)
		d.Site.Clock.Advance(d.Site.Cfg.WriteUnknownAfter)
		before := d.read().Purse
		p := keys(d.put(d.page()), "enter")
		mustShow(t, p, "already on the card: record it", "y record it")
		p = keys(p, "y")
		mustShow(t, p, "already on the card, nothing written", "Amount written  0.00")
		if d.read().Purse != before {
			t.Fatal("the card was written")
		}
	})
}

// Several readers: the screen asks which one, and uses it.
func TestRepairReaderPicker(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		t.Run(lang, func(t *testing.T) {
			d := newRepairDesk(t, lang)
			two := &twoReaders{Cards: d.Cards}
			d.C.Cards = two
			p := d.page()
			viewtest.Golden(t, viewtest.PageScreen(p))
			p = keys(p, "down", "enter")
			if two.chosen != "Virtual PCD 00 01" {
				t.Fatalf("chose %q", two.chosen)
			}
			mustShow(t, p, d.C.T("请把卡片放在读卡器上", "Put the card on the reader"), "Virtual PCD 00 01")
		})
	}
}

// pcscd coming back: the screen leaves its "not running" page by itself.
func TestRepairRecoversWhenPCSCReturns(t *testing.T) {
	d := newRepairDesk(t, "en")
	p := viewtest.DrivePage(d.page(), common.ReaderMsg{State: app.ReaderNoPCSC})
	mustShow(t, p, "pcscd")
	p = viewtest.DrivePage(p, common.ReaderMsg{State: app.ReaderNone})
	mustShow(t, p, "No card reader found")
	p = viewtest.DrivePage(p, common.ReaderMsg{State: app.ReaderEmpty})
	mustShow(t, p, "Put the card on the reader")
	d.posRecharge(50*app.Yuan, false, true)
	p = d.put(p)
	mustShow(t, p, "not on card")
}

// The whole desk: q while the card is being written asks first and does not quit; once
// the write is done, q quits.
func TestRepairQuitAsksWhileWriting(t *testing.T) {
	d := newRepairDesk(t, "en")
	d.posRecharge(50*app.Yuan, false, true)
	slow := &slowCards{Cards: d.Cards, entered: make(chan struct{}), release: make(chan struct{})}
	d.C.Cards = slow
	r := newRepairRun(t, d.Desk, repairSpecs())
	r.login("clerk1", "clerk-pass-1")
	r.waitFor("Repair", "Put the card on the reader")
	d.Cards.Put(d.card)
	r.waitFor("not on card")
	r.key("enter")
	r.key("y")
	<-slow.entered // the write has started and is held
	r.settle()
	r.waitFor("keep it on the reader")
	r.key("q")
	r.settle()
	r.waitFor("A card write is in progress. Quit anyway?")
	if r.quit {
		t.Fatal("q quit in the middle of a card write")
	}
	r.key("n")
	r.settle()
	if s := r.screen(); strings.Contains(s, "Quit anyway") || !strings.Contains(s, "keep it on the reader") {
		t.Fatalf("after n:\n%s", s)
	}
	close(slow.release)
	r.waitFor("Repaired.")
	if d.balance() != 62*app.Yuan {
		t.Fatalf("balance %d", d.balance())
	}
	r.key("q")
	r.settle()
	if !r.quit {
		t.Fatal("q did not quit once the write was done")
	}
}

// Roles: clerks and admins get the repair screen from pages.go; a supervisor does not.
func TestRepairTabByRole(t *testing.T) {
	for _, tc := range []struct {
		user, pass string
		role       app.Role
		sees       bool
	}{
		{"clerk1", "clerk-pass-1", app.RoleClerk, true},
		{"admin", "admin-pass-1", app.RoleAdmin, true},
		{"boss", "boss-pass-1", app.RoleSupervisor, false},
	} {
		t.Run(string(tc.role), func(t *testing.T) {
			d := newRepairDesk(t, "en")
			if err := d.Site.Svc.CreateStaff(context.Background(), d.Site.Admin, "boss", "主管", app.RoleSupervisor, "boss-pass-1"); err != nil {
				t.Fatal(err)
			}
			var specs []common.PageSpec
			for _, s := range views.Pages() {
				if s.New(d.C).Title() == "Repair" {
					specs = append(specs, s)
				}
			}
			if len(specs) != 1 {
				t.Fatalf("pages.go lists the repair screen %d times", len(specs))
			}
			// Every role gets some screen, or the desk stays at the login.
			specs = append(specs, common.PageSpec{Roles: []app.Role{app.RoleClerk, app.RoleSupervisor, app.RoleAdmin}, New: newStubPage("Other")})
			r := newRepairRun(t, d.Desk, specs)
			r.login(tc.user, tc.pass)
			s := r.waitFor(tc.user + " · ")
			if got := strings.Contains(s, "Repair"); got != tc.sees {
				t.Fatalf("%s sees the repair tab: %v\n%s", tc.role, got, s)
			}
		})
	}
}

// A long list scrolls: the selected recharge stays on screen at 80×24.
func TestRepairLongListScrolls(t *testing.T) {
	d := newRepairDesk(t, "en")
	for range 14 {
		d.posRecharge(10*app.Yuan, false, true)
	}
	p := d.put(d.page())
	mustShow(t, p, "Recharges awaiting the desk (14)")
	for range 13 {
		p = keys(p, "down")
	}
	// The 14th recharge is serial 28 (every recharge is followed by its cancel).
	s := mustShow(t, p, "> 03-02 10:00 P1   28 ", "enter writes 10.00 yuan")
	if n := strings.Count(s, "\n"); n > viewtest.Height-3 {
		t.Fatalf("%d lines on a page of %d:\n%s", n, viewtest.Height-3, s)
	}
	p = keys(p, "enter")
	mustShow(t, p, "POS P1 serial 28")
}

// settleKeyOffered: the help bar offers enter to settle the selected recharge.
func settleKeyOffered(p common.Page) bool {
	for _, b := range p.ShortHelp() {
		if b.Enabled() && b.Help().Key == "enter" {
			return true
		}
	}
	return false
}

// The card is written but the ledger's answer to the completion is lost (the host went away):
// the screen says the write's outcome must be settled by the card, offers no second write,
// and the next read of the card completes the repair from what the card holds: one credit.
func TestRepairCompletionLostAfterTheWrite(t *testing.T) {
	d := newRepairDesk(t, "en")
	faulty := viewtest.NewFaultyDesk(d.C.Svc)
	d.C.Svc = faulty
	d.posRecharge(50*app.Yuan, false, true)
	p := d.page()
	p = d.put(p)
	mustShow(t, p, "not on card", "enter writes 50.00 yuan")
	faulty.Fail("CompleteRepair", errors.New("connection reset by peer"), true)
	p = keys(p, "enter", "y")
	if got := d.balance(); got != 62*app.Yuan {
		t.Fatalf("card balance %d after the write, want 6200", got)
	}
	s := viewtest.PageScreen(p)
	if strings.Contains(s, "Repaired.") || strings.Contains(s, "enter writes 50.00 yuan") {
		t.Fatalf("a lost completion is shown as done, or offered again:\n%s", s)
	}
	if rp, err := d.Site.Svc.RepairOf(context.Background(), app.SystemActor, 1); err != nil || rp.State != app.RepairIntent {
		t.Fatalf("repair %+v %v: want an open intent after the lost completion", rp, err)
	}
	// The clerk takes the card off and lays it again: the card holds the credit, the
	// ledger completes the repair, and nothing is written twice.
	p = d.take(p)
	p = d.put(p)
	mustShow(t, p, "Nothing awaits the desk", "Unfinished repairs were completed from what the card shows: RP1")
	keys(p, "enter", "y") // nothing left to write: the keys write nothing
	if got := d.balance(); got != 62*app.Yuan {
		t.Fatalf("card balance %d after the next read, want 6200 (one credit)", got)
	}
	if rp, err := d.Site.Svc.RepairOf(context.Background(), app.SystemActor, 1); err != nil || rp.State != app.RepairWritten {
		t.Fatalf("repair %+v %v: want written after the next read", rp, err)
	}
}

// A report the ledger cannot give (the database stopped answering) is said on the screen,
// and the next reload shows the figures.
func TestReportFailureThenReload(t *testing.T) {
	d := viewtest.New(t, app.Actor{User: "fin", Role: app.RoleSupervisor}, "en")
	faulty := viewtest.NewFaultyDesk(d.C.Svc)
	d.C.Svc = faulty
	faulty.Fail("Report", errors.New("database is locked"), true)
	p := views.NewReportsPage(d.C)
	p.SetSize(viewtest.Width, viewtest.Height-3)
	p = viewtest.RunPageCmd(p, p.Init())
	mustShow(t, p, "database is locked")
	p = viewtest.RunPageCmd(p, nil)
	p = keys(p, "r")
	s := viewtest.PageScreen(p)
	if strings.Contains(s, "database is locked") {
		t.Fatalf("the reload still shows the failure:\n%s", s)
	}
}
