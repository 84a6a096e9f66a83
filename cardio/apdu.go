package cardio

import (
	"fmt"
)

// Transport sends one command APDU to the card and returns the response APDU (data and
// status word). The PC/SC reader (cardio/pcsc) and the in-process virtual card
// (cardio/vcard) implement it. Errors it returns should already be *Error values
// (ErrCardRemoved, ErrNoCard, ...): the session code passes them through with context.
type Transport interface {
	Transmit(cmd []byte) ([]byte, error)
}

// CountingTransport counts the APDUs sent through it (benchmarks and APDU-budget tests).
type CountingTransport struct {
	Transport
	N int
}

func (c *CountingTransport) Transmit(cmd []byte) ([]byte, error) {
	c.N++
	return c.Transport.Transmit(cmd)
}

// StatusWord is an ISO 7816 status word the reader answered instead of 90 00.
type StatusWord uint16

func (sw StatusWord) Error() string {
	switch sw {
	case 0x6300:
		return "status 63 00 (operation failed)"
	case 0x6A81:
		return "status 6A 81 (function not supported)"
	}
	return fmt.Sprintf("status %02X %02X", byte(sw>>8), byte(sw))
}

// PC/SC part 3 storage-card commands (pseudo-APDUs with CLA FF, handled by the reader).
const (
	keyTypeA byte = 0x60
	keyTypeB byte = 0x61
)

func cmdGetUID() []byte { return []byte{0xFF, 0xCA, 0x00, 0x00, 0x00} }

// cmdLoadKey loads a key into the reader's volatile key slot (ACR122U class: slots 0, 1).
func cmdLoadKey(slot byte, key [6]byte) []byte {
	return append([]byte{0xFF, 0x82, 0x00, slot, 0x06}, key[:]...)
}

// cmdAuth authenticates the sector of block with the key in slot, as key A or B.
func cmdAuth(block, keyType, slot byte) []byte {
	return []byte{0xFF, 0x86, 0x00, 0x00, 0x05, 0x01, 0x00, block, keyType, slot}
}

func cmdRead(block byte) []byte { return []byte{0xFF, 0xB0, 0x00, block, BlockSize} }

func cmdUpdate(block byte, data [BlockSize]byte) []byte {
	return append([]byte{0xFF, 0xD6, 0x00, block, BlockSize}, data[:]...)
}

// session runs commands on one card and turns status words into typed errors.
type session struct{ t Transport }

func (s session) do(what string, cmd []byte) ([]byte, error) {
	resp, err := s.t.Transmit(cmd)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if len(resp) < 2 {
		return nil, ErrReader.Withf("%s: short response % X", what, resp)
	}
	if sw := StatusWord(uint16(resp[len(resp)-2])<<8 | uint16(resp[len(resp)-1])); sw != 0x9000 {
		return nil, ErrReader.With(fmt.Errorf("%s: %w", what, sw))
	}
	return resp[:len(resp)-2], nil
}

func (s session) uid() ([]byte, error) {
	uid, err := s.do("get UID", cmdGetUID())
	if err != nil {
		return nil, err
	}
	if err := validUID(uid); err != nil {
		return nil, ErrUnknownCardType.With(err)
	}
	return uid, nil
}

func (s session) loadKey(slot byte, key [6]byte) error {
	_, err := s.do(fmt.Sprintf("load key into slot %d", slot), cmdLoadKey(slot, key))
	return err
}

// auth authenticates a sector. A refusal (63 00) is ErrAuthFailed: the card is not keyed
// with this key.
func (s session) auth(block, keyType, slot byte) error {
	_, err := s.do(fmt.Sprintf("authenticate sector %d", SectorOf(block)), cmdAuth(block, keyType, slot))
	if CodeOf(err) == CodeReader {
		return ErrAuthFailed.With(err)
	}
	return err
}

func (s session) read(block byte) ([BlockSize]byte, error) {
	var b [BlockSize]byte
	data, err := s.do(fmt.Sprintf("read block %d", block), cmdRead(block))
	if err != nil {
		return b, err
	}
	if len(data) != BlockSize {
		return b, ErrReader.Withf("read block %d: %d bytes", block, len(data))
	}
	copy(b[:], data)
	return b, nil
}

func (s session) update(block byte, data [BlockSize]byte) error {
	_, err := s.do(fmt.Sprintf("write block %d", block), cmdUpdate(block, data))
	return err
}
