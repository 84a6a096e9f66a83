package cardio

import (
	"encoding/binary"
	"hash/crc32"
)

// The campus card layout on a MIFARE Classic 1K (see docs/card-layout.md, byte by byte).
//
//	sector 1: block 4 identity, block 5 holder          (block 6 unused)
//	sector 2: block 8 purse, block 9 purse backup       (block 10 unused)
//	sector 3: blocks 12, 13, 14 log slots 0..2
//	sector 4: blocks 16, 17, 18 log slots 3..5
//
// Ten data blocks in four sectors is what a full read can afford: get UID, load key, then
// per sector one authenticate and one read per block = 2 + 4 + 10 = 16 APDUs. The unused
// blocks 6 and 10 would cost an APDU each to read, so nothing lives there.
const (
	BlockSize = 16

	BlockIdentity    byte = 4
	BlockHolder      byte = 5
	BlockPurse       byte = 8
	BlockPurseBackup byte = 9

	// LogSlots is the length of the cyclic log. Transaction with counter c lives in slot c%6.
	LogSlots = 6

	// MaxBalance is the card's own hard ceiling in fen (167,772.15 yuan): log entries keep the
	// balance after in 3 bytes. The site's ceiling (app config) is far lower.
	MaxBalance int64 = 1<<24 - 1
	// MaxAmount is the largest single transaction in fen, for the same reason.
	MaxAmount int64 = 1<<24 - 1
)

// LogBlocks maps log slot to block number.
var LogBlocks = [LogSlots]byte{12, 13, 14, 16, 17, 18}

// Sectors the layout uses, in read order.
var LayoutSectors = []byte{1, 2, 3, 4}

// SectorOf returns the sector of a block (MIFARE Classic 1K: 16 sectors of 4 blocks).
func SectorOf(block byte) byte { return block / 4 }

// TrailerOf returns the sector trailer block (keys and access bits) of a sector.
func TrailerOf(sector byte) byte { return sector*4 + 3 }

// Access bits written into every campus sector trailer: data blocks readable with key A or
// B and writable only with key B; trailer keys writable with key B only. So a reader that
// only holds key A (a read-only kiosk) can never move money.
var CampusAccess = [4]byte{0x78, 0x77, 0x88, 0x69}

// Factory state of a blank MIFARE Classic: key A = key B = FF..FF, everything via key A.
var (
	FactoryKey    = [6]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}
	FactoryAccess = [4]byte{0xFF, 0x07, 0x80, 0x69}
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// The checksums every layout block carries, as wide as each block can afford: CRC-32C for
// the purse, CRC-16/CCITT for identity, CRC-8 for a log entry. Real CRCs (not a truncated
// CRC-32) so that any single damaged byte is always caught. The UID and the block number are
// mixed in so that a block copied to another place, or from another card, fails its check.
func check(uid []byte, block byte, payload []byte) uint32 {
	c := crc32.Update(0, castagnoli, uid)
	c = crc32.Update(c, castagnoli, []byte{block})
	return crc32.Update(c, castagnoli, payload)
}

func check16(uid []byte, block byte, payload []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, part := range [][]byte{uid, {block}, payload} {
		for _, x := range part {
			crc ^= uint16(x) << 8
			for i := 0; i < 8; i++ {
				if crc&0x8000 != 0 {
					crc = crc<<1 ^ 0x1021
				} else {
					crc <<= 1
				}
			}
		}
	}
	return crc
}

func check8(uid []byte, block byte, payload []byte) byte {
	crc := byte(0)
	for _, part := range [][]byte{uid, {block}, payload} {
		for _, x := range part {
			crc ^= x
			for i := 0; i < 8; i++ {
				if crc&0x80 != 0 {
					crc = crc<<1 ^ 0x07
				} else {
					crc <<= 1
				}
			}
		}
	}
	return crc
}

func put24(b []byte, v uint32) { b[0], b[1], b[2] = byte(v>>16), byte(v>>8), byte(v) }
func get24(b []byte) uint32    { return uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]) }

var be = binary.BigEndian

func isZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}
