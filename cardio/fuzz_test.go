package cardio

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// Fuzz targets of the card codec, besides FuzzDecode (layout_test.go): each block decoder
// on its own, and Read against a card that answers anything. Seeds: f.Add below and
// testdata/fuzz/<target>/; `make fuzz` explores.

func block16(b []byte) (out [BlockSize]byte) {
	copy(out[:], b)
	return out
}

// A purse block decodes only to the balance and counter that encode back to the very same
// 16 bytes: no second reading of a block, and never a balance out of range.
func FuzzDecodePurse(f *testing.F) {
	uid := []byte{0x04, 0xA1, 0xB2, 0xC3}
	good, _ := encodePurse(uid, BlockPurse, Purse{Balance: 12345, Counter: 7})
	f.Add(uid, byte(BlockPurse), good[:])
	f.Add(uid, byte(BlockPurseBackup), good[:])
	max, _ := encodePurse(uid, BlockPurse, Purse{Balance: MaxBalance, Counter: 1<<32 - 1})
	f.Add(uid, byte(BlockPurse), max[:])
	f.Add([]byte{}, byte(0), make([]byte, 16))
	f.Fuzz(func(t *testing.T, uid []byte, block byte, b []byte) {
		blk := block16(b)
		p, err := decodePurse(uid, block, blk)
		if err != nil {
			return
		}
		if p.Balance < 0 || p.Balance > MaxBalance {
			t.Fatalf("balance %d out of range", p.Balance)
		}
		again, err := encodePurse(uid, block, p)
		if err != nil || again != blk {
			t.Fatalf("block % X decodes to %+v, which encodes to % X (%v)", blk, p, again, err)
		}
	})
}

// A log slot decodes only to an entry that encodes back to the same 16 bytes.
func FuzzDecodeLogEntry(f *testing.F) {
	uid := []byte{0x04, 0xA1, 0xB2, 0xC3}
	e := LogEntry{Kind: KindRecharge, Counter: 5, Amount: 5000, BalanceAfter: 8000, TerminalTag: terminalTag("P001"),
		Serial24: 137, Time: time.Date(2026, 11, 27, 7, 4, 0, 0, time.UTC)}
	good, _ := encodeLogEntry(uid, LogBlocks[2], e)
	f.Add(uid, LogBlocks[2], good[:])
	f.Add(uid, LogBlocks[0], make([]byte, 16))
	f.Add(uid, LogBlocks[5], bytes.Repeat([]byte{0xFF}, 16))
	f.Fuzz(func(t *testing.T, uid []byte, block byte, b []byte) {
		blk := block16(b)
		e, empty, err := decodeLogEntry(uid, block, blk)
		if err != nil || empty {
			if empty && blk != ([BlockSize]byte{}) {
				t.Fatalf("non-zero block % X read as an empty slot", blk)
			}
			return
		}
		again, err := encodeLogEntry(uid, block, e)
		if err != nil || again != blk {
			t.Fatalf("block % X decodes to %+v, which encodes to % X (%v)", blk, e, again, err)
		}
	})
}

// Identity and holder blocks decode only to an identity that encodes back to both blocks.
func FuzzDecodeIdentity(f *testing.F) {
	uid := []byte{0x04, 0xA1, 0xB2, 0xC3}
	id := Identity{CardNo: "20260001", Holder: "2023010101", Status: StatusActive,
		Issued: time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC), Expires: time.Date(2029, 7, 31, 0, 0, 0, 0, time.UTC)}
	b4, b5, _ := encodeIdentity(uid, id)
	f.Add(uid, b4[:], b5[:])
	id.CardNo, id.Holder, id.Status = "123456789012", "ABCDEFGHIJKLMN", StatusBlocked
	b4, b5, _ = encodeIdentity(uid, id)
	f.Add(uid, b4[:], b5[:])
	f.Add(uid, make([]byte, 16), make([]byte, 16))
	f.Fuzz(func(t *testing.T, uid, a, b []byte) {
		b4, b5 := block16(a), block16(b)
		id, err := decodeIdentity(uid, b4, b5)
		if err != nil {
			return
		}
		x4, x5, err := encodeIdentity(uid, id)
		if err != nil || x4 != b4 || x5 != b5 {
			t.Fatalf("blocks % X / % X decode to %+v, which encodes to % X / % X (%v)", b4, b5, id, x4, x5, err)
		}
	})
}

// scriptCard answers each APDU with the next answer of a script: a length byte, then that
// many bytes (data and status word). Past the script the card is gone.
type scriptCard struct{ script []byte }

func (c *scriptCard) Transmit([]byte) ([]byte, error) {
	if len(c.script) == 0 {
		return nil, ErrCardRemoved
	}
	n := int(c.script[0])
	c.script = c.script[1:]
	if n > len(c.script) {
		n = len(c.script)
	}
	resp := c.script[:n]
	c.script = c.script[n:]
	return resp, nil
}

// recordingCard answers as a real issued card and records the answers as a script.
type recordingCard struct {
	inner  Transport
	script []byte
}

func (c *recordingCard) Transmit(cmd []byte) ([]byte, error) {
	resp, err := c.inner.Transmit(cmd)
	if err == nil {
		c.script = append(append(c.script, byte(len(resp))), resp...)
	}
	return resp, err
}

// memCard is the least card Read can talk to: blocks, the UID, and no keys (every
// authentication succeeds). It gives FuzzRead a genuine script to start from.
type memCard struct {
	uid    []byte
	blocks map[byte][BlockSize]byte
}

func (c *memCard) Transmit(cmd []byte) ([]byte, error) {
	ok := []byte{0x90, 0x00}
	switch cmd[1] {
	case 0xCA:
		return append(append([]byte{}, c.uid...), ok...), nil
	case 0xB0:
		b := c.blocks[cmd[3]]
		return append(b[:], ok...), nil
	}
	return ok, nil
}

// FuzzRead: whatever a card answers, Read never panics, every failure is one of cardio's
// typed errors, and a card it returns has a balance in range.
func FuzzRead(f *testing.F) {
	raw, _ := Encode(sampleCard())
	mc := &memCard{uid: raw.UID, blocks: map[byte][BlockSize]byte{BlockIdentity: raw.Identity, BlockHolder: raw.Holder,
		BlockPurse: raw.Purse, BlockPurseBackup: raw.Backup}}
	for i, b := range LogBlocks {
		mc.blocks[b] = raw.Log[i]
	}
	rec := &recordingCard{inner: mc}
	if _, err := Read(rec, NewSiteKey()); err != nil {
		f.Fatal(err)
	}
	f.Add(rec.script)
	f.Add([]byte{2, 0x63, 0x00})
	f.Add([]byte{6, 1, 2, 3, 4, 0x90, 0x00, 2, 0x90, 0x00, 2, 0x63, 0x00})
	f.Fuzz(func(t *testing.T, script []byte) {
		c, err := Read(&scriptCard{script: script}, NewSiteKey())
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if c.Purse.Balance < 0 || c.Purse.Balance > MaxBalance || len(c.UID) == 0 {
			t.Fatalf("card %+v", c)
		}
	})
}
