package cardio

import (
	"encoding/hex"
	"fmt"
)

// RawCard is the bytes a full read fetches: the UID and the ten layout blocks.
type RawCard struct {
	UID      []byte
	Identity [BlockSize]byte // block 4
	Holder   [BlockSize]byte // block 5
	Purse    [BlockSize]byte // block 8
	Backup   [BlockSize]byte // block 9
	Log      [LogSlots][BlockSize]byte
}

// Card is a decoded campus card.
type Card struct {
	UID []byte
	Identity
	Purse Purse
	// PurseFromBackup: the main purse block failed its check (a write torn inside the block)
	// and the balance comes from the backup, which always holds the state before the write.
	PurseFromBackup bool
	// Log holds the committed transactions (counter ≤ purse counter), newest first.
	Log []LogEntry
	// Pending is a log entry written for a transaction whose purse write never landed (the
	// card was pulled). It is evidence of an attempt, not of money.
	Pending *LogEntry
	// DamagedSlots lists log slots whose block failed its check (a torn log write).
	DamagedSlots []int
}

// UIDHex is the UID as the store keeps it: upper-case hex.
func (c *Card) UIDHex() string { return fmt.Sprintf("%X", c.UID) }

func validUID(uid []byte) error {
	switch len(uid) {
	case 4, 7, 10:
		return nil
	}
	return fmt.Errorf("UID %s: length %d", hex.EncodeToString(uid), len(uid))
}

// Decode turns the raw blocks into a Card. It never panics and never reports a balance that
// is not in a block whose checksum, inverted copy and range all hold: anything else is
// ErrCorrupt with the detail.
func Decode(raw RawCard) (*Card, error) {
	if err := validUID(raw.UID); err != nil {
		return nil, ErrCorrupt.With(err)
	}
	uid := append([]byte(nil), raw.UID...)
	id, err := decodeIdentity(uid, raw.Identity, raw.Holder)
	if err != nil {
		return nil, ErrCorrupt.With(err)
	}
	c := &Card{UID: uid, Identity: id}
	p, errMain := decodePurse(uid, BlockPurse, raw.Purse)
	if errMain != nil {
		var errBackup error
		if p, errBackup = decodePurse(uid, BlockPurseBackup, raw.Backup); errBackup != nil {
			return nil, ErrCorrupt.Withf("purse: %v; backup: %v", errMain, errBackup)
		}
		c.PurseFromBackup = true
	}
	c.Purse = p
	c.resolveLog(raw)
	return c, nil
}

// resolveLog places each slot's entry at its full counter. Slot s can only hold counter c
// with c%6 == s in [P-5, P+1] (P = purse counter); its 6 stored bits pick which.
func (c *Card) resolveLog(raw RawCard) {
	P := int64(c.Purse.Counter)
	byCounter := map[int64]LogEntry{}
	for s := 0; s < LogSlots; s++ {
		e, empty, err := decodeLogEntry(c.UID, LogBlocks[s], raw.Log[s])
		if empty {
			continue
		}
		if err != nil {
			c.DamagedSlots = append(c.DamagedSlots, s)
			continue
		}
		found := false
		for k := P + 1; k >= P-5 && k >= 1; k-- {
			if k%LogSlots == int64(s) && uint32(k)&0x3F == e.Counter {
				e.Counter = uint32(k)
				found = true
				break
			}
		}
		switch {
		case !found:
			c.DamagedSlots = append(c.DamagedSlots, s)
		case int64(e.Counter) == P+1:
			pending := e
			c.Pending = &pending
		case int64(e.Counter) == P && e.BalanceAfter != c.Purse.Balance:
			// The newest committed entry must agree with the purse; if not, trust neither
			// this entry nor any verdict built on it.
			c.DamagedSlots = append(c.DamagedSlots, s)
		default:
			byCounter[int64(e.Counter)] = e
		}
	}
	for k := P; k >= P-5 && k >= 1; k-- {
		if e, ok := byCounter[k]; ok {
			c.Log = append(c.Log, e)
		}
	}
}

// Find returns the committed log entry of transaction ref for amount fen, if the log holds it.
func (c *Card) Find(ref Ref, amount int64) (LogEntry, bool) {
	for _, e := range c.Log {
		if e.Matches(ref, amount) {
			return e, true
		}
	}
	return LogEntry{}, false
}

// Verdict is the desk's answer to "did this transaction reach the card?".
type Verdict int

const (
	// VerdictUnknown: the log no longer covers the transaction (too many writes since, or a
	// damaged slot). The card cannot prove either way: a person must decide.
	VerdictUnknown Verdict = iota
	// VerdictLanded: a committed log entry carries the reference and amount.
	VerdictLanded
	// VerdictNotLanded: every transaction written since the card was at counterBefore is in
	// the log, and none is this one. Writing it now credits it exactly once.
	VerdictNotLanded
)

func (v Verdict) String() string {
	switch v {
	case VerdictLanded:
		return "landed"
	case VerdictNotLanded:
		return "not landed"
	}
	return "unknown"
}

// Verdict decides whether transaction ref of amount fen landed. counterBefore is the card's
// counter as the terminal saw it before its write (the recharge record keeps it); pass -1 if
// unknown, and then only a log that covers the card's whole history can prove "not landed".
func (c *Card) Verdict(ref Ref, amount int64, counterBefore int64) Verdict {
	if counterBefore < 0 {
		counterBefore = 0
	}
	P := int64(c.Purse.Counter)
	if counterBefore > P {
		return VerdictUnknown // the card is behind what the terminal saw: not the same story
	}
	if e, ok := c.Find(ref, amount); ok {
		if int64(e.Counter) > counterBefore {
			return VerdictLanded
		}
		return VerdictUnknown // on the card before the terminal saw it: not the same story
	}
	have := map[int64]bool{}
	for _, e := range c.Log {
		have[int64(e.Counter)] = true
	}
	for k := counterBefore + 1; k <= P; k++ {
		if !have[k] {
			return VerdictUnknown
		}
	}
	return VerdictNotLanded
}
