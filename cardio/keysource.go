package cardio

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
)

// KeySource gives a station the sector keys of the card on its reader. On the host (and on a
// single-PC site) they are derived from the site key (LocalKeys); a desk or a POS elsewhere
// asks the host for them, so that no site key lives on its machine.
//
// Reading and writing ask apart: key A only reads (CampusAccess), so a source may give it
// for the UID alone, while key B moves money and is asked for with the card number the
// card itself holds, which the host checks against its record of that card.
type KeySource interface {
	// ReadKeys gives the card's key A (B is left zero).
	ReadKeys(ctx context.Context, uid []byte) (CardKeys, error)
	// WriteKeys gives both keys of the card with this UID and card number.
	WriteKeys(ctx context.Context, uid []byte, cardNo string) (CardKeys, error)
}

// LocalKeys derives every card's keys from the site key: the host's own source, and the
// single-PC desk's.
type LocalKeys struct{ Site SiteKey }

func (l LocalKeys) ReadKeys(_ context.Context, uid []byte) (CardKeys, error) {
	if !l.Site.Valid() {
		return CardKeys{}, ErrSiteKey.Withf("no site key")
	}
	return CardKeys{A: l.Site.CardKeys(uid).A}, nil
}

func (l LocalKeys) WriteKeys(_ context.Context, uid []byte, _ string) (CardKeys, error) {
	if !l.Site.Valid() {
		return CardKeys{}, ErrSiteKey.Withf("no site key")
	}
	return l.Site.CardKeys(uid), nil
}

// OneCard holds the keys of one card — the last one on the reader — in memory, and forgets
// them as soon as a card with another UID is asked about (or Forget is called): a station
// never holds the keys of a card that is not on it. They are never written anywhere.
type OneCard struct {
	Source KeySource
	// Scope, if set, names whose keys these are (a desk's session): held keys are dropped
	// when it changes, so a logout or a new login asks the host again.
	Scope func() string

	mu       sync.Mutex
	scope    string
	uid      []byte
	keys     CardKeys
	cardNo   string // "" while only key A is held
	writable bool
}

func (o *OneCard) ReadKeys(ctx context.Context, uid []byte) (CardKeys, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.checkScope()
	if o.uid != nil && bytes.Equal(o.uid, uid) {
		return CardKeys{A: o.keys.A}, nil
	}
	o.forget()
	k, err := o.Source.ReadKeys(ctx, uid)
	if err != nil {
		return CardKeys{}, err
	}
	o.uid, o.keys = bytes.Clone(uid), CardKeys{A: k.A}
	return CardKeys{A: k.A}, nil
}

func (o *OneCard) WriteKeys(ctx context.Context, uid []byte, cardNo string) (CardKeys, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.checkScope()
	if o.writable && bytes.Equal(o.uid, uid) && o.cardNo == cardNo {
		return o.keys, nil
	}
	if !bytes.Equal(o.uid, uid) {
		o.forget()
	}
	k, err := o.Source.WriteKeys(ctx, uid, cardNo)
	if err != nil {
		return CardKeys{}, err
	}
	o.uid, o.keys, o.cardNo, o.writable = bytes.Clone(uid), k, cardNo, true
	return k, nil
}

// Forget drops the held keys (a session that ends, a program that stops).
func (o *OneCard) Forget() { o.mu.Lock(); o.forget(); o.mu.Unlock() }

func (o *OneCard) checkScope() {
	if o.Scope == nil {
		return
	}
	if now := o.Scope(); now != o.scope {
		o.forget()
		o.scope = now
	}
}

func (o *OneCard) forget() {
	o.uid, o.keys, o.cardNo, o.writable = nil, CardKeys{}, "", false
}

// HeldUID is the UID whose keys are held (nil: none), for tests.
func (o *OneCard) HeldUID() []byte { o.mu.Lock(); defer o.mu.Unlock(); return bytes.Clone(o.uid) }

// HostKeys is the key source of a machine that holds no site key (a desk of a host, a POS):
// Ask fetches from the host the keys of the card with this UID (upper-case hex) and, for a
// write, this card number as read from the card; it checks that the answer is about that
// card. How it asks (a desk's session, a POS's signed request) is the caller's; wrap it in
// a OneCard to hold one card's keys between a read and a write.
type HostKeys struct {
	Ask func(ctx context.Context, uidHex, cardNo string) (a, b [6]byte, err error)
}

var _ KeySource = HostKeys{}

func (h HostKeys) ReadKeys(ctx context.Context, uid []byte) (CardKeys, error) {
	return h.ask(ctx, uid, "")
}

func (h HostKeys) WriteKeys(ctx context.Context, uid []byte, cardNo string) (CardKeys, error) {
	if cardNo == "" {
		return CardKeys{}, fmt.Errorf("write keys: no card number was read")
	}
	return h.ask(ctx, uid, cardNo)
}

func (h HostKeys) ask(ctx context.Context, uid []byte, cardNo string) (CardKeys, error) {
	a, b, err := h.Ask(ctx, strings.ToUpper(hex.EncodeToString(uid)), cardNo)
	if err != nil {
		return CardKeys{}, err
	}
	return CardKeys{A: a, B: b}, nil
}
