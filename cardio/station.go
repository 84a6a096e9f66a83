package cardio

import (
	"context"
	"fmt"
)

// Station is a place where cards are read and written — the desk's reader, a POS's —
// whatever the program around it makes of the card: one way to reach the card, one way to
// read it whole, one crash-safe credit.
type Station struct {
	// Connect reaches the card on the reader now (a PC/SC connection, or an in-process
	// virtual card in tests); release ends that connection.
	Connect func(ctx context.Context) (t Transport, release func(), err error)
	// Keys gives the sector keys of the card on the reader: LocalKeys on the host, the
	// host's answer elsewhere (wrap it in a OneCard to hold one card's keys between a read
	// and the write that follows).
	Keys KeySource
	// TearCreditAfter > 0 pulls the card away after that many APDUs of the next credit
	// (fault injection for tests and demonstrations), then resets to 0.
	TearCreditAfter int
}

// Read reads the whole card on the reader.
func (s *Station) Read(ctx context.Context) (*Card, error) {
	t, release, err := s.Connect(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	return ReadWith(ctx, t, s.Keys)
}

// Credit writes txn onto the card that before was read from. Any error leaves the outcome
// unknown: read the card again and ask its Verdict.
func (s *Station) Credit(ctx context.Context, before *Card, txn Txn) error {
	if before == nil {
		return fmt.Errorf("credit: no card was read")
	}
	t, release, err := s.Connect(ctx)
	if err != nil {
		return err
	}
	defer release()
	if s.TearCreditAfter > 0 {
		t, s.TearCreditAfter = &tearingTransport{t: t, n: s.TearCreditAfter}, 0
	}
	_, err = CreditWith(ctx, t, s.Keys, before, txn)
	return err
}

// tearingTransport passes n APDUs to the card and then behaves as a card pulled away: the
// n-th is applied but its answer is lost, and nothing more reaches the card.
type tearingTransport struct {
	t Transport
	n int
}

func (tt *tearingTransport) Transmit(cmd []byte) ([]byte, error) {
	if tt.n <= 0 {
		return nil, ErrCardRemoved.Withf("torn by fault injection")
	}
	tt.n--
	resp, err := tt.t.Transmit(cmd)
	if tt.n == 0 && err == nil {
		return nil, ErrCardRemoved.Withf("torn by fault injection")
	}
	return resp, err
}
