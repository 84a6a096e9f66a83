package viewtest

import (
	"cardcenter/views/common"
	"cardcenter/views/pages/repair"
	"context"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/cardio"
	"cardcenter/cardio/vcard"
)

// RepairDesk is a desk with the fixture's cardholder 0 as a virtual card (UID B2000001,
// balance 12.00) and operator 0 authorized on P1.
type RepairDesk struct {
	*Desk
	T    *testing.T
	Card *vcard.Reader
	Sess apptest.Session
}

func NewRepairDesk(t *testing.T, lang string) *RepairDesk {
	t.Helper()
	d := New(t, app.Actor{User: "clerk1", Role: app.RoleClerk}, lang)
	rd := &RepairDesk{Desk: d, T: t}
	rd.Card = d.Cards.Issue(t, []byte{0xB2, 0x00, 0x00, 0x01}, apptest.UserCard(0), 12*app.Yuan)
	rd.Sess = d.Site.Authorize("P1", 0)
	return rd
}

// Read reads the virtual card directly (not through the screen).
func (d *RepairDesk) Read() *cardio.Card {
	d.T.Helper()
	c, err := cardio.Read(vcard.InProc{R: d.Card}, d.Cards.Key)
	if err != nil {
		d.T.Fatal(err)
	}
	return c
}

func (d *RepairDesk) Balance() app.Fen { return app.Fen(d.Read().Purse.Balance) }

// POSRecharge books a recharge as a POS would with the card as read; landed says whether
// the POS's write reached the card; cancel whether the operator pressed Cancel.
func (d *RepairDesk) POSRecharge(amount app.Fen, landed, cancel bool) app.RechargeRequest {
	d.T.Helper()
	ctx := context.Background()
	c := d.Read()
	req := d.Site.RechargeReq(d.Sess, apptest.UserCard(0), app.Fen(c.Purse.Balance), amount)
	req.CardCounter = int64(c.Purse.Counter)
	if _, err := d.Site.Svc.Recharge(ctx, req); err != nil {
		d.T.Fatal(err)
	}
	if landed {
		d.Credit(amount, "P1", req.Serial, cardio.KindRecharge)
	}
	if cancel {
		if _, err := d.Site.Svc.Cancel(ctx, app.CancelRequest{DeviceID: "P1", Serial: d.Site.NextSerial("P1"),
			OrigSerial: req.Serial, CardNo: req.CardNo, Amount: amount}); err != nil {
			d.T.Fatal(err)
		}
	}
	return req
}

// CannotTell books a cancelled recharge of 20 yuan and then more transactions than the
// card's log keeps: the card cannot tell whether the recharge landed.
func (d *RepairDesk) CannotTell() app.RechargeRequest {
	d.T.Helper()
	req := d.POSRecharge(20*app.Yuan, false, true)
	for i := range 7 {
		d.Credit(100, "P2", int64(100+i), cardio.KindRecharge)
	}
	return req
}

// ApprovedCannotTell makes a cannot-tell recharge, lets a clerk's look at the card open its
// case at the exceptions desk, and has approver approve the write there.
func (d *RepairDesk) ApprovedCannotTell(approver app.Actor) app.Decision {
	d.T.Helper()
	ctx := context.Background()
	d.CannotTell()
	d.Cards.Put(d.Card)
	if _, err := d.Site.Svc.LookAtCard(ctx, d.Site.Clerk, d.Cards.Reader()); err != nil {
		d.T.Fatal(err)
	}
	d.Cards.Take()
	cases, err := d.Site.Svc.Exceptions(ctx, approver)
	if err != nil || len(cases) != 1 || cases[0].Case.Kind != app.CaseCannotTell {
		d.T.Fatalf("cases %+v %v", cases, err)
	}
	dec, err := d.Site.Svc.Decide(ctx, approver, app.DecisionInput{CaseKey: cases[0].Case.Key(), Kind: app.DecideApproveWrite,
		Reason: "POS journal shows the write failed"})
	if err != nil {
		d.T.Fatal(err)
	}
	return dec
}

// BehindTheLedger: the POS writes 30 yuan and confirms it (the ledger remembers counter 1,
// 42.00); a second recharge of 20 yuan is cancelled at 请重刷卡; then the card is restored
// from a copy taken before the first (counter 0, 12.00): behind what the ledger knows.
func (d *RepairDesk) BehindTheLedger() {
	d.T.Helper()
	saved := d.Card.Chip()
	req := d.POSRecharge(30*app.Yuan, true, false)
	if _, err := d.Site.Svc.Confirm(context.Background(), app.ConfirmRequest{DeviceID: "P1", Serial: d.Site.NextSerial("P1"),
		OrigSerial: req.Serial, CardNo: req.CardNo, Amount: req.Amount}); err != nil {
		d.T.Fatal(err)
	}
	d.POSRecharge(20*app.Yuan, false, true)
	d.Card = vcard.NewReader(&saved)
}

// Credit writes a transaction onto the card as a terminal would.
func (d *RepairDesk) Credit(amount app.Fen, terminal string, serial int64, kind cardio.Kind) {
	d.T.Helper()
	if _, err := cardio.Credit(vcard.InProc{R: d.Card}, d.Cards.Key, d.Read(), cardio.Txn{Kind: kind, Amount: int64(amount),
		Ref: cardio.Ref{Terminal: terminal, Serial: serial}, Time: d.Site.Clock.Now()}); err != nil {
		d.T.Fatal(err)
	}
}

// Page is the repair screen at the size the root gives it on an 80×24 terminal.
func (d *RepairDesk) Page() common.Page {
	p := repair.New(d.C)
	p.SetSize(Width, PageHeight)
	return RunPageCmd(p, p.Init())
}

func (d *RepairDesk) Put(p common.Page) common.Page {
	d.Cards.Put(d.Card)
	return DrivePage(p, common.ReaderMsg{State: app.ReaderCard})
}

func (d *RepairDesk) Take(p common.Page) common.Page {
	d.Cards.Take()
	return DrivePage(p, common.ReaderMsg{State: app.ReaderEmpty})
}

// RepairSpecs is the desk with only the repair screen, as pages.go lists it for clerks.
func RepairSpecs() []common.PageSpec {
	return []common.PageSpec{{Roles: []app.Role{app.RoleClerk, app.RoleAdmin}, New: repair.New}}
}
