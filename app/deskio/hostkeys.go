package deskio

import (
	"context"

	"cardcenter/app"
	"cardcenter/cardio"
)

// KeyAsker is the desk's ledger as its key source sees it: app.Desk on a host.
type KeyAsker interface {
	CardKeys(ctx context.Context, actor app.Actor, req app.CardKeyRequest) (app.CardSectorKeys, error)
}

// HostKeys is a desk's key source when the ledger is a host's: it asks the host, in the
// session of the clerk logged in now (actor), for the keys of the card on the reader. The
// desk machine holds no site key.
func HostKeys(desk KeyAsker, actor func() app.Actor) cardio.HostKeys {
	return cardio.HostKeys{Ask: func(ctx context.Context, uidHex, cardNo string) (a, b [6]byte, err error) {
		ans, err := desk.CardKeys(ctx, actor(), app.CardKeyRequest{UID: uidHex, CardNo: cardNo})
		if err != nil {
			return a, b, err
		}
		return ans.For(uidHex, cardNo != "")
	}}
}
