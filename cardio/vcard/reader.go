package vcard

import (
	"log/slog"
	"sync"

	"cardcenter/cardio"
)

// ATR of a MIFARE Classic 1K behind a PC/SC part 3 contactless reader.
var ATR = []byte{0x3B, 0x8F, 0x80, 0x01, 0x80, 0x4F, 0x0C, 0xA0, 0x00, 0x00, 0x03, 0x06,
	0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x6A}

// Status words as an ACR122U gives them: it answers 63 00 to every failed storage-card
// command (wrong key, sector not authenticated, access denied, bad length) and 6A 81 to
// what it does not support. It never uses 69 82 / 69 86 for MIFARE Classic.
var (
	swOK          = []byte{0x90, 0x00}
	swFailed      = []byte{0x63, 0x00}
	swUnsupported = []byte{0x6A, 0x81}
	swBadClass    = []byte{0x6E, 0x00}
)

// Faults are the failures a Reader injects.
type Faults struct {
	// TearAfter > 0: the card leaves the field after that many more APDUs. The last one is
	// applied to the chip but its answer is never sent (as when a card is pulled just as it
	// finished a write).
	TearAfter int
	// TearGarbles: if the APDU that tears is a write, the block ends up half old, half new
	// (a write interrupted inside the EEPROM cycle).
	TearGarbles bool
	// FailAuth: every authentication fails (63 00).
	FailAuth bool
}

// Reader emulates an ACR122U-class reader with (optionally) one chip in its field. It is
// safe for concurrent use; all methods lock.
type Reader struct {
	mu      sync.Mutex
	chip    *Chip
	present bool
	faults  Faults
	changed chan struct{} // closed and replaced whenever present changes

	keys     [2][6]byte // the reader's volatile key store (FF 82, slots 0 and 1)
	loaded   [2]bool
	authSect int // authenticated sector, -1 none
	authB    bool

	// Persist, if set, is called with the chip after every write, before it is answered;
	// if it fails the write is undone and answered 63 00.
	Persist func(*Chip) error
	Log     *slog.Logger
	apdus   int
}

// NewReader puts chip in the reader's field.
func NewReader(chip *Chip) *Reader {
	return &Reader{chip: chip, present: true, changed: make(chan struct{}), authSect: -1}
}

// SetFaults replaces the injected faults (the tear countdown starts now).
func (r *Reader) SetFaults(f Faults) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.faults = f
}

// Chip returns a copy of the chip's memory.
func (r *Reader) Chip() Chip {
	r.mu.Lock()
	defer r.mu.Unlock()
	return *r.chip
}

// CorruptBlock flips bits in a block, as a damaged card would have.
func (r *Reader) CorruptBlock(block int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.chip.Blocks[block][0] ^= 0x5A
	r.chip.Blocks[block][9] ^= 0xA5
}

// APDUs returns how many APDUs the reader has answered (or torn on).
func (r *Reader) APDUs() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.apdus
}

// Present reports whether the card is in the field, and a channel closed at the next change.
func (r *Reader) Present() (bool, <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.present, r.changed
}

// Insert puts the card (back) in the field; Remove takes it away.
func (r *Reader) Insert() { r.setPresent(true) }
func (r *Reader) Remove() { r.setPresent(false) }

func (r *Reader) setPresent(p bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.setPresentLocked(p)
}

func (r *Reader) setPresentLocked(p bool) {
	if r.present == p {
		return
	}
	r.present = p
	r.authSect = -1
	close(r.changed)
	r.changed = make(chan struct{})
}

// PowerCycle is what the card sees on power off/on or reset: authentication is lost.
func (r *Reader) PowerCycle() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.authSect = -1
}

// Transmit answers one command APDU. ok is false when there is no card in the field; torn
// is true when the card left the field on this APDU (the answer is lost).
func (r *Reader) Transmit(cmd []byte) (resp []byte, ok, torn bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.present {
		return nil, false, false
	}
	r.apdus++
	tearing := false
	if r.faults.TearAfter > 0 {
		r.faults.TearAfter--
		tearing = r.faults.TearAfter == 0
	}
	resp = r.exec(cmd, tearing && r.faults.TearGarbles)
	if tearing {
		r.setPresentLocked(false)
		return nil, true, true
	}
	return resp, true, false
}

func (r *Reader) exec(cmd []byte, garble bool) []byte {
	if len(cmd) < 4 {
		return swFailed
	}
	if cmd[0] != 0xFF {
		return swBadClass
	}
	ins, p1, p2, body := cmd[1], cmd[2], cmd[3], cmd[4:]
	switch ins {
	case 0xCA: // get data: P1 00 = UID; ATS (01) does not exist on a MIFARE Classic
		if p1 != 0x00 {
			return swUnsupported
		}
		return append(append([]byte(nil), r.chip.UID...), swOK...)
	case 0x82: // load key: P1 00 (volatile), P2 slot, Lc 06, key
		if p1 != 0x00 || p2 > 1 || len(body) != 7 || body[0] != 6 {
			return swFailed
		}
		copy(r.keys[p2][:], body[1:])
		r.loaded[p2] = true
		return swOK
	case 0x86: // general authenticate: Lc 05, 01 00 block keytype slot
		if len(body) != 6 || body[0] != 5 || body[1] != 1 || body[2] != 0 {
			return swFailed
		}
		return r.authenticate(body[3], body[4], body[5])
	case 0xB0: // read binary: P2 block, Le 16
		if len(body) != 1 || body[0] != cardio.BlockSize || !r.allowed(p2, false) {
			return swFailed
		}
		b := r.chip.Blocks[p2]
		if p2%4 == 3 { // key A never reads back; key B reads as zeros in our configurations
			for i := 0; i < 6; i++ {
				b[i], b[10+i] = 0, 0
			}
		}
		return append(b[:], swOK...)
	case 0xD6: // update binary: P2 block, Lc 16, data
		if len(body) != 1+cardio.BlockSize || body[0] != cardio.BlockSize || p2 == 0 || !r.allowed(p2, true) {
			return swFailed
		}
		return r.write(p2, body[1:], garble)
	}
	return swUnsupported
}

func (r *Reader) authenticate(block, keyType, slot byte) []byte {
	r.authSect = -1 // a failed authentication leaves the card unauthenticated
	if int(block) >= len(r.chip.Blocks) || slot > 1 || !r.loaded[slot] || (keyType != 0x60 && keyType != 0x61) || r.faults.FailAuth {
		return swFailed
	}
	trailer := r.chip.Blocks[cardio.TrailerOf(cardio.SectorOf(block))]
	var want [6]byte
	if keyType == 0x60 {
		copy(want[:], trailer[0:6])
	} else {
		copy(want[:], trailer[10:16])
		if bits, ok := accessBits(trailer, 3); !ok || keyBReadable(bits) {
			return swFailed
		}
	}
	if want != r.keys[slot] {
		return swFailed
	}
	r.authSect, r.authB = int(cardio.SectorOf(block)), keyType == 0x61
	return swOK
}

// allowed checks that the block is in the authenticated sector and that the sector's access
// bits grant the operation to the key used.
func (r *Reader) allowed(block byte, write bool) bool {
	if int(block) >= len(r.chip.Blocks) || int(cardio.SectorOf(block)) != r.authSect {
		return false
	}
	bits, ok := accessBits(r.chip.Blocks[cardio.TrailerOf(cardio.SectorOf(block))], int(block%4))
	if !ok {
		return false
	}
	switch {
	case block%4 == 3 && write:
		return canWriteTrailer(bits, r.authB)
	case block%4 == 3:
		return true
	case write:
		return canWriteData(bits, r.authB)
	}
	return canReadData(bits, r.authB)
}

func (r *Reader) write(block byte, data []byte, garble bool) []byte {
	old := r.chip.Blocks[block]
	copy(r.chip.Blocks[block][:], data)
	if garble { // the first half made it, the second did not
		copy(r.chip.Blocks[block][8:], old[8:])
	}
	if r.Persist != nil {
		if err := r.Persist(r.chip); err != nil {
			r.chip.Blocks[block] = old
			if r.Log != nil {
				r.Log.Error("virtual card: state not saved, write refused", "block", block, "err", err)
			}
			return swFailed
		}
	}
	return swOK
}
