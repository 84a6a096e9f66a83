package cardio

import (
	"errors"
	"fmt"
	"time"
)

// Identity is what the card says about itself: blocks 4 and 5, written once at issuance.
type Identity struct {
	CardNo  string    // 1..12 decimal digits
	Holder  string    // holder number (学工号), 1..14 printable ASCII characters
	Status  byte      // card status byte: StatusActive or a site-defined block code
	Issued  time.Time // date only (UTC midnight)
	Expires time.Time // date only (UTC midnight)
}

// Card status bytes. Anything but StatusActive tells a POS to refuse the card; the store's
// status is the authority, this byte is what an offline terminal can see.
const (
	StatusActive  byte = 0x00
	StatusBlocked byte = 0x01
)

const layoutVersion = 1

var (
	errBadMagic    = errors.New("not the campus layout (magic)")
	errBadVersion  = errors.New("unknown layout version")
	errBadChecksum = errors.New("checksum mismatch")
	errBadField    = errors.New("field out of range")
)

var epoch2000 = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

func dayNumber(t time.Time) (uint16, error) {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	n := d.Sub(epoch2000).Hours() / 24
	if n < 0 || n > 0xFFFF {
		return 0, fmt.Errorf("date %s outside 2000..2179", d.Format(time.DateOnly))
	}
	return uint16(n), nil
}

func dayDate(n uint16) time.Time { return epoch2000.AddDate(0, 0, int(n)) }

// encodeIdentity returns blocks 4 and 5.
func encodeIdentity(uid []byte, id Identity) (b4, b5 [BlockSize]byte, err error) {
	if err := putBCD(b4[4:10], id.CardNo); err != nil {
		return b4, b5, fmt.Errorf("card number: %w", err)
	}
	issued, err := dayNumber(id.Issued)
	if err != nil {
		return b4, b5, fmt.Errorf("issue date: %w", err)
	}
	expires, err := dayNumber(id.Expires)
	if err != nil {
		return b4, b5, fmt.Errorf("expiry date: %w", err)
	}
	b4[0], b4[1], b4[2], b4[3] = 'C', 'C', layoutVersion, id.Status
	be.PutUint16(b4[10:], issued)
	be.PutUint16(b4[12:], expires)
	be.PutUint16(b4[14:], check16(uid, BlockIdentity, b4[:14]))

	if len(id.Holder) == 0 || len(id.Holder) > 14 {
		return b4, b5, fmt.Errorf("holder %q: 1..14 characters", id.Holder)
	}
	for i := 0; i < len(id.Holder); i++ {
		if c := id.Holder[i]; c < 0x21 || c > 0x7E {
			return b4, b5, fmt.Errorf("holder %q: printable ASCII without spaces only", id.Holder)
		}
	}
	copy(b5[:14], id.Holder)
	be.PutUint16(b5[14:], check16(uid, BlockHolder, b5[:14]))
	return b4, b5, nil
}

func decodeIdentity(uid []byte, b4, b5 [BlockSize]byte) (Identity, error) {
	var id Identity
	if b4[0] != 'C' || b4[1] != 'C' {
		return id, fmt.Errorf("block 4: %w", errBadMagic)
	}
	if b4[2] != layoutVersion {
		return id, fmt.Errorf("block 4: %w %d", errBadVersion, b4[2])
	}
	if be.Uint16(b4[14:]) != check16(uid, BlockIdentity, b4[:14]) {
		return id, fmt.Errorf("block 4: %w", errBadChecksum)
	}
	no, err := getBCD(b4[4:10])
	if err != nil {
		return id, fmt.Errorf("block 4 card number: %w", err)
	}
	if be.Uint16(b5[14:]) != check16(uid, BlockHolder, b5[:14]) {
		return id, fmt.Errorf("block 5: %w", errBadChecksum)
	}
	holder := b5[:14]
	n := 0
	for n < len(holder) && holder[n] != 0 {
		if holder[n] < 0x21 || holder[n] > 0x7E {
			return id, fmt.Errorf("block 5 holder: %w", errBadField)
		}
		n++
	}
	if n == 0 || !isZero(holder[n:]) {
		return id, fmt.Errorf("block 5 holder: %w", errBadField)
	}
	id.CardNo = no
	id.Holder = string(holder[:n])
	id.Status = b4[3]
	id.Issued = dayDate(be.Uint16(b4[10:]))
	id.Expires = dayDate(be.Uint16(b4[12:]))
	return id, nil
}

// putBCD packs 1..2*len(dst) decimal digits, padding the tail with 0xF nibbles.
func putBCD(dst []byte, digits string) error {
	if len(digits) == 0 || len(digits) > 2*len(dst) {
		return fmt.Errorf("%q: 1..%d digits", digits, 2*len(dst))
	}
	for i := range dst {
		dst[i] = 0xFF
	}
	for i := 0; i < len(digits); i++ {
		d := digits[i]
		if d < '0' || d > '9' {
			return fmt.Errorf("%q: digits only", digits)
		}
		shift := 4 * (1 - uint(i%2))
		dst[i/2] = dst[i/2]&^(0xF<<shift) | (d-'0')<<shift
	}
	return nil
}

func getBCD(src []byte) (string, error) {
	out := make([]byte, 0, 2*len(src))
	ended := false
	for i := 0; i < 2*len(src); i++ {
		nib := src[i/2] >> (4 * (1 - uint(i%2))) & 0xF
		switch {
		case nib == 0xF:
			ended = true
		case nib <= 9 && !ended:
			out = append(out, '0'+nib)
		default:
			return "", errBadField
		}
	}
	if len(out) == 0 {
		return "", errBadField
	}
	return string(out), nil
}
