package deskio

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"

	"cardcenter/app"
	"cardcenter/cardio"
)

// HostKeys is a desk's key source when the ledger is a host's: it asks the host, in the
// session of the clerk logged in now, for the keys of the card on the reader. The desk
// machine holds no site key.
type HostKeys struct {
	Desk interface {
		CardKeys(ctx context.Context, actor app.Actor, req app.CardKeyRequest) (app.CardSectorKeys, error)
	}
	// Actor is who is logged in at the desk now.
	Actor func() app.Actor
}

var _ cardio.KeySource = HostKeys{}

func (h HostKeys) ReadKeys(ctx context.Context, uid []byte) (cardio.CardKeys, error) {
	return h.ask(ctx, uid, "")
}

func (h HostKeys) WriteKeys(ctx context.Context, uid []byte, cardNo string) (cardio.CardKeys, error) {
	if cardNo == "" {
		return cardio.CardKeys{}, fmt.Errorf("write keys: no card number was read")
	}
	return h.ask(ctx, uid, cardNo)
}

func (h HostKeys) ask(ctx context.Context, uid []byte, cardNo string) (cardio.CardKeys, error) {
	uidHex := strings.ToUpper(hex.EncodeToString(uid))
	ans, err := h.Desk.CardKeys(ctx, h.Actor(), app.CardKeyRequest{UID: uidHex, CardNo: cardNo})
	if err != nil {
		return cardio.CardKeys{}, err
	}
	a, b, err := ans.For(uidHex, cardNo != "")
	return cardio.CardKeys{A: a, B: b}, err
}
