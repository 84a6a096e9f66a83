package pcsc_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"cardcenter/cardio"
	"cardcenter/cardio/pcsc"
	"cardcenter/cardio/pcsctest"
	"cardcenter/cardio/vcard"
)

// Every test here goes through the real stack: pcscd, the vsmartcard vpcd driver, a virtual
// card served over vpcd's socket, ebfe/scard. They share vpcd's two ports, so they live in
// this one package and never run in parallel.

const (
	reader0 = pcsctest.Reader0
	reader1 = pcsctest.Reader1
	port0   = pcsctest.Port0
	port1   = pcsctest.Port1
)

var (
	site = cardio.NewSiteKey()
	t0   = time.Date(2025, 9, 1, 9, 0, 0, 0, time.UTC)
)

func needStack(t testing.TB) *pcsc.Context { return pcsctest.Stack(t) }

func waitCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func insert(t testing.TB, c *pcsc.Context, r *vcard.Reader, addr, reader string) {
	pcsctest.Insert(t, c, r, addr, reader)
}

func connect(t testing.TB, c *pcsc.Context, reader string) *pcsc.Conn {
	t.Helper()
	conn, err := c.Connect(reader)
	if err != nil {
		t.Fatalf("connect %s: %v", reader, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func blankReader(t testing.TB, uid []byte) *vcard.Reader {
	t.Helper()
	chip, err := vcard.NewBlankChip(uid)
	if err != nil {
		t.Fatal(err)
	}
	return vcard.NewReader(chip)
}

func personal(no string, balance int64) cardio.Personal {
	return cardio.Personal{CardNo: no, Holder: "H" + no, Issued: t0, Expires: t0.AddDate(4, 0, 0), Balance: balance}
}

func recharge(serial, amount int64) cardio.Txn {
	return cardio.Txn{Kind: cardio.KindRecharge, Amount: amount,
		Ref: cardio.Ref{Terminal: "POS-3", Serial: serial}, Time: t0.Add(time.Duration(serial) * time.Minute)}
}

// Issue a blank card through the reader, read it, credit it, read it again.
func TestIssueReadCreditReread(t *testing.T) {
	c := needStack(t)
	r := blankReader(t, []byte{0x04, 0x11, 0x22, 0x33})
	insert(t, c, r, port0, reader0)
	conn := connect(t, c, reader0)
	if _, err := cardio.Read(conn, site); !errors.Is(err, cardio.ErrBlankCard) {
		t.Fatalf("blank card: %v", err)
	}
	iss, err := cardio.Issue(conn, site, personal("1001", 2000))
	if err != nil {
		t.Fatal(err)
	}
	if iss.UIDHex != "04112233" || iss.CardNo != "1001" {
		t.Fatalf("issued %+v", iss)
	}
	card, err := cardio.Read(conn, site)
	if err != nil {
		t.Fatal(err)
	}
	if card.Purse != (cardio.Purse{Balance: 2000}) || card.Holder != "H1001" {
		t.Fatalf("read %+v", card)
	}
	if _, err := cardio.Credit(conn, site, card, recharge(1, 550)); err != nil {
		t.Fatal(err)
	}
	again, err := cardio.Read(conn, site)
	if err != nil {
		t.Fatal(err)
	}
	if again.Purse != (cardio.Purse{Balance: 2550, Counter: 1}) ||
		again.Verdict(recharge(1, 550).Ref, 550, 0) != cardio.VerdictLanded {
		t.Fatalf("re-read %+v", again)
	}
	if _, err := cardio.Read(conn, cardio.NewSiteKey()); !errors.Is(err, cardio.ErrAuthFailed) {
		t.Fatalf("wrong site key: %v", err)
	}
}

func TestNoCardAndCancelledWait(t *testing.T) {
	c := needStack(t)
	if _, err := c.Connect(reader1); !errors.Is(err, cardio.ErrNoCard) {
		t.Fatalf("connect to an empty reader: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	if err := c.WaitCard(ctx, reader1); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("cancel took %v", d)
	}
	if _, err := c.Reader("No Such Reader"); !errors.Is(err, cardio.ErrNoReader) {
		t.Fatalf("unknown reader: %v", err)
	}
}

func issue(t testing.TB, c *pcsc.Context, r *vcard.Reader, no string, balance int64) {
	t.Helper()
	if _, err := cardio.Issue(vcard.InProc{R: r}, site, personal(no, balance)); err != nil {
		t.Fatal(err)
	}
}

// The card pulled after APDU k of a credit, for every k, through pcscd: the next tap reads
// before or after, the verdict agrees, and after the re-tap the money is there exactly once.
func TestCardRemovedMidCreditEveryAPDU(t *testing.T) {
	c := needStack(t)
	const amount = 700
	for k := 1; k <= 10; k++ {
		t.Run(fmt.Sprintf("tear after %d", k), func(t *testing.T) {
			r := blankReader(t, []byte{0x04, 0x55, 0x66, byte(k)})
			issue(t, c, r, "2002", 100)
			insert(t, c, r, port0, reader0)
			conn, err := c.Connect(reader0)
			if err != nil {
				t.Fatal(err)
			}
			before, err := cardio.Read(conn, site)
			if err != nil {
				t.Fatal(err)
			}
			r.SetFaults(vcard.Faults{TearAfter: k, TearGarbles: k%2 == 0})
			_, err = cardio.Credit(conn, site, before, recharge(9, amount))
			if !errors.Is(err, cardio.ErrCardRemoved) {
				t.Fatalf("credit torn after %d: %v", k, err)
			}
			conn.Close()
			if err := c.WaitRemoved(waitCtx(t), reader0); err != nil {
				t.Fatal(err)
			}
			r.Insert() // the holder taps again
			if err := c.WaitCard(waitCtx(t), reader0); err != nil {
				t.Fatal(err)
			}
			conn = connect(t, c, reader0)
			mid, err := cardio.Read(conn, site)
			if err != nil {
				t.Fatal(err)
			}
			after := cardio.Purse{Balance: 100 + amount, Counter: 1}
			v := mid.Verdict(recharge(9, amount).Ref, amount, int64(before.Purse.Counter))
			switch {
			case mid.Purse == before.Purse && v == cardio.VerdictNotLanded:
				if _, err := cardio.Credit(conn, site, mid, recharge(9, amount)); err != nil {
					t.Fatal(err)
				}
			case mid.Purse == after && v == cardio.VerdictLanded:
			default:
				t.Fatalf("after the tear: purse %+v verdict %v", mid.Purse, v)
			}
			end, err := cardio.Read(conn, site)
			if err != nil {
				t.Fatal(err)
			}
			if end.Purse != after || len(end.Log) != 1 {
				t.Fatalf("end: %+v", end)
			}
		})
	}
}

// Two desks at once: a card in each reader, read and credited concurrently, each goroutine
// with its own PC/SC context.
func TestTwoReadersAtOnce(t *testing.T) {
	c := needStack(t)
	r0 := blankReader(t, []byte{0x04, 0, 0, 1})
	r1 := blankReader(t, []byte{0x04, 0, 0, 2})
	issue(t, c, r0, "3000", 0)
	issue(t, c, r1, "3001", 0)
	insert(t, c, r0, port0, reader0)
	insert(t, c, r1, port1, reader1)
	errs := make(chan error, 2)
	for i, reader := range []string{reader0, reader1} {
		go func() {
			errs <- pcsc.WithCard(waitCtx(t), reader, func(conn *pcsc.Conn) error {
				for n := int64(1); n <= 5; n++ {
					card, err := cardio.Read(conn, site)
					if err != nil {
						return err
					}
					if card.CardNo != fmt.Sprint(3000+i) {
						return fmt.Errorf("%s: card %s", reader, card.CardNo)
					}
					if _, err := cardio.Credit(conn, site, card, recharge(n, 100)); err != nil {
						return err
					}
				}
				return nil
			})
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []*vcard.Reader{r0, r1} {
		card, err := cardio.Read(vcard.InProc{R: r}, site)
		if err != nil || card.Purse != (cardio.Purse{Balance: 500, Counter: 5}) {
			t.Fatalf("%+v %v", card, err)
		}
	}
}
