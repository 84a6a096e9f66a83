package cardio

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// countingKeys is a key source that says how often it was asked: the host, as a station
// holding one card's keys sees it.
type countingKeys struct {
	LocalKeys
	reads, writes int
	refuse        error
}

func (c *countingKeys) ReadKeys(ctx context.Context, uid []byte) (CardKeys, error) {
	c.reads++
	if c.refuse != nil {
		return CardKeys{}, c.refuse
	}
	return c.LocalKeys.ReadKeys(ctx, uid)
}

func (c *countingKeys) WriteKeys(ctx context.Context, uid []byte, cardNo string) (CardKeys, error) {
	c.writes++
	if c.refuse != nil {
		return CardKeys{}, c.refuse
	}
	return c.LocalKeys.WriteKeys(ctx, uid, cardNo)
}

// A station holds the keys of the one card on its reader: asked again for that card it does
// not ask its source, another card (or another scope, a new session) drops them, and a
// refusal leaves nothing held.
func TestOneCardHoldsTheKeysOfOneCardOnly(t *testing.T) {
	ctx := context.Background()
	site := NewSiteKey()
	src := &countingKeys{LocalKeys: LocalKeys{site}}
	scope := "session-1"
	one := &OneCard{Source: src, Scope: func() string { return scope }}
	c1, c2 := []byte{1, 2, 3, 4}, []byte{5, 6, 7, 8}

	k, err := one.ReadKeys(ctx, c1)
	if err != nil || k.A != site.CardKeys(c1).A || k.B != ([6]byte{}) {
		t.Fatalf("read keys %v, %v", k, err)
	}
	if _, err := one.ReadKeys(ctx, c1); err != nil || src.reads != 1 {
		t.Fatalf("the same card asked the source again (%d reads, %v)", src.reads, err)
	}
	if k, err := one.WriteKeys(ctx, c1, "20250001"); err != nil || k != site.CardKeys(c1) || src.writes != 1 {
		t.Fatalf("write keys %v, %v (%d writes)", k, err, src.writes)
	}
	if k, _ := one.WriteKeys(ctx, c1, "20250001"); k != site.CardKeys(c1) || src.writes != 1 {
		t.Fatalf("the held write keys were asked again (%d)", src.writes)
	}
	if _, err := one.WriteKeys(ctx, c1, "20250002"); err != nil || src.writes != 2 {
		t.Fatalf("another card number must be asked (%d writes)", src.writes)
	}

	if _, err := one.ReadKeys(ctx, c2); err != nil || !bytes.Equal(one.HeldUID(), c2) || src.reads != 2 {
		t.Fatalf("another card: held %X, %d reads, %v", one.HeldUID(), src.reads, err)
	}
	if _, err := one.WriteKeys(ctx, c2, "20250003"); err != nil {
		t.Fatal(err)
	}
	scope = "session-2" // a logout and a new login
	if _, err := one.ReadKeys(ctx, c2); err != nil || src.reads != 3 {
		t.Fatalf("a new scope must ask again (%d reads)", src.reads)
	}
	if one.writable {
		t.Fatal("key B of the old scope is still held")
	}

	src.refuse = errors.New("KEYS_REFUSED")
	if _, err := one.ReadKeys(ctx, c1); err == nil || one.HeldUID() != nil || one.keys != (CardKeys{}) {
		t.Fatalf("after a refusal: %v, held %X", err, one.HeldUID())
	}
	one.Forget()
	if one.HeldUID() != nil {
		t.Fatal("Forget kept a card")
	}
}
