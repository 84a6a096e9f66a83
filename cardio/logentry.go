package cardio

import (
	"crypto/sha256"
	"fmt"
	"time"
)

// Kind is what a log entry records.
type Kind byte

const (
	KindRecharge Kind = 1 // cash recharge at a POS
	KindSpend    Kind = 2 // a purchase (written by merchant terminals)
	KindRepair   Kind = 3 // the card-center desk completed a recharge the POS could not write
)

func (k Kind) String() string {
	switch k {
	case KindRecharge:
		return "recharge"
	case KindSpend:
		return "spend"
	case KindRepair:
		return "repair"
	}
	return fmt.Sprintf("kind(%d)", byte(k))
}

// Ref names a transaction the way the host does: the terminal (device id) and the
// terminal's serial number. A desk repair writes the reference of the recharge it repairs,
// so "did reference X land?" has one answer whoever wrote it.
type Ref struct {
	Terminal string
	Serial   int64
}

// A log entry has 16 bytes, so it keeps a 16-bit tag of the terminal id and the low 24 bits
// of the serial. Matching also requires the amount (see Card.Find), which makes a false
// match practically impossible within the six transactions a log holds.
func terminalTag(terminal string) uint16 {
	h := sha256.Sum256([]byte("cardcenter/terminal/" + terminal))
	return be.Uint16(h[:2])
}

const serialMask = 1<<24 - 1

// LogEntry is one slot of the cyclic log.
type LogEntry struct {
	Kind         Kind
	Counter      uint32 // the purse counter this transaction produced
	Amount       int64  // fen, positive; Kind says the direction
	BalanceAfter int64  // fen
	TerminalTag  uint16 // terminalTag(Ref.Terminal)
	Serial24     uint32 // Ref.Serial & 0xFFFFFF
	Time         time.Time
}

// Matches reports whether the entry is the transaction ref of amount fen.
func (e LogEntry) Matches(ref Ref, amount int64) bool {
	return e.TerminalTag == terminalTag(ref.Terminal) &&
		e.Serial24 == uint32(ref.Serial&serialMask) && e.Amount == amount
}

// Log times are minutes since 2020-01-01 UTC in 3 bytes: good until 2051.
var logEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

const maxLogMinutes = 1<<24 - 1

func encodeLogEntry(uid []byte, block byte, e LogEntry) ([BlockSize]byte, error) {
	var b [BlockSize]byte
	if e.Kind < KindRecharge || e.Kind > KindRepair {
		return b, fmt.Errorf("log kind %d", e.Kind)
	}
	if e.Amount <= 0 || e.Amount > MaxAmount || e.BalanceAfter < 0 || e.BalanceAfter > MaxBalance {
		return b, fmt.Errorf("log amount %d / balance %d out of range", e.Amount, e.BalanceAfter)
	}
	mins := int64(e.Time.Sub(logEpoch) / time.Minute)
	if mins < 0 || mins > maxLogMinutes {
		return b, fmt.Errorf("log time %s outside 2020..2051", e.Time)
	}
	b[0] = byte(e.Kind)<<6 | byte(e.Counter&0x3F)
	put24(b[1:], uint32(e.Amount))
	put24(b[4:], uint32(e.BalanceAfter))
	be.PutUint16(b[7:], e.TerminalTag)
	put24(b[9:], e.Serial24&serialMask)
	put24(b[12:], uint32(mins))
	b[15] = check8(uid, block, b[:15])
	return b, nil
}

// decodeLogEntry decodes a slot; empty reports an all-zero (never written) slot. The
// returned Counter holds only the 6 bits the block keeps: Card resolves the full counter
// from the slot number and the purse counter.
func decodeLogEntry(uid []byte, block byte, b [BlockSize]byte) (e LogEntry, empty bool, err error) {
	if isZero(b[:]) {
		return e, true, nil
	}
	if b[15] != check8(uid, block, b[:15]) {
		return e, false, fmt.Errorf("block %d: %w", block, errBadChecksum)
	}
	e.Kind = Kind(b[0] >> 6)
	if e.Kind == 0 {
		return e, false, fmt.Errorf("block %d kind: %w", block, errBadField)
	}
	e.Counter = uint32(b[0] & 0x3F)
	e.Amount = int64(get24(b[1:]))
	e.BalanceAfter = int64(get24(b[4:]))
	e.TerminalTag = be.Uint16(b[7:])
	e.Serial24 = get24(b[9:])
	e.Time = logEpoch.Add(time.Duration(get24(b[12:])) * time.Minute)
	if e.Amount == 0 {
		return e, false, fmt.Errorf("block %d amount: %w", block, errBadField)
	}
	return e, false, nil
}
