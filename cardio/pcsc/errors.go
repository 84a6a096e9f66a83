package pcsc

import (
	"errors"

	"github.com/ebfe/scard"

	"cardcenter/cardio"
)

// mapErr turns a PC/SC error into the cardio refusal the desk shows, keeping the PC/SC
// error as the cause.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var se scard.Error
	if !errors.As(err, &se) {
		return cardio.ErrReader.With(err)
	}
	switch se {
	case scard.ErrNoService, scard.ErrServiceStopped:
		return cardio.ErrNoService.With(err)
	case scard.ErrNoReadersAvailable, scard.ErrUnknownReader, scard.ErrReaderUnavailable:
		return cardio.ErrNoReader.With(err)
	case scard.ErrNoSmartcard:
		return cardio.ErrNoCard.With(err)
	// A write the card applied but whose answer never came back shows as NOT_TRANSACTED,
	// then REMOVED_CARD: both mean "the card left during the operation".
	case scard.ErrRemovedCard, scard.ErrNotTransacted, scard.ErrResetCard,
		scard.ErrUnpoweredCard, scard.ErrUnresponsiveCard:
		return cardio.ErrCardRemoved.With(err)
	case scard.ErrUnsupportedCard, scard.ErrCardUnsupported, scard.ErrUnknownCard:
		return cardio.ErrUnknownCardType.With(err)
	}
	return cardio.ErrReader.With(err)
}
