package cardio_test

import (
	"errors"
	"testing"
	"time"

	"cardcenter/cardio"
	"cardcenter/cardio/vcard"
)

var (
	t0   = time.Date(2025, 9, 1, 9, 0, 0, 0, time.UTC)
	site = cardio.NewSiteKey()
)

func personal(balance int64) cardio.Personal {
	return cardio.Personal{CardNo: "20250001", Holder: "S2025001", Issued: t0,
		Expires: t0.AddDate(4, 0, 0), Balance: balance}
}

// issuedReader is a virtual card issued through cardio.Issue, on an in-process reader.
func issuedReader(t testing.TB, balance int64) *vcard.Reader {
	t.Helper()
	chip, err := vcard.NewBlankChip([]byte{0x04, 0xA1, 0xB2, 0xC3})
	if err != nil {
		t.Fatal(err)
	}
	r := vcard.NewReader(chip)
	if _, err := cardio.Issue(vcard.InProc{R: r}, site, personal(balance)); err != nil {
		t.Fatal(err)
	}
	return r
}

func read(t testing.TB, r *vcard.Reader) *cardio.Card {
	t.Helper()
	c, err := cardio.Read(vcard.InProc{R: r}, site)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func recharge(serial, amount int64) cardio.Txn {
	return cardio.Txn{Kind: cardio.KindRecharge, Amount: amount,
		Ref: cardio.Ref{Terminal: "POS-0201-07", Serial: serial}, Time: t0.Add(time.Duration(serial) * time.Minute)}
}

func TestIssueReadCreditAndAPDUBudget(t *testing.T) {
	r := issuedReader(t, 500)
	ct := &cardio.CountingTransport{Transport: vcard.InProc{R: r}}
	c, err := cardio.Read(ct, site)
	if err != nil {
		t.Fatal(err)
	}
	readN := ct.N
	if readN > 16 {
		t.Errorf("read took %d APDUs, budget 16", readN)
	}
	if c.CardNo != "20250001" || c.Holder != "S2025001" || c.Purse != (cardio.Purse{Balance: 500}) || len(c.Log) != 0 {
		t.Fatalf("fresh card: %+v", c)
	}
	ct.N = 0
	p, err := cardio.Credit(ct, site, c, recharge(1, 2000))
	if err != nil {
		t.Fatal(err)
	}
	creditN := ct.N
	if creditN > 12 {
		t.Errorf("credit took %d APDUs, budget 12", ct.N)
	}
	if p != (cardio.Purse{Balance: 2500, Counter: 1}) {
		t.Fatalf("after credit: %+v", p)
	}
	c = read(t, r)
	if c.Purse != p || len(c.Log) != 1 || c.Verdict(recharge(1, 2000).Ref, 2000, 0) != cardio.VerdictLanded {
		t.Fatalf("re-read: %+v", c)
	}
	if _, err := cardio.Credit(vcard.InProc{R: r}, site, c, recharge(1, 2000)); !errors.Is(err, cardio.ErrAlreadyOnCard) {
		t.Fatalf("second credit of the same reference: %v", err)
	}
	t.Logf("read %d APDUs, credit %d", readN, creditN)
}

// The log is cyclic: after many credits it still holds the last six, newest first.
func TestLogWraps(t *testing.T) {
	r := issuedReader(t, 0)
	for i := int64(1); i <= 20; i++ {
		if _, err := cardio.Credit(vcard.InProc{R: r}, site, read(t, r), recharge(i, i)); err != nil {
			t.Fatal(i, err)
		}
	}
	c := read(t, r)
	if c.Purse != (cardio.Purse{Balance: 210, Counter: 20}) || len(c.Log) != 6 || c.Log[0].Counter != 20 || c.Log[5].Counter != 15 {
		t.Fatalf("%+v", c)
	}
	if c.Log[0].BalanceAfter != 210 || c.Log[1].BalanceAfter != 190 {
		t.Fatalf("balances after: %+v", c.Log[:2])
	}
}

// The heart of issue 3: pull the card after APDU k of a credit, for every k, in both tear
// modes (the APDU fully applied, or a write left half done). The next read must show exactly
// before or after, the verdict must agree with it, and after a re-tap (credit again only if
// not landed) the money is on the card exactly once.
func TestTornCreditEveryAPDU(t *testing.T) {
	const amount = 1500
	probe := issuedReader(t, 100)
	for i := int64(1); i <= 7; i++ { // some history, so the intent overwrites a live slot
		if _, err := cardio.Credit(vcard.InProc{R: probe}, site, read(t, probe), recharge(100+i, 10)); err != nil {
			t.Fatal(err)
		}
	}
	history := probe.Chip()
	before := read(t, probe)
	ct := &cardio.CountingTransport{Transport: vcard.InProc{R: probe}}
	if _, err := cardio.Credit(ct, site, before, recharge(1, amount)); err != nil {
		t.Fatal(err)
	}
	n := ct.N
	want := cardio.Purse{Balance: before.Purse.Balance + amount, Counter: before.Purse.Counter + 1}

	for _, garble := range []bool{false, true} {
		for k := 1; k <= n; k++ {
			chip := history
			r := vcard.NewReader(&chip)
			r.SetFaults(vcard.Faults{TearAfter: k, TearGarbles: garble})
			_, err := cardio.Credit(vcard.InProc{R: r}, site, before, recharge(1, amount))
			if !errors.Is(err, cardio.ErrCardRemoved) {
				t.Fatalf("k=%d garble=%v: credit error %v, want card removed", k, garble, err)
			}
			r.Insert() // the holder puts the card back
			mid := read(t, r)
			v := mid.Verdict(recharge(1, amount).Ref, amount, int64(before.Purse.Counter))
			switch mid.Purse {
			case before.Purse:
				if v != cardio.VerdictNotLanded {
					t.Fatalf("k=%d garble=%v: purse is before, verdict %v", k, garble, v)
				}
				if _, err := cardio.Credit(vcard.InProc{R: r}, site, mid, recharge(1, amount)); err != nil {
					t.Fatalf("k=%d garble=%v: re-tap credit: %v", k, garble, err)
				}
			case want:
				if v != cardio.VerdictLanded {
					t.Fatalf("k=%d garble=%v: purse is after, verdict %v", k, garble, v)
				}
			default:
				t.Fatalf("k=%d garble=%v: third balance %+v (before %+v, after %+v)", k, garble, mid.Purse, before.Purse, want)
			}
			end := read(t, r)
			found := 0
			for _, e := range end.Log {
				if e.Matches(recharge(1, amount).Ref, amount) {
					found++
				}
			}
			if end.Purse != want || found != 1 || end.PurseFromBackup || len(end.DamagedSlots) != 0 {
				t.Fatalf("k=%d garble=%v: end %+v, entries with the ref: %d", k, garble, end, found)
			}
		}
	}
	t.Logf("tore a %d-APDU credit at every APDU, both tear modes", n)
}

func TestWrongSiteKeyBlankAndNotBlank(t *testing.T) {
	r := issuedReader(t, 0)
	if _, err := cardio.Read(vcard.InProc{R: r}, cardio.NewSiteKey()); !errors.Is(err, cardio.ErrAuthFailed) {
		t.Fatalf("wrong site key: %v", err)
	}
	// Issuing it as another card, or with another opening balance, is refused; issuing it
	// again as itself is TestTornIssueResumes.
	other := personal(0)
	other.CardNo = "20259999"
	if _, err := cardio.Issue(vcard.InProc{R: r}, site, other); !errors.Is(err, cardio.ErrNotBlank) {
		t.Fatalf("issue on an issued card: %v", err)
	}
	if _, err := cardio.Issue(vcard.InProc{R: r}, site, personal(5000)); !errors.Is(err, cardio.ErrNotBlank) {
		t.Fatalf("issue with another opening balance: %v", err)
	}
	if read(t, r).Purse != (cardio.Purse{}) {
		t.Fatal("refused issue changed the card")
	}
	// A card in use is never issued again, even as itself: its purse would be reset.
	if _, err := cardio.Credit(vcard.InProc{R: r}, site, read(t, r), recharge(1, 300)); err != nil {
		t.Fatal(err)
	}
	if _, err := cardio.Issue(vcard.InProc{R: r}, site, personal(0)); !errors.Is(err, cardio.ErrNotBlank) {
		t.Fatalf("issue on a card in use: %v", err)
	}
	if read(t, r).Purse.Balance != 300 {
		t.Fatal("refused issue changed the card")
	}
	chip, _ := vcard.NewBlankChip(nil)
	if _, err := cardio.Read(vcard.InProc{R: vcard.NewReader(chip)}, site); !errors.Is(err, cardio.ErrBlankCard) {
		t.Fatalf("blank card: %v", err)
	}
	r.SetFaults(vcard.Faults{FailAuth: true})
	if _, err := cardio.Read(vcard.InProc{R: r}, site); !errors.Is(err, cardio.ErrAuthFailed) {
		t.Fatalf("auth fault: %v", err)
	}
	r.Remove()
	if _, err := cardio.Read(vcard.InProc{R: r}, site); !errors.Is(err, cardio.ErrNoCard) {
		t.Fatalf("no card: %v", err)
	}
}

// An issue torn at any APDU, the last one included (the card fully issued, the answer lost),
// leaves a card that issuing again finishes: never "not blank", every sector keyed, the
// purse as issued.
func TestTornIssueResumesAtEveryAPDU(t *testing.T) {
	n := 0
	for k := 1; ; k++ {
		chip, _ := vcard.NewBlankChip([]byte{1, 2, 3, 4})
		r := vcard.NewReader(chip)
		r.SetFaults(vcard.Faults{TearAfter: k})
		_, err := cardio.Issue(vcard.InProc{R: r}, site, personal(800))
		if err == nil {
			break // k passed the last APDU
		}
		n = k
		r.Insert()
		if _, err := cardio.Read(vcard.InProc{R: r}, site); !errors.Is(err, cardio.ErrBlankCard) && err != nil {
			t.Fatalf("k=%d: half-issued card reads as %v", k, err)
		}
		iss, err := cardio.Issue(vcard.InProc{R: r}, site, personal(800))
		if err != nil {
			t.Fatalf("k=%d: re-issue: %v", k, err)
		}
		if c := read(t, r); c.Purse != (cardio.Purse{Balance: 800}) || iss.Purse != c.Purse || iss.CardNo != "20250001" || iss.UIDHex != "01020304" {
			t.Fatalf("k=%d: card %+v, issue said %+v", k, c, iss)
		}
		wantEverySectorKeyed(t, r)
	}
	if n < 40 {
		t.Fatalf("an issue of %d APDUs cannot key 16 sectors", n+1)
	}
	t.Logf("tore a %d-APDU issue at every APDU", n+1)
}

// wantEverySectorKeyed: no sector of the card opens with the transport key, and every
// sector's trailer is this card's keys with CampusAccess.
func wantEverySectorKeyed(t *testing.T, r *vcard.Reader) {
	t.Helper()
	chip := r.Chip()
	keys := site.CardKeys(chip.UID)
	for sec := byte(0); sec < 16; sec++ {
		tr := chip.Blocks[cardio.TrailerOf(sec)]
		if [6]byte(tr[0:6]) != keys.A || [4]byte(tr[6:10]) != cardio.CampusAccess || [6]byte(tr[10:16]) != keys.B {
			t.Fatalf("sector %d trailer % X, want this card's keys and CampusAccess", sec, tr)
		}
	}
}

func TestIssueKeysEverySector(t *testing.T) {
	r := issuedReader(t, 0)
	wantEverySectorKeyed(t, r)
}

// A card issued before every sector was keyed (sectors 0 and 5–15 on the transport key) is
// finished by issuing it again as itself: those sectors get its keys, the data is kept.
func TestIssueAgainKeysTheSectorsAnOlderIssueLeftOnTheTransportKey(t *testing.T) {
	r := issuedReader(t, 800)
	chip := r.Chip()
	for _, sec := range []byte{0, 5, 9, 15} {
		tr := &chip.Blocks[cardio.TrailerOf(sec)]
		copy(tr[0:6], cardio.FactoryKey[:])
		copy(tr[6:10], cardio.FactoryAccess[:])
		copy(tr[10:16], cardio.FactoryKey[:])
	}
	r = vcard.NewReader(&chip)
	if _, err := cardio.Issue(vcard.InProc{R: r}, site, personal(800)); err != nil {
		t.Fatal(err)
	}
	wantEverySectorKeyed(t, r)
	if c := read(t, r); c.Purse.Balance != 800 {
		t.Fatalf("%+v", c)
	}
}

func TestCorruptPurseFallsBackAndRefuses(t *testing.T) {
	r := issuedReader(t, 0)
	if _, err := cardio.Credit(vcard.InProc{R: r}, site, read(t, r), recharge(1, 300)); err != nil {
		t.Fatal(err)
	}
	r.CorruptBlock(int(cardio.BlockPurse))
	c := read(t, r)
	if !c.PurseFromBackup || c.Purse != (cardio.Purse{Balance: 0, Counter: 0}) {
		t.Fatalf("main purse corrupt: %+v", c.Purse)
	}
	r.CorruptBlock(int(cardio.BlockPurseBackup))
	if _, err := cardio.Read(vcard.InProc{R: r}, site); !errors.Is(err, cardio.ErrCorrupt) {
		t.Fatalf("both purse blocks corrupt: %v", err)
	}
}

func TestCreditRefusals(t *testing.T) {
	r := issuedReader(t, 0)
	c := read(t, r)
	tr := vcard.InProc{R: r}
	if _, err := cardio.Credit(tr, site, c, recharge(1, 0)); !errors.Is(err, cardio.ErrBadAmount) {
		t.Fatalf("zero amount: %v", err)
	}
	if _, err := cardio.Credit(tr, site, c, recharge(1, cardio.MaxBalance)); err != nil {
		t.Fatal(err)
	}
	if _, err := cardio.Credit(tr, site, c, recharge(2, 1)); !errors.Is(err, cardio.ErrNotAsRead) {
		t.Fatalf("stale read: %v", err)
	}
	if _, err := cardio.Credit(tr, site, read(t, r), recharge(2, 1)); !errors.Is(err, cardio.ErrOverLimit) {
		t.Fatalf("over the card limit: %v", err)
	}
	other := issuedReader(t, 0)
	stale := read(t, other)
	stale.UID = []byte{9, 9, 9, 9}
	if _, err := cardio.Credit(vcard.InProc{R: other}, site, stale, recharge(3, 1)); !errors.Is(err, cardio.ErrNotAsRead) {
		t.Fatalf("another card: %v", err)
	}
}
