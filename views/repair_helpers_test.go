package views_test

import (
	"cardcenter/views/common"
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/cardio"
	"cardcenter/cardio/vcard"
	"cardcenter/views"
	"cardcenter/views/viewtest"
)

// repairDesk is a desk with the fixture's cardholder 0 as a virtual card (UID B2000001,
// balance 12.00) and operator 0 authorized on P1.
type repairDesk struct {
	*viewtest.Desk
	t    *testing.T
	card *vcard.Reader
	sess apptest.Session
}

func newRepairDesk(t *testing.T, lang string) *repairDesk {
	t.Helper()
	d := viewtest.New(t, app.Actor{User: "clerk1", Role: app.RoleClerk}, lang)
	rd := &repairDesk{Desk: d, t: t}
	rd.card = d.Cards.Issue(t, []byte{0xB2, 0x00, 0x00, 0x01}, apptest.UserCard(0), 12*app.Yuan)
	rd.sess = d.Site.Authorize("P1", 0)
	return rd
}

// read reads the virtual card directly (not through the screen).
func (d *repairDesk) read() *cardio.Card {
	d.t.Helper()
	c, err := cardio.Read(vcard.InProc{R: d.card}, d.Cards.Key)
	if err != nil {
		d.t.Fatal(err)
	}
	return c
}

func (d *repairDesk) balance() app.Fen { return app.Fen(d.read().Purse.Balance) }

// posRecharge books a recharge as a POS would with the card as read; landed says whether
// the POS's write reached the card; cancel whether the operator pressed Cancel.
func (d *repairDesk) posRecharge(amount app.Fen, landed, cancel bool) app.RechargeRequest {
	d.t.Helper()
	ctx := context.Background()
	c := d.read()
	req := d.Site.RechargeReq(d.sess, apptest.UserCard(0), app.Fen(c.Purse.Balance), amount)
	req.CardCounter = int64(c.Purse.Counter)
	if _, err := d.Site.Svc.Recharge(ctx, req); err != nil {
		d.t.Fatal(err)
	}
	if landed {
		d.credit(amount, "P1", req.Serial, cardio.KindRecharge)
	}
	if cancel {
		if _, err := d.Site.Svc.Cancel(ctx, app.CancelRequest{DeviceID: "P1", Serial: d.Site.NextSerial("P1"),
			OrigSerial: req.Serial, CardNo: req.CardNo, Amount: amount}); err != nil {
			d.t.Fatal(err)
		}
	}
	return req
}

// cannotTell books a cancelled recharge of 20 yuan and then more transactions than the
// card's log keeps: the card cannot tell whether the recharge landed.
func (d *repairDesk) cannotTell() app.RechargeRequest {
	d.t.Helper()
	req := d.posRecharge(20*app.Yuan, false, true)
	for i := range 7 {
		d.credit(100, "P2", int64(100+i), cardio.KindRecharge)
	}
	return req
}

// approvedCannotTell makes a cannot-tell recharge, lets a clerk's look at the card open its
// case at the exceptions desk, and has approver approve the write there.
func (d *repairDesk) approvedCannotTell(approver app.Actor) app.Decision {
	d.t.Helper()
	ctx := context.Background()
	d.cannotTell()
	d.Cards.Put(d.card)
	if _, err := d.Site.Svc.LookAtCard(ctx, d.Site.Clerk, d.Cards.Reader()); err != nil {
		d.t.Fatal(err)
	}
	d.Cards.Take()
	cases, err := d.Site.Svc.Exceptions(ctx, approver)
	if err != nil || len(cases) != 1 || cases[0].Case.Kind != app.CaseCannotTell {
		d.t.Fatalf("cases %+v %v", cases, err)
	}
	dec, err := d.Site.Svc.Decide(ctx, approver, app.DecisionInput{CaseKey: cases[0].Case.Key(), Kind: app.DecideApproveWrite,
		Reason: "POS journal shows the write failed"})
	if err != nil {
		d.t.Fatal(err)
	}
	return dec
}

// behindTheLedger: the POS writes 30 yuan and confirms it (the ledger remembers counter 1,
// 42.00); a second recharge of 20 yuan is cancelled at 请重刷卡; then the card is restored
// from a copy taken before the first (counter 0, 12.00): behind what the ledger knows.
func (d *repairDesk) behindTheLedger() {
	d.t.Helper()
	saved := d.card.Chip()
	req := d.posRecharge(30*app.Yuan, true, false)
	if _, err := d.Site.Svc.Confirm(context.Background(), app.ConfirmRequest{DeviceID: "P1", Serial: d.Site.NextSerial("P1"),
		OrigSerial: req.Serial, CardNo: req.CardNo, Amount: req.Amount}); err != nil {
		d.t.Fatal(err)
	}
	d.posRecharge(20*app.Yuan, false, true)
	d.card = vcard.NewReader(&saved)
}

// credit writes a transaction onto the card as a terminal would.
func (d *repairDesk) credit(amount app.Fen, terminal string, serial int64, kind cardio.Kind) {
	d.t.Helper()
	if _, err := cardio.Credit(vcard.InProc{R: d.card}, d.Cards.Key, d.read(), cardio.Txn{Kind: kind, Amount: int64(amount),
		Ref: cardio.Ref{Terminal: terminal, Serial: serial}, Time: d.Site.Clock.Now()}); err != nil {
		d.t.Fatal(err)
	}
}

// page is the repair screen at the size the root gives it on an 80×24 terminal.
func (d *repairDesk) page() common.Page {
	p := views.NewRepairPage(d.C)
	p.SetSize(viewtest.Width, viewtest.Height-3)
	return viewtest.RunPageCmd(p, p.Init())
}

func (d *repairDesk) put(p common.Page) common.Page {
	d.Cards.Put(d.card)
	return viewtest.DrivePage(p, common.ReaderMsg{State: app.ReaderCard})
}

func (d *repairDesk) take(p common.Page) common.Page {
	d.Cards.Take()
	return viewtest.DrivePage(p, common.ReaderMsg{State: app.ReaderEmpty})
}

func keys(p common.Page, ks ...string) common.Page {
	for _, k := range ks {
		p = viewtest.DrivePage(p, viewtest.Key(k))
	}
	return p
}

func mustShow(t *testing.T, p common.Page, want ...string) string {
	t.Helper()
	s := viewtest.PageScreen(p)
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Fatalf("screen lacks %q:\n%s", w, s)
		}
	}
	return s
}

// repairRun drives the whole desk (root, login, the real reader watch) the way the
// program does: every command runs in its own goroutine and its message comes back to
// the test's goroutine, which alone touches the model.
type repairRun struct {
	t    *testing.T
	m    tea.Model
	msgs chan tea.Msg
	quit bool
}

func newRepairRun(t *testing.T, d *viewtest.Desk, specs []common.PageSpec) *repairRun {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel) // ends the reader watch
	d.C.Ctx = ctx
	r := &repairRun{t: t, m: views.NewRoot(d.C, specs), msgs: make(chan tea.Msg, 64)}
	r.send(tea.WindowSizeMsg{Width: viewtest.Width, Height: viewtest.Height})
	r.spawn(r.m.Init())
	return r
}

func (r *repairRun) spawn(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() { r.msgs <- cmd() }()
}

func (r *repairRun) send(msg tea.Msg) {
	switch msg := msg.(type) {
	case nil:
		return
	case tea.BatchMsg:
		for _, c := range msg {
			r.spawn(c)
		}
		return
	case tea.QuitMsg:
		r.quit = true
		return
	}
	m, cmd := r.m.Update(msg)
	r.m = m
	r.spawn(cmd)
}

func (r *repairRun) key(k string) { r.send(viewtest.Key(k)) }

func (r *repairRun) typ(s string) {
	for _, c := range s {
		r.send(tea.KeyPressMsg{Code: c, Text: string(c)})
	}
}

func (r *repairRun) screen() string { return viewtest.Screen(r.m) }

// waitFor delivers the commands' messages until the screen shows every want.
func (r *repairRun) waitFor(want ...string) string {
	r.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		s := r.screen()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(s, w)
		}
		if ok {
			return s
		}
		select {
		case msg := <-r.msgs:
			r.send(msg)
		case <-deadline:
			r.t.Fatalf("screen never showed %q:\n%s", want, s)
		}
	}
}

// settle delivers whatever arrives within a short while (for "nothing else happens").
func (r *repairRun) settle() {
	for {
		select {
		case msg := <-r.msgs:
			r.send(msg)
		case <-time.After(100 * time.Millisecond):
			return
		}
	}
}

func (r *repairRun) login(user, pass string) {
	r.typ(user)
	r.key("tab")
	r.typ(pass)
	r.key("enter")
}

// repairSpecs is the desk with only the repair screen, as pages.go lists it for clerks.
func repairSpecs() []common.PageSpec {
	return []common.PageSpec{{Roles: []app.Role{app.RoleClerk, app.RoleAdmin}, New: views.NewRepairPage}}
}

// slowCards holds every card write until released, to look at the desk mid-write.
type slowCards struct {
	*viewtest.Cards
	entered chan struct{}
	release chan struct{}
}

func (c *slowCards) Reader() app.DeskReader { return slowReader{c.Cards.Reader(), c} }

type slowReader struct {
	app.DeskReader
	c *slowCards
}

func (r slowReader) Credit(ctx context.Context, before app.CardOnDesk, terminal string, serial int64, amount app.Fen, at time.Time) error {
	r.c.entered <- struct{}{}
	<-r.c.release
	return r.DeskReader.Credit(ctx, before, terminal, serial, amount, at)
}

// twoReaders is a card source with two readers attached.
type twoReaders struct {
	*viewtest.Cards
	chosen string
}

func (c *twoReaders) Readers(context.Context) ([]string, error) {
	return []string{"Virtual PCD 00 00", "Virtual PCD 00 01"}, nil
}
func (c *twoReaders) Choose(name string) { c.chosen = name }
func (c *twoReaders) Name() string       { return c.chosen }
