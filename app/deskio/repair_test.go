package deskio_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/deskio"
	"cardcenter/cardio"
	"cardcenter/cardio/vcard"
)

// desk is a card-center desk on a real ledger with a virtual card on its reader.
type desk struct {
	t      *testing.T
	site   *apptest.Site
	key    cardio.SiteKey
	card   *vcard.Reader
	reader *deskio.Reader
	sess   apptest.Session
}

func newDesk(t *testing.T) *desk {
	s := apptest.New(t, apptest.Options{})
	d := &desk{t: t, site: s, key: cardio.NewSiteKey()}
	p := apptest.Holder(apptest.UserCard(0), 12*app.Yuan)
	p.Holder = "S1"
	d.card = apptest.IssueCard(t, d.key, []byte{0xB2, 0x00, 0x00, 0x01}, p) // the UID the fixture gave UserCard(0)
	d.reader = &deskio.Reader{Station: cardio.Station{Keys: cardio.LocalKeys{Site: d.key}, Connect: func(context.Context) (cardio.Transport, func(), error) {
		return vcard.InProc{R: d.card}, func() {}, nil
	}}}
	d.sess = s.Authorize("P1", 0)
	return d
}

func (d *desk) read() *cardio.Card {
	d.t.Helper()
	c, err := cardio.Read(vcard.InProc{R: d.card}, d.key)
	if err != nil {
		d.t.Fatal(err)
	}
	return c
}

// posRecharge books a recharge as the POS would, with the card as read; landed says
// whether the POS's write reached the card. Its confirm never arrives, and the operator
// pressed Cancel unless cancel is false.
func (d *desk) posRecharge(amount app.Fen, landed, cancel bool) app.RechargeRequest {
	d.t.Helper()
	ctx := context.Background()
	c := d.read()
	req := d.site.RechargeReq(d.sess, apptest.UserCard(0), app.Fen(c.Purse.Balance), amount)
	req.CardCounter = int64(c.Purse.Counter)
	if _, err := d.site.Svc.Recharge(ctx, req); err != nil {
		d.t.Fatal(err)
	}
	if landed {
		if _, err := cardio.Credit(vcard.InProc{R: d.card}, d.key, c, cardio.Txn{Kind: cardio.KindRecharge, Amount: int64(amount),
			Ref: cardio.Ref{Terminal: "P1", Serial: req.Serial}, Time: d.site.Clock.Now()}); err != nil {
			d.t.Fatal(err)
		}
	}
	if cancel {
		if _, err := d.site.Svc.Cancel(ctx, app.CancelRequest{DeviceID: "P1", Serial: d.site.NextSerial("P1"),
			OrigSerial: req.Serial, CardNo: req.CardNo, Amount: amount}); err != nil {
			d.t.Fatal(err)
		}
	}
	return req
}

func (d *desk) look() app.DeskCard {
	d.t.Helper()
	dc, err := d.site.Svc.LookAtCard(context.Background(), d.site.Clerk, d.reader)
	if err != nil {
		d.t.Fatal(err)
	}
	return dc
}

func TestRepairWritesANotLandedRechargeOnceAndASecondTapShowsIt(t *testing.T) {
	d := newDesk(t)
	ctx := context.Background()
	d.posRecharge(50*app.Yuan, false, true)
	dc := d.look()
	if len(dc.Items) != 1 || dc.Items[0].Verdict.OnCard != app.NotOnCard || dc.Holder.Name == "" {
		t.Fatalf("desk card %+v", dc)
	}
	rc, err := d.site.Svc.Repair(ctx, d.site.Clerk, d.reader, dc.Items[0].Recharge.ID, dc.Card)
	if err != nil {
		t.Fatal(err)
	}
	if rc.Outcome != app.RepairWritten || rc.Amount != 50*app.Yuan || rc.BalanceBefore != 12*app.Yuan || rc.BalanceAfter != 62*app.Yuan {
		t.Fatalf("receipt %+v", rc)
	}
	if got := d.read().Purse.Balance; got != int64(62*app.Yuan) {
		t.Fatalf("card balance %d", got)
	}
	// A second tap: nothing awaits, the repair is shown, and repairing again writes nothing.
	dc2 := d.look()
	if len(dc2.Items) != 0 || len(dc2.Repaired) != 1 || dc2.Repaired[0].State != app.RepairWritten {
		t.Fatalf("second tap %+v", dc2)
	}
	if _, err := d.site.Svc.Repair(ctx, d.site.Clerk, d.reader, dc.Items[0].Recharge.ID, dc2.Card); !errors.Is(err, app.CodeAlreadyRepaired) {
		t.Fatalf("second repair: %v", err)
	}
	if got := d.read().Purse.Balance; got != int64(62*app.Yuan) {
		t.Fatalf("card balance after a second attempt %d", got)
	}
	again, err := d.site.Svc.ReceiptOf(ctx, app.SystemActor, rc.RechargeID)
	if err != nil || again.Amount != rc.Amount || again.BalanceAfter != rc.BalanceAfter || again.Clerk != "clerk1" {
		t.Fatalf("reprint %+v %v", again, err)
	}
}

func TestRepairFindsALandedRechargeAndWritesNothing(t *testing.T) {
	d := newDesk(t)
	d.posRecharge(30*app.Yuan, true, false) // written, the confirm lost: write unknown
	if dc := d.look(); len(dc.Items) != 0 {
		t.Fatalf("a fresh pending recharge is at the desk: %+v", dc.Items)
	}
	d.site.Clock.Advance(d.site.Cfg.WriteUnknownAfter)
	dc := d.look()
	if len(dc.Items) != 1 || dc.Items[0].Reason != app.DeskWriteUnknown || dc.Items[0].Verdict.OnCard != app.AlreadyOnCard {
		t.Fatalf("desk card %+v", dc.Items)
	}
	rc, err := d.site.Svc.Repair(context.Background(), d.site.Clerk, d.reader, dc.Items[0].Recharge.ID, dc.Card)
	if err != nil || rc.Outcome != app.RepairFoundOnCard || rc.Amount != 0 {
		t.Fatalf("receipt %+v %v", rc, err)
	}
	if got := d.read().Purse.Balance; got != int64(42*app.Yuan) {
		t.Fatalf("balance %d", got)
	}
}

// A card pulled at any APDU of the desk's write: the repair is settled by the next read,
// and the card ends with the credit exactly once.
func TestRepairTornAtEveryAPDUCreditsExactlyOnce(t *testing.T) {
	for k := 1; k <= 10; k++ {
		t.Run(fmt.Sprintf("tear-%d", k), func(t *testing.T) {
			d := newDesk(t)
			ctx := context.Background()
			d.posRecharge(20*app.Yuan, false, true)
			dc := d.look()
			// Repair reads the card once before writing; tear k APDUs into the write.
			d.card.SetFaults(vcard.Faults{TearAfter: 16 + k})
			_, err := d.site.Svc.Repair(ctx, d.site.Clerk, d.reader, dc.Items[0].Recharge.ID, dc.Card)
			if err == nil {
				t.Fatal("a torn write reported success")
			}
			d.card.SetFaults(vcard.Faults{})
			d.card.Insert()
			dc = d.look() // the next read settles it
			if len(dc.Items) == 1 {
				if dc.Items[0].Verdict.OnCard != app.NotOnCard {
					t.Fatalf("verdict after the tear: %+v", dc.Items[0].Verdict)
				}
				if _, err := d.site.Svc.Repair(ctx, d.site.Clerk, d.reader, dc.Items[0].Recharge.ID, dc.Card); err != nil {
					t.Fatal(err)
				}
			} else if len(dc.Resolved)+len(dc.Repaired) == 0 {
				t.Fatalf("the repair vanished: %+v", dc)
			}
			if got := d.read().Purse.Balance; got != int64(32*app.Yuan) {
				t.Fatalf("balance %d, want 3200", got)
			}
			if dc := d.look(); len(dc.Items) != 0 || len(dc.Repaired) != 1 {
				t.Fatalf("after: %+v", dc)
			}
		})
	}
}

func TestRepairRefusals(t *testing.T) {
	ctx := context.Background()
	t.Run("card changed since shown", func(t *testing.T) {
		d := newDesk(t)
		d.posRecharge(20*app.Yuan, false, true)
		dc := d.look()
		c := d.read()
		cardio.Credit(vcard.InProc{R: d.card}, d.key, c, cardio.Txn{Kind: cardio.KindRecharge, Amount: 100, Ref: cardio.Ref{Terminal: "X", Serial: 1}, Time: time.Now()})
		if _, err := d.site.Svc.Repair(ctx, d.site.Clerk, d.reader, dc.Items[0].Recharge.ID, dc.Card); !errors.Is(err, app.CodeCardChanged) {
			t.Fatalf("want CARD_CHANGED, got %v", err)
		}
	})
	t.Run("lost card", func(t *testing.T) {
		d := newDesk(t)
		d.posRecharge(20*app.Yuan, false, true)
		dc := d.look()
		d.site.Svc.SetCardStatus(ctx, d.site.Admin, apptest.UserCard(0), app.CardLost)
		if _, err := d.site.Svc.Repair(ctx, d.site.Clerk, d.reader, dc.Items[0].Recharge.ID, dc.Card); !errors.Is(err, app.CodeCardLost) {
			t.Fatalf("want CARD_LOST, got %v", err)
		}
		if d.read().Purse.Balance != int64(12*app.Yuan) {
			t.Fatal("a lost card was written")
		}
	})
	t.Run("over the ceiling", func(t *testing.T) {
		d := newDesk(t)
		d.posRecharge(500*app.Yuan, false, true)
		c := d.read() // the cardholder spent nothing and recharged elsewhere meanwhile
		cardio.Credit(vcard.InProc{R: d.card}, d.key, c, cardio.Txn{Kind: cardio.KindRecharge, Amount: int64(600 * app.Yuan), Ref: cardio.Ref{Terminal: "P2", Serial: 77}, Time: time.Now()})
		dc := d.look()
		if len(dc.Items) != 1 || dc.Items[0].Verdict.OnCard != app.NotOnCard {
			t.Fatalf("verdict %+v", dc.Items)
		}
		if _, err := d.site.Svc.Repair(ctx, d.site.Clerk, d.reader, dc.Items[0].Recharge.ID, dc.Card); !errors.Is(err, app.CodeOverCeiling) {
			t.Fatalf("want OVER_BALANCE_CEILING, got %v", err)
		}
	})
	t.Run("cannot tell", func(t *testing.T) {
		d := newDesk(t)
		d.posRecharge(20*app.Yuan, false, true)
		for i := 0; i < 7; i++ { // more transactions than the card's log keeps
			c := d.read()
			cardio.Credit(vcard.InProc{R: d.card}, d.key, c, cardio.Txn{Kind: cardio.KindRecharge, Amount: 100, Ref: cardio.Ref{Terminal: "P2", Serial: int64(100 + i)}, Time: time.Now()})
		}
		dc := d.look()
		if len(dc.Items) != 1 || dc.Items[0].Verdict.OnCard != app.CannotTell {
			t.Fatalf("verdict %+v", dc.Items)
		}
		before := d.read().Purse
		if _, err := d.site.Svc.Repair(ctx, d.site.Clerk, d.reader, dc.Items[0].Recharge.ID, dc.Card); !errors.Is(err, app.CodeCannotTell) {
			t.Fatalf("want CARD_CANNOT_TELL, got %v", err)
		}
		if d.read().Purse != before {
			t.Fatal("written although the card could not tell")
		}
	})
	t.Run("a supervisor cannot repair", func(t *testing.T) {
		d := newDesk(t)
		d.posRecharge(20*app.Yuan, false, true)
		dc := d.look()
		if _, err := d.site.Svc.Repair(ctx, d.site.Staff("boss", app.RoleSupervisor), d.reader, dc.Items[0].Recharge.ID, dc.Card); !errors.Is(err, app.CodePermission) {
			t.Fatalf("want PERMISSION_DENIED, got %v", err)
		}
	})
}
