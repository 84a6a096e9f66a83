package cardio_test

import (
	"context"
	"errors"
	"testing"

	"cardcenter/cardio"
	"cardcenter/cardio/vcard"
)

// countingKeys counts how often a station asks its key source (outside package cardio).
type countingKeys struct {
	cardio.LocalKeys
	reads, writes int
	refuse        error
}

func (c *countingKeys) ReadKeys(ctx context.Context, uid []byte) (cardio.CardKeys, error) {
	c.reads++
	if c.refuse != nil {
		return cardio.CardKeys{}, c.refuse
	}
	return c.LocalKeys.ReadKeys(ctx, uid)
}

func (c *countingKeys) WriteKeys(ctx context.Context, uid []byte, cardNo string) (cardio.CardKeys, error) {
	c.writes++
	if c.refuse != nil {
		return cardio.CardKeys{}, c.refuse
	}
	return c.LocalKeys.WriteKeys(ctx, uid, cardNo)
}

func issuedReaderWith(t *testing.T, site cardio.SiteKey) *vcard.Reader {
	t.Helper()
	chip, err := vcard.NewBlankChip([]byte{0x04, 0xA1, 0xB2, 0xC4})
	if err != nil {
		t.Fatal(err)
	}
	r := vcard.NewReader(chip)
	if _, err := cardio.Issue(vcard.InProc{R: r}, site, personal(1000)); err != nil {
		t.Fatal(err)
	}
	return r
}

func connect(r *vcard.Reader) func(context.Context) (cardio.Transport, func(), error) {
	return func(context.Context) (cardio.Transport, func(), error) { return vcard.InProc{R: r}, func() {}, nil }
}

// A read and a credit through a source that is not the site key: a station with only the
// host's answers reads and writes the card; a refused source stops both before any write.
func TestStationReadsAndCreditsWithKeysFromASource(t *testing.T) {
	ctx := context.Background()
	site := cardio.NewSiteKey()
	r := issuedReaderWith(t, site)
	src := &countingKeys{LocalKeys: cardio.LocalKeys{Site: site}}
	st := &cardio.Station{Keys: &cardio.OneCard{Source: src}, Connect: connect(r)}
	c, err := st.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Credit(ctx, c, cardio.Txn{Kind: cardio.KindRepair, Amount: 500, Ref: cardio.Ref{Terminal: "DESK", Serial: 1}, Time: t0}); err != nil {
		t.Fatal(err)
	}
	after, err := st.Read(ctx)
	if err != nil || after.Purse.Balance != c.Purse.Balance+500 {
		t.Fatalf("after the credit: %+v, %v", after, err)
	}
	if src.reads != 1 || src.writes != 1 {
		t.Fatalf("source asked %d reads, %d writes; want 1, 1 (one card held)", src.reads, src.writes)
	}

	src.refuse = errors.New("KEYS_REFUSED")
	refused := &cardio.Station{Keys: src, Connect: connect(r)}
	if _, err := refused.Read(ctx); err == nil {
		t.Fatal("a refused source read the card")
	}
	if err := refused.Credit(ctx, after, cardio.Txn{Kind: cardio.KindRepair, Amount: 500, Ref: cardio.Ref{Terminal: "DESK", Serial: 2}, Time: t0}); err == nil {
		t.Fatal("a refused source credited the card")
	}
	src.refuse = nil
	if again, err := st.Read(ctx); err != nil || again.Purse != after.Purse {
		t.Fatalf("a refused credit changed the card: %+v, %v", again, err)
	}
}
