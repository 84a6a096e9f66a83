package vcard

import "cardcenter/cardio"

// InProc is a cardio.Transport straight onto a Reader, without pcscd: the unit tests' card
// on the desk. A torn APDU surfaces as PC/SC would show it: ErrCardRemoved.
type InProc struct{ R *Reader }

func (p InProc) Transmit(cmd []byte) ([]byte, error) {
	resp, ok, torn := p.R.Transmit(cmd)
	switch {
	case torn:
		return nil, cardio.ErrCardRemoved.Withf("virtual card left the field")
	case !ok:
		return nil, cardio.ErrNoCard
	}
	return resp, nil
}
