package repair_test

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
	notLanded := func(d *viewtest.RepairDesk) { d.POSRecharge(50*app.Yuan, false, true) }
	putCard := func(r *viewtest.Run, d *viewtest.RepairDesk) { d.Cards.Put(d.Card) }
	// toConfirm puts the card whose recharge did not land and asks to settle it.
	toConfirm := func(r *viewtest.Run, d *viewtest.RepairDesk) {
		d.Cards.Put(d.Card)
		r.WaitFor(d.C.T("未写入", "not on card"))
		r.Key("enter")
	}
	cases := []struct {
		name  string
		setup func(d *viewtest.RepairDesk)
		drive func(r *viewtest.Run, d *viewtest.RepairDesk)
		zh    string // what the screen shows once there
		en    string
	}{
		{"no_pcscd", func(d *viewtest.RepairDesk) { d.Cards.SetState(app.ReaderNoPCSC) }, nil, "systemctl start pcscd", "systemctl start pcscd"},
		{"no_reader", func(d *viewtest.RepairDesk) { d.Cards.SetState(app.ReaderNone) }, nil, "没有找到读卡器", "No card reader found"},
		{"waiting", nil, nil, "请把卡片放在读卡器上", "Put the card on the reader"},
		{"not_on_card_cancel_reported", notLanded, putCard, "未写入", "not on card"},
		{"already_on_card_write_unknown", func(d *viewtest.RepairDesk) {
			d.POSRecharge(30*app.Yuan, true, false) // written, the POS's confirm lost
			d.Site.Clock.Advance(d.Site.Cfg.WriteUnknownAfter)
		}, putCard, "已在卡上", "already on card"},
		{"cannot_tell", func(d *viewtest.RepairDesk) {
			d.POSRecharge(20*app.Yuan, false, true)
			for i := range 7 { // more transactions since than the card's log keeps
				d.Credit(100, "P2", int64(100+i), cardio.KindRecharge)
			}
		}, putCard, "请主管处理", "supervisor decides"},
		{"confirm", notLanded, toConfirm, "确认补写", "Confirm the repair"},
		{"receipt", notLanded, func(r *viewtest.Run, d *viewtest.RepairDesk) {
			toConfirm(r, d)
			r.WaitFor(d.C.T("确认补写", "Confirm the repair"))
			r.Key("y")
		}, "补写成功", "Repaired."},
		{"already_repaired_second_tap", notLanded, func(r *viewtest.Run, d *viewtest.RepairDesk) {
			toConfirm(r, d)
			r.Key("y")
			r.WaitFor(d.C.T("补写成功", "Repaired."))
			d.Cards.Take()
			r.WaitFor(d.C.T("卡片已取走", "off the reader"))
			d.Cards.Put(d.Card)
		}, "已补写(1 笔", "Already repaired (1"},
		{"waiting_for_pos", func(d *viewtest.RepairDesk) {
			d.POSRecharge(40*app.Yuan, false, false) // no answer reached the POS; it has said nothing since
			d.Site.Clock.Advance(d.Site.Cfg.WriteUnknownAfter)
		}, putCard, "等待充值机上送", "waiting for the recharge POS"},
		{"behind_the_ledger", func(d *viewtest.RepairDesk) { d.BehindTheLedger() }, putCard, "卡数据落后于系统", "Card behind the ledger"},
		{"approved", func(d *viewtest.RepairDesk) { d.ApprovedCannotTell(d.Site.Staff("boss", app.RoleSupervisor)) }, putCard,
			"已批准补写 (批准人 boss)", "Write approved (by boss)"},
		{"lost_card", func(d *viewtest.RepairDesk) {
			d.POSRecharge(50*app.Yuan, false, true)
			if err := d.Site.Svc.SetCardStatus(context.Background(), d.Site.Admin, apptest.UserCard(0), app.CardLost); err != nil {
				d.T.Fatal(err)
			}
		}, putCard, "此卡不能补写", "this card is not repaired"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, lang := range []string{"zh", "en"} {
				t.Run(lang, func(t *testing.T) {
					d := viewtest.NewRepairDesk(t, lang)
					if tc.setup != nil {
						tc.setup(d)
					}
					r := viewtest.NewRun(t, d.Desk, viewtest.RepairSpecs())
					r.Login("clerk1", "clerk-pass-1")
					r.WaitFor(d.C.T("补写卡", "Repair"))
					if tc.drive != nil {
						tc.drive(r, d)
					}
					r.WaitFor(d.C.T(tc.zh, tc.en))
					r.Settle()
					viewtest.Golden(t, r.Screen())
				})
			}
		})
	}
}

// A clerk repairs a recharge that never landed: the card gets it once; the next tap shows
// it as already repaired and offers nothing to write; the receipt prints and reprints.
func TestRepairFlowWritesOnceAndTheNextTapShowsItRepaired(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	d := viewtest.NewRepairDesk(t, "en")
	d.POSRecharge(50*app.Yuan, false, true)
	p := d.Page()
	p = d.Put(p)
	viewtest.Want(t, p, "20000001", "12.00", "cancel reported", "not on card", "enter writes 50.00 yuan")
	p = viewtest.Keys(p, "enter")
	viewtest.Want(t, p, "Confirm the repair", "12.00 -> 62.00")
	if d.Balance() != 12*app.Yuan {
		t.Fatal("written before the confirmation")
	}
	p = viewtest.Keys(p, "y")
	viewtest.Want(t, p, "Repaired.", "Amount written  50.00 yuan", "Balance before  12.00", "Balance after   62.00", "clerk1", "POS P1 serial 2", "RP1")
	if got := d.Balance(); got != 62*app.Yuan {
		t.Fatalf("card balance %d after the repair, want 6200", got)
	}
	p = viewtest.Keys(p, "p")
	s := viewtest.Want(t, p, "Receipt saved: ")
	path := filepath.Join(os.Getenv("XDG_DATA_HOME"), "cardcenter", "receipts", "RP1.txt")
	if !strings.Contains(strings.ReplaceAll(s, "\n", ""), path) {
		t.Fatalf("the path is not shown:\n%s", s)
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), "Balance after   62.00 yuan") || strings.Contains(string(b), "reprint") {
		t.Fatalf("printed receipt %q: %v", b, err)
	}

	// The next tap: nothing awaits, the repair is listed, no key writes.
	p = d.Take(p)
	viewtest.Want(t, p, "Card center repair receipt", "off the reader")
	p = d.Put(p)
	viewtest.Want(t, p, "Nothing awaits the desk", "Already repaired (1", "RP1", "written", "12.00 -> 62.00")
	p = viewtest.Keys(p, "y", "enter", "y")
	if got := d.Balance(); got != 62*app.Yuan {
		t.Fatalf("card balance %d after the second tap, want 6200", got)
	}
	// enter on the finished repair showed its receipt again, marked as a reprint.
	viewtest.Want(t, p, "(reprint)", "Balance after   62.00 yuan")
	p = viewtest.Keys(p, "p")
	viewtest.Want(t, p, "Receipt saved: ")
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
			d := viewtest.NewRepairDesk(t, "en")
			d.POSRecharge(50*app.Yuan, false, true)
			p := d.Put(d.Page())
			p = viewtest.Keys(p, "y") // not confirming: y is not the write key
			if p.ShortHelp()[3].Enabled() {
				t.Fatal("the write key is offered outside the confirm dialog")
			}
			p = viewtest.Keys(p, "enter")
			viewtest.Want(t, p, "Confirm the repair", "n / enter cancel (default)")
			if !p.ShortHelp()[3].Enabled() {
				t.Fatal("the dialog does not offer y")
			}
			p = viewtest.Keys(p, no)
			viewtest.Want(t, p, "Cancelled; nothing was written.", "not on card")
			if d.Balance() != 12*app.Yuan {
				t.Fatalf("balance %d: written although the answer was %s", d.Balance(), no)
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
	d := viewtest.NewRepairDesk(t, "en")
	d.POSRecharge(50*app.Yuan, false, true)
	p := viewtest.Keys(d.Put(d.Page()), "enter")
	p, write := p.Update(viewtest.Key("y"))
	if !p.Busy() || write == nil {
		t.Fatal("not busy while writing")
	}
	viewtest.Want(t, p, "keep it on the reader")
	p = viewtest.Keys(p, "esc", "n", "r")
	d.Cards.Take()
	p = viewtest.DrivePage(p, common.ReaderMsg{State: app.ReaderEmpty})
	if !p.Busy() {
		t.Fatal("a reader event ended the write's state before the write answered")
	}
	p = viewtest.RunPageCmd(p, write) // the repair re-reads: no card
	if p.Busy() {
		t.Fatal("still busy after the write answered")
	}
	viewtest.Want(t, p, "Not done", "no card on the reader", "never writes twice")
	if p.ShortHelp()[3].Enabled() {
		t.Fatal("a write key is armed after the failure")
	}
	p = d.Put(p)
	viewtest.Want(t, p, "not on card", "12.00")
	if d.Balance() != 12*app.Yuan {
		t.Fatal("the card changed")
	}
}

// A card taken away while the dialog is open: the dialog closes and nothing is written.
func TestRepairCardTakenAwayWhileConfirming(t *testing.T) {
	d := viewtest.NewRepairDesk(t, "zh")
	d.POSRecharge(50*app.Yuan, false, true)
	p := viewtest.Keys(d.Put(d.Page()), "enter")
	viewtest.Want(t, p, "确认补写")
	p = d.Take(p)
	viewtest.Want(t, p, "卡片已拿开,未写卡。", "请把卡片放在读卡器上")
	p = viewtest.Keys(p, "y")
	viewtest.Want(t, p, "请把卡片放在读卡器上")
	if d.Balance() != 12*app.Yuan {
		t.Fatal("written after the card left")
	}
}

// A read that answers after its card left (another card now on the reader) is dropped.
func TestRepairDropsAStaleRead(t *testing.T) {
	d := viewtest.NewRepairDesk(t, "en")
	other := d.Cards.Issue(t, []byte{0xB2, 0x00, 0x00, 0x02}, apptest.UserCard(1), 3*app.Yuan)
	p := d.Page()
	d.Cards.Put(d.Card)
	p, readA := p.Update(common.ReaderMsg{State: app.ReaderCard})
	staleA := readA() // card A's answer, delivered late
	p = d.Take(p)
	d.Cards.Put(other)
	p, readB := p.Update(common.ReaderMsg{State: app.ReaderCard})
	p = viewtest.DrivePage(p, staleA)
	if s := viewtest.PageScreen(p); strings.Contains(s, "20000001") || !strings.Contains(s, "Reading the card") {
		t.Fatalf("the stale read of card A was shown:\n%s", s)
	}
	p = viewtest.RunPageCmd(p, readB)
	viewtest.Want(t, p, "20000002", "3.00")
}

// A lost card is shown as lost and not repaired; a cannot-tell recharge has no write key.
func TestRepairRefusesLostCardsAndCannotTell(t *testing.T) {
	t.Run("lost", func(t *testing.T) {
		d := viewtest.NewRepairDesk(t, "en")
		d.POSRecharge(50*app.Yuan, false, true)
		if err := d.Site.Svc.SetCardStatus(context.Background(), d.Site.Admin, apptest.UserCard(0), app.CardLost); err != nil {
			t.Fatal(err)
		}
		p := d.Put(d.Page())
		viewtest.Want(t, p, "Status lost", "card is reported lost: this card is not repaired", "  card is reported lost.")
		if viewtest.Offers(p, "enter") {
			t.Fatal("the settle key is offered for a lost card")
		}
		p = viewtest.Keys(p, "enter", "y")
		if s := viewtest.Want(t, p, "card is reported lost."); strings.Contains(s, "Confirm") {
			t.Fatalf("a dialog opened for a lost card:\n%s", s)
		}
		if d.Balance() != 12*app.Yuan {
			t.Fatal("a lost card was written")
		}
	})
	t.Run("cannot tell", func(t *testing.T) {
		d := viewtest.NewRepairDesk(t, "en")
		d.POSRecharge(20*app.Yuan, false, true)
		for i := range 7 {
			d.Credit(100, "P2", int64(100+i), cardio.KindRecharge)
		}
		before := d.Read().Purse
		p := d.Put(d.Page())
		viewtest.Want(t, p, "cannot tell", "supervisor decides")
		if viewtest.Offers(p, "enter") {
			t.Fatal("the settle key is offered for a cannot-tell recharge")
		}
		p = viewtest.Keys(p, "enter", "y")
		if s := viewtest.Want(t, p, "cannot tell"); strings.Contains(s, "Confirm") {
			t.Fatalf("a dialog opened for a cannot-tell recharge:\n%s", s)
		}
		if d.Read().Purse != before {
			t.Fatal("written although the card cannot tell")
		}
		if _, err := d.Site.Svc.RepairOf(context.Background(), app.SystemActor, 1); !errors.Is(err, app.CodeNotFound) {
			t.Fatalf("a repair was recorded: %v", err)
		}
	})
	t.Run("already on card records without writing", func(t *testing.T) {
		d := viewtest.NewRepairDesk(t, "en")
		d.POSRecharge(30*app.Yuan, true, false)
		d.Site.Clock.Advance(d.Site.Cfg.WriteUnknownAfter)
		before := d.Read().Purse
		p := viewtest.Keys(d.Put(d.Page()), "enter")
		viewtest.Want(t, p, "already on the card: record it", "y record it")
		p = viewtest.Keys(p, "y")
		viewtest.Want(t, p, "already on the card, nothing written", "Amount written  0.00")
		if d.Read().Purse != before {
			t.Fatal("the card was written")
		}
	})
}

// Several readers: the screen asks which one, and uses it.
func TestRepairReaderPicker(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		t.Run(lang, func(t *testing.T) {
			d := viewtest.NewRepairDesk(t, lang)
			two := &twoReaders{Cards: d.Cards}
			d.C.Cards = two
			p := d.Page()
			viewtest.Golden(t, viewtest.PageScreen(p))
			p = viewtest.Keys(p, "down", "enter")
			if two.chosen != "Virtual PCD 00 01" {
				t.Fatalf("chose %q", two.chosen)
			}
			viewtest.Want(t, p, d.C.T("请把卡片放在读卡器上", "Put the card on the reader"), "Virtual PCD 00 01")
		})
	}
}

// pcscd coming back: the screen leaves its "not running" page by itself.
func TestRepairRecoversWhenPCSCReturns(t *testing.T) {
	d := viewtest.NewRepairDesk(t, "en")
	p := viewtest.DrivePage(d.Page(), common.ReaderMsg{State: app.ReaderNoPCSC})
	viewtest.Want(t, p, "pcscd")
	p = viewtest.DrivePage(p, common.ReaderMsg{State: app.ReaderNone})
	viewtest.Want(t, p, "No card reader found")
	p = viewtest.DrivePage(p, common.ReaderMsg{State: app.ReaderEmpty})
	viewtest.Want(t, p, "Put the card on the reader")
	d.POSRecharge(50*app.Yuan, false, true)
	p = d.Put(p)
	viewtest.Want(t, p, "not on card")
}

// The whole desk: q while the card is being written asks first and does not quit; once
// the write is done, q quits.
func TestRepairQuitAsksWhileWriting(t *testing.T) {
	d := viewtest.NewRepairDesk(t, "en")
	d.POSRecharge(50*app.Yuan, false, true)
	slow := &slowCards{Cards: d.Cards, entered: make(chan struct{}), release: make(chan struct{})}
	d.C.Cards = slow
	r := viewtest.NewRun(t, d.Desk, viewtest.RepairSpecs())
	r.Login("clerk1", "clerk-pass-1")
	r.WaitFor("Repair", "Put the card on the reader")
	d.Cards.Put(d.Card)
	r.WaitFor("not on card")
	r.Key("enter")
	r.Key("y")
	<-slow.entered // the write has started and is held
	r.Settle()
	r.WaitFor("keep it on the reader")
	r.Key("q")
	r.Settle()
	r.WaitFor("A card write is in progress. Quit anyway?")
	if r.Quit {
		t.Fatal("q quit in the middle of a card write")
	}
	r.Key("n")
	r.Settle()
	if s := r.Screen(); strings.Contains(s, "Quit anyway") || !strings.Contains(s, "keep it on the reader") {
		t.Fatalf("after n:\n%s", s)
	}
	close(slow.release)
	r.WaitFor("Repaired.")
	if d.Balance() != 62*app.Yuan {
		t.Fatalf("balance %d", d.Balance())
	}
	r.Key("q")
	r.Settle()
	if !r.Quit {
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
			d := viewtest.NewRepairDesk(t, "en")
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
			specs = append(specs, common.PageSpec{Roles: []app.Role{app.RoleClerk, app.RoleSupervisor, app.RoleAdmin}, New: viewtest.StubPage("Other")})
			r := viewtest.NewRun(t, d.Desk, specs)
			r.Login(tc.user, tc.pass)
			s := r.WaitFor(tc.user + " · ")
			if got := strings.Contains(s, "Repair"); got != tc.sees {
				t.Fatalf("%s sees the repair tab: %v\n%s", tc.role, got, s)
			}
		})
	}
}

// A long list scrolls: the selected recharge stays on screen at 80×24.
func TestRepairLongListScrolls(t *testing.T) {
	d := viewtest.NewRepairDesk(t, "en")
	for range 14 {
		d.POSRecharge(10*app.Yuan, false, true)
	}
	p := d.Put(d.Page())
	viewtest.Want(t, p, "Recharges awaiting the desk (14)")
	for range 13 {
		p = viewtest.Keys(p, "down")
	}
	// The 14th recharge is serial 28 (every recharge is followed by its cancel).
	s := viewtest.Want(t, p, "> 03-02 10:00 P1   28 ", "enter writes 10.00 yuan")
	if n := strings.Count(s, "\n"); n > viewtest.Height-3 {
		t.Fatalf("%d lines on a page of %d:\n%s", n, viewtest.Height-3, s)
	}
	p = viewtest.Keys(p, "enter")
	viewtest.Want(t, p, "POS P1 serial 28")
}

// The card is written but the ledger's answer to the completion is lost (the host went away):
// the screen says the write's outcome must be settled by the card, offers no second write,
// and the next read of the card completes the repair from what the card holds: one credit.
func TestRepairCompletionLostAfterTheWrite(t *testing.T) {
	d := viewtest.NewRepairDesk(t, "en")
	faulty := viewtest.NewFaultyDesk(d.C.Svc)
	d.C.Svc = faulty
	d.POSRecharge(50*app.Yuan, false, true)
	p := d.Page()
	p = d.Put(p)
	viewtest.Want(t, p, "not on card", "enter writes 50.00 yuan")
	faulty.Fail("CompleteRepair", errors.New("connection reset by peer"), true)
	p = viewtest.Keys(p, "enter", "y")
	if got := d.Balance(); got != 62*app.Yuan {
		t.Fatalf("card balance %d after the write, want 6200", got)
	}
	s := viewtest.PageScreen(p)
	if strings.Contains(s, "Repaired.") || strings.Contains(s, "enter writes 50.00 yuan") || strings.Contains(s, "Not done") {
		t.Fatalf("a lost completion is shown as done, as not done, or offered again:\n%s", s)
	}
	viewtest.Want(t, p, "Written to the card; not yet recorded", "the ledger did not confirm the record", "connection reset by peer")
	if rp, err := d.Site.Svc.RepairOf(context.Background(), app.SystemActor, 1); err != nil || rp.State != app.RepairIntent {
		t.Fatalf("repair %+v %v: want an open intent after the lost completion", rp, err)
	}
	// The clerk takes the card off and lays it again: the card holds the credit, the
	// ledger completes the repair, and nothing is written twice.
	p = d.Take(p)
	p = d.Put(p)
	viewtest.Want(t, p, "Nothing awaits the desk", "Unfinished repairs were completed from what the card shows: RP1")
	viewtest.Keys(p, "enter", "y") // nothing left to write: the keys write nothing
	if got := d.Balance(); got != 62*app.Yuan {
		t.Fatalf("card balance %d after the next read, want 6200 (one credit)", got)
	}
	if rp, err := d.Site.Svc.RepairOf(context.Background(), app.SystemActor, 1); err != nil || rp.State != app.RepairWritten {
		t.Fatalf("repair %+v %v: want written after the next read", rp, err)
	}
}

// Another desk's fresh intent on the recharge: the item is shown held, with who began it and
// from when this desk may resume it, and enter writes nothing; once it is stale this desk
// may write it.
func TestRepairShowsAFreshIntentOfAnotherDesk(t *testing.T) {
	d := viewtest.NewRepairDesk(t, "en")
	d.POSRecharge(50*app.Yuan, false, true)
	other := d.Site.Staff("clerk2", app.RoleClerk)
	if _, _, err := d.Site.Svc.BeginRepair(context.Background(), other, 1, app.CardSnapshot{Balance: d.Balance(), Counter: 0}); err != nil {
		t.Fatal(err)
	}
	p := d.Put(d.Page())
	viewtest.Want(t, p, "a repair of this recharge is in progress", "clerk2 began it at 10:00:00 at another desk; this desk may resume it from", "10:02:00")
	p = viewtest.Keys(p, "enter")
	if s := viewtest.PageScreen(p); strings.Contains(s, "Confirm the repair") || d.Balance() != 12*app.Yuan {
		t.Fatalf("a held item was offered for writing (card %d):\n%s", d.Balance(), s)
	}
	d.Site.Clock.Advance(app.RepairFresh)
	p = d.Put(d.Take(p))
	viewtest.Want(t, p, "enter writes 50.00 yuan")
}
