package cardio

import "fmt"

// Purse is the electronic purse: the balance in fen and the transaction counter that every
// write increases by exactly one. It is stored twice (block 8 main, block 9 backup) in the
// value-block style of MIFARE: value, counter, inverted value, checksum.
type Purse struct {
	Balance int64  // fen, 0..MaxBalance
	Counter uint32 // transactions written to this card since issue
}

func encodePurse(uid []byte, block byte, p Purse) ([BlockSize]byte, error) {
	var b [BlockSize]byte
	if p.Balance < 0 || p.Balance > MaxBalance {
		return b, fmt.Errorf("balance %d fen outside 0..%d", p.Balance, MaxBalance)
	}
	v := uint32(p.Balance)
	be.PutUint32(b[0:], v)
	be.PutUint32(b[4:], p.Counter)
	be.PutUint32(b[8:], ^v)
	be.PutUint32(b[12:], check(uid, block, b[:12]))
	return b, nil
}

// decodePurse refuses anything that is not exactly what encodePurse wrote for this card and
// block: a torn or foreign block is an error, never a balance.
func decodePurse(uid []byte, block byte, b [BlockSize]byte) (Purse, error) {
	v := be.Uint32(b[0:])
	if be.Uint32(b[12:]) != check(uid, block, b[:12]) {
		return Purse{}, fmt.Errorf("block %d: %w", block, errBadChecksum)
	}
	if be.Uint32(b[8:]) != ^v || int64(v) > MaxBalance {
		return Purse{}, fmt.Errorf("block %d: %w", block, errBadField)
	}
	return Purse{Balance: int64(v), Counter: be.Uint32(b[4:])}, nil
}
