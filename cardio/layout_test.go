package cardio

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"
)

var testUID = []byte{0xDE, 0xAD, 0xBE, 0xEF}

func sampleCard() *Card {
	t0 := time.Date(2025, 9, 1, 8, 30, 0, 0, time.UTC)
	c := &Card{
		UID: testUID,
		Identity: Identity{CardNo: "20250001", Holder: "S2025001", Status: StatusActive,
			Issued: time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC), Expires: time.Date(2029, 7, 31, 0, 0, 0, 0, time.UTC)},
		Purse: Purse{Balance: 12345, Counter: 9},
	}
	bal := int64(12345)
	for k := uint32(9); k >= 4; k-- { // the last six transactions, newest first
		e := LogEntry{Kind: KindRecharge, Counter: k, Amount: 1000 + int64(k), BalanceAfter: bal,
			TerminalTag: terminalTag("POS-7"), Serial24: 100 + k, Time: t0.Add(time.Duration(k) * time.Hour)}
		c.Log = append(c.Log, e)
		bal -= e.Amount
	}
	return c
}

// roundTrip encodes c and decodes it again, failing the test unless it gets c back.
func roundTrip(t *testing.T, c *Card) {
	t.Helper()
	raw, err := Encode(c)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, c)
	}
}

func TestRoundTrip(t *testing.T) {
	roundTrip(t, sampleCard())
}

func TestRoundTripPendingAndFreshCard(t *testing.T) {
	c := sampleCard()
	p := c.Log[0]
	p.Counter, p.Amount, p.BalanceAfter = 10, 500, 12845
	c.Pending = &p
	c.Log = c.Log[:5] // the pending intent took the slot of counter 4
	roundTrip(t, c)
	fresh := &Card{UID: []byte{1, 2, 3, 4, 5, 6, 7}, Identity: c.Identity, Purse: Purse{Balance: 0}}
	raw, _ := Encode(fresh)
	if got, err := Decode(raw); err != nil || got.Purse != fresh.Purse || len(got.Log) != 0 {
		t.Fatalf("fresh card: %+v %v", got, err)
	}
}

func TestBCD(t *testing.T) {
	for _, s := range []string{"0", "7", "12", "20250001", "999999999999"} {
		var b [6]byte
		if err := putBCD(b[:], s); err != nil {
			t.Fatal(s, err)
		}
		if got, err := getBCD(b[:]); err != nil || got != s {
			t.Fatalf("%q -> %x -> %q %v", s, b, got, err)
		}
	}
	for _, s := range []string{"", "12a", "1234567890123"} {
		var b [6]byte
		if putBCD(b[:], s) == nil {
			t.Fatalf("%q accepted", s)
		}
	}
	if _, err := getBCD([]byte{0x12, 0xF3, 0xFF, 0xFF, 0xFF, 0xFF}); err == nil {
		t.Fatal("digit after the end accepted")
	}
}

// Flipping any bit of the main purse must fall back to the backup (same balance here), and
// flipping any bit of both must be an error: never another balance.
func TestPurseCorruptionNeverWrongBalance(t *testing.T) {
	c := sampleCard()
	raw, _ := Encode(c)
	for i := 0; i < BlockSize*8; i++ {
		r := raw
		r.Purse[i/8] ^= 1 << (i % 8)
		got, err := Decode(r)
		if err != nil || got.Purse != c.Purse || !got.PurseFromBackup {
			t.Fatalf("bit %d of main: %+v %v", i, got, err)
		}
		r.Backup[i/8] ^= 1 << (i % 8)
		if _, err := Decode(r); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("bit %d of both: want ErrCorrupt, got %v", i, err)
		}
	}
}

func TestCorruptIdentityAndForeignBlocks(t *testing.T) {
	c := sampleCard()
	raw, _ := Encode(c)
	r := raw
	r.Identity[5] ^= 0x10
	if _, err := Decode(r); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("identity bit flip: %v", err)
	}
	// The same bytes on another card (a cloned dump) fail every check.
	r = raw
	r.UID = []byte{1, 2, 3, 4}
	if _, err := Decode(r); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("foreign UID: %v", err)
	}
	// The purse copied into the backup position fails (the block number is in the check).
	r = raw
	r.Purse[0] ^= 1
	r.Backup = raw.Purse
	if _, err := Decode(r); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("moved block: %v", err)
	}
}

func TestDamagedLogSlot(t *testing.T) {
	c := sampleCard()
	raw, _ := Encode(c)
	raw.Log[2][3] ^= 0xFF
	got, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Log) != 5 || !reflect.DeepEqual(got.DamagedSlots, []int{2}) {
		t.Fatalf("log %d entries, damaged %v", len(got.Log), got.DamagedSlots)
	}
}

func TestVerdict(t *testing.T) {
	c := sampleCard() // counters 4..9 in the log, serials 104..109, amounts 1004..1009
	ref := func(serial int64) Ref { return Ref{Terminal: "POS-7", Serial: serial} }
	cases := []struct {
		name          string
		ref           Ref
		amount        int64
		counterBefore int64
		want          Verdict
	}{
		{"landed", ref(108), 1008, 7, VerdictLanded},
		{"landed, counter unknown", ref(108), 1008, -1, VerdictLanded},
		{"wrong amount is not this transaction", ref(108), 1, 7, VerdictNotLanded},
		{"other terminal", Ref{Terminal: "POS-8", Serial: 108}, 1008, 7, VerdictNotLanded},
		{"card unchanged since the POS saw it", ref(555), 10, 9, VerdictNotLanded},
		{"log covers all since", ref(555), 10, 3, VerdictNotLanded},
		{"log does not reach back", ref(555), 10, 2, VerdictUnknown},
		{"counter unknown, log not whole history", ref(555), 10, -1, VerdictUnknown},
		{"card behind the terminal", ref(555), 10, 12, VerdictUnknown},
		{"found before the terminal saw the card", ref(105), 1005, 7, VerdictUnknown},
	}
	for _, tc := range cases {
		if got := c.Verdict(tc.ref, tc.amount, tc.counterBefore); got != tc.want {
			t.Errorf("%s: got %v want %v", tc.name, got, tc.want)
		}
	}
}

func TestEncodeRefusesBadInput(t *testing.T) {
	for name, mod := range map[string]func(*Card){
		"card no letters":   func(c *Card) { c.CardNo = "A1" },
		"holder too long":   func(c *Card) { c.Holder = "123456789012345" },
		"holder space":      func(c *Card) { c.Holder = "a b" },
		"balance negative":  func(c *Card) { c.Purse.Balance = -1 },
		"balance too large": func(c *Card) { c.Purse.Balance = MaxBalance + 1 },
		"date before 2000":  func(c *Card) { c.Issued = time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC) },
		"uid length":        func(c *Card) { c.UID = []byte{1, 2, 3} },
		"log before 2020":   func(c *Card) { c.Log[0].Time = time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC) },
	} {
		c := sampleCard()
		mod(c)
		if _, err := Encode(c); !errors.Is(err, ErrBadInput) {
			t.Errorf("%s: want ErrBadInput, got %v", name, err)
		}
	}
}

func rawFromBytes(uid, b []byte) RawCard {
	var r RawCard
	r.UID = uid
	blocks := []*[BlockSize]byte{&r.Identity, &r.Holder, &r.Purse, &r.Backup}
	for i := range r.Log {
		blocks = append(blocks, &r.Log[i])
	}
	for i, blk := range blocks {
		if len(b) > i*BlockSize {
			copy(blk[:], b[i*BlockSize:])
		}
	}
	return r
}

func rawBytes(r RawCard) []byte {
	var out []byte
	out = append(out, r.Identity[:]...)
	out = append(out, r.Holder[:]...)
	out = append(out, r.Purse[:]...)
	out = append(out, r.Backup[:]...)
	for _, l := range r.Log {
		out = append(out, l[:]...)
	}
	return out
}

// FuzzDecode: whatever the bytes, Decode must not panic, and a balance it reports must be
// exactly what one of the two purse blocks encodes for this card (never a third value).
func FuzzDecode(f *testing.F) {
	good, _ := Encode(sampleCard())
	f.Add(good.UID, rawBytes(good))
	torn := good
	torn.Purse[7] ^= 0x40
	f.Add(torn.UID, rawBytes(torn))
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7}, make([]byte, 160))
	f.Add([]byte{}, []byte("CC"))
	f.Fuzz(func(t *testing.T, uid, b []byte) {
		raw := rawFromBytes(uid, b)
		c, err := Decode(raw)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error without ErrCorrupt: %v", err)
			}
			return
		}
		block, from := BlockPurse, raw.Purse
		if c.PurseFromBackup {
			block, from = BlockPurseBackup, raw.Backup
		}
		again, err := encodePurse(c.UID, block, c.Purse)
		if err != nil || !bytes.Equal(again[:], from[:]) {
			t.Fatalf("balance %d not what block %d holds (%x): %v", c.Purse.Balance, block, from, err)
		}
		if c.Purse.Balance < 0 || c.Purse.Balance > MaxBalance {
			t.Fatalf("balance %d out of range", c.Purse.Balance)
		}
		for _, e := range c.Log {
			if e.Counter > c.Purse.Counter {
				t.Fatalf("committed entry %d above purse counter %d", e.Counter, c.Purse.Counter)
			}
		}
	})
}

// Any damage confined to one byte of a log slot is caught (CRC-8 detects every burst of up
// to 8 bits), so a torn log write can never pass as another transaction.
func TestLogSlotAnyByteDamageCaught(t *testing.T) {
	raw, _ := Encode(sampleCard())
	for pos := 0; pos < BlockSize; pos++ {
		for x := 1; x < 256; x++ {
			b := raw.Log[1]
			b[pos] ^= byte(x)
			if _, empty, err := decodeLogEntry(raw.UID, LogBlocks[1], b); err == nil && !empty {
				t.Fatalf("byte %d ^ %#x accepted", pos, x)
			}
		}
	}
}

// docs/card-layout.md names the checksums by their catalogue parameters; their check values
// over "123456789" pin the implementation to them (UID "12345678", block '9', no payload is
// that very string).
func TestChecksumsAreTheCatalogueCRCs(t *testing.T) {
	uid, block := []byte("12345678"), byte('9')
	if got := check(uid, block, nil); got != 0xE3069283 {
		t.Errorf("CRC-32C check value %08X, want E3069283", got)
	}
	if got := check16(uid, block, nil); got != 0x29B1 {
		t.Errorf("CRC-16/CCITT-FALSE check value %04X, want 29B1", got)
	}
	if got := check8(uid, block, nil); got != 0xF4 {
		t.Errorf("CRC-8 check value %02X, want F4", got)
	}
}
