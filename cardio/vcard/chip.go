// Package vcard is a virtual campus card: a MIFARE Classic 1K chip behind an ACR122U-class
// reader, reachable in process (InProc, for unit tests) or through pcscd via the vsmartcard
// vpcd driver (Client). Its state can live in a file so a card keeps its money across runs,
// and it can inject the faults the desk must survive: a card pulled after N APDUs, failing
// authentication, a corrupt block.
package vcard

import (
	"crypto/rand"
	"fmt"

	"cardcenter/cardio"
)

// Chip is the memory of a MIFARE Classic 1K: 16 sectors of 4 blocks of 16 bytes. Block 0
// is the manufacturer block (UID, BCC, SAK, ATQA); block 3 of each sector is its trailer
// (key A, access bits, key B).
type Chip struct {
	UID    []byte
	Blocks [64][cardio.BlockSize]byte
}

// NewBlankChip is a card as it leaves the factory: every sector keyed FF..FF with the
// transport access bits. uid must be 4 bytes; nil makes a random one.
func NewBlankChip(uid []byte) (*Chip, error) {
	if uid == nil {
		uid = make([]byte, 4)
		_, _ = rand.Read(uid)
		uid[0] = 0x04 | uid[0]&0xF0 // keep it away from the 0x08 "random UID" range of real cards
	}
	if len(uid) != 4 {
		return nil, fmt.Errorf("virtual card UID must be 4 bytes, not %d", len(uid))
	}
	c := &Chip{UID: append([]byte(nil), uid...)}
	copy(c.Blocks[0][:4], uid)
	c.Blocks[0][4] = uid[0] ^ uid[1] ^ uid[2] ^ uid[3] // BCC
	c.Blocks[0][5] = 0x08                              // SAK: MIFARE Classic 1K
	c.Blocks[0][6], c.Blocks[0][7] = 0x04, 0x00        // ATQA
	for s := byte(0); s < 16; s++ {
		t := &c.Blocks[cardio.TrailerOf(s)]
		copy(t[0:6], cardio.FactoryKey[:])
		copy(t[6:10], cardio.FactoryAccess[:])
		copy(t[10:16], cardio.FactoryKey[:])
	}
	return c, nil
}

// accessBits returns C1C2C3 (as a 3-bit number) for block index i (0..3) of a sector, and
// false if the trailer's bits and their complements disagree (a real card then denies all).
func accessBits(trailer [cardio.BlockSize]byte, i int) (byte, bool) {
	b6, b7, b8 := trailer[6], trailer[7], trailer[8]
	c1, c2, c3 := b7>>4, b8&0x0F, b8>>4
	if ^b6&0x0F != c1 || ^b6>>4 != c2 || ^b7&0x0F != c3 {
		return 0, false
	}
	bit := func(n byte) byte { return n >> uint(i) & 1 }
	return bit(c1)<<2 | bit(c2)<<1 | bit(c3), true
}

// The MIFARE Classic access conditions this model needs (datasheet MF1S50, 8.7).
func canReadData(bits byte, keyB bool) bool {
	switch bits {
	case 0b000, 0b010, 0b100, 0b110, 0b001:
		return true
	case 0b011, 0b101:
		return keyB
	}
	return false
}

func canWriteData(bits byte, keyB bool) bool {
	switch bits {
	case 0b000:
		return true
	case 0b100, 0b110, 0b011:
		return keyB
	}
	return false
}

// canWriteTrailer: the model writes a trailer whole (keys and access bits together), which
// only the "transport" (001, key A) and the "keys with B" (011, 100 for keys only is not
// modelled) configurations allow.
func canWriteTrailer(bits byte, keyB bool) bool {
	return bits == 0b001 && !keyB || bits == 0b011 && keyB
}

// keyBReadable: in these configurations key B is data, and cannot authenticate.
func keyBReadable(bits byte) bool { return bits == 0b000 || bits == 0b010 || bits == 0b001 }
