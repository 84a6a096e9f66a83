package cardio

import (
	"bytes"
	"context"
	"time"
)

// Txn is one transaction to write on a card.
type Txn struct {
	Kind   Kind  // KindRecharge (a POS) or KindRepair (the desk)
	Amount int64 // fen, > 0
	Ref    Ref   // the recharge's (terminal, serial); a repair uses the repaired recharge's
	Time   time.Time
}

// Credit adds txn.Amount to the card that before was read from, in 10 APDUs:
//
//	get UID, load key B, auth purse sector, read purse      (the card is still `before`?)
//	auth log sector, write log entry (counter+1, ref)       (intent: not money yet)
//	auth purse sector, write backup = old purse,
//	write main = new purse with counter+1                   <- the commit point
//	read main back                                          (confirmation)
//
// A card pulled after any of these resolves on the next Read to exactly before or after:
// until the main block is whole the card decodes to the old purse (main still old, or main
// torn and the backup old), and the log entry counts only once the purse counter reaches
// it. So ANY error from Credit means "unknown": read the card again and ask Card.Verdict —
// never retry blindly. Credit refuses with ErrNotAsRead if the card is not as read
// (another card, or another write since), and with ErrAlreadyOnCard if before already
// holds txn.
func Credit(t Transport, site SiteKey, before *Card, txn Txn) (Purse, error) {
	return CreditWith(context.Background(), t, LocalKeys{site}, before, txn)
}

// CreditWith is Credit with key B from keys, asked for with the UID and the card number of
// before once the card on the reader is known to be that card.
func CreditWith(ctx context.Context, t Transport, src KeySource, before *Card, txn Txn) (Purse, error) {
	if txn.Kind != KindRecharge && txn.Kind != KindRepair {
		return Purse{}, ErrBadInput.Withf("credit of kind %v", txn.Kind)
	}
	if txn.Amount <= 0 || txn.Amount > MaxAmount {
		return Purse{}, ErrBadAmount.Withf("%d fen", txn.Amount)
	}
	if _, ok := before.Find(txn.Ref, txn.Amount); ok {
		return Purse{}, ErrAlreadyOnCard.Withf("%s #%d", txn.Ref.Terminal, txn.Ref.Serial)
	}
	s := session{t}
	uid, err := s.uid()
	if err != nil {
		return Purse{}, err
	}
	if !bytes.Equal(uid, before.UID) {
		return Purse{}, ErrNotAsRead.Withf("UID %X, read %X", uid, before.UID)
	}
	keys, err := src.WriteKeys(ctx, uid, before.CardNo)
	if err != nil {
		return Purse{}, err
	}
	if err := s.loadKey(0, keys.B); err != nil {
		return Purse{}, err
	}
	cur, err := readPurse(s, uid)
	if err != nil {
		return Purse{}, err
	}
	if cur != before.Purse {
		return Purse{}, ErrNotAsRead.Withf("purse %+v, read %+v", cur, before.Purse)
	}
	next := Purse{Balance: cur.Balance + txn.Amount, Counter: cur.Counter + 1}
	if next.Balance > MaxBalance {
		return Purse{}, ErrOverLimit.Withf("%d + %d fen > %d", cur.Balance, txn.Amount, MaxBalance)
	}
	entry := LogEntry{Kind: txn.Kind, Counter: next.Counter, Amount: txn.Amount,
		BalanceAfter: next.Balance, TerminalTag: terminalTag(txn.Ref.Terminal),
		Serial24: uint32(txn.Ref.Serial & serialMask), Time: txn.Time}
	logBlock := LogBlocks[next.Counter%LogSlots]
	logData, err := encodeLogEntry(uid, logBlock, entry)
	if err != nil {
		return Purse{}, ErrBadInput.With(err)
	}
	backup, err := encodePurse(uid, BlockPurseBackup, cur)
	if err != nil {
		return Purse{}, ErrCorrupt.With(err)
	}
	main, err := encodePurse(uid, BlockPurse, next)
	if err != nil {
		return Purse{}, ErrCorrupt.With(err)
	}

	if err := s.auth(logBlock, keyTypeB, 0); err != nil {
		return Purse{}, err
	}
	if err := s.update(logBlock, logData); err != nil {
		return Purse{}, err
	}
	if err := s.auth(BlockPurse, keyTypeB, 0); err != nil {
		return Purse{}, err
	}
	if err := s.update(BlockPurseBackup, backup); err != nil {
		return Purse{}, err
	}
	if err := s.update(BlockPurse, main); err != nil {
		return Purse{}, err
	}
	got, err := s.read(BlockPurse)
	if err != nil {
		return Purse{}, err
	}
	if got != main {
		return Purse{}, ErrCorrupt.Withf("purse read back % X, wrote % X", got, main)
	}
	return next, nil
}

// readPurse authenticates the purse sector with key B (slot 0) and reads the purse, falling
// back to the backup block only if the main one is damaged (one more APDU, rare).
func readPurse(s session, uid []byte) (Purse, error) {
	if err := s.auth(BlockPurse, keyTypeB, 0); err != nil {
		return Purse{}, err
	}
	b, err := s.read(BlockPurse)
	if err != nil {
		return Purse{}, err
	}
	p, errMain := decodePurse(uid, BlockPurse, b)
	if errMain == nil {
		return p, nil
	}
	if b, err = s.read(BlockPurseBackup); err != nil {
		return Purse{}, err
	}
	p, errBackup := decodePurse(uid, BlockPurseBackup, b)
	if errBackup != nil {
		return Purse{}, ErrCorrupt.Withf("purse: %v; backup: %v", errMain, errBackup)
	}
	return p, nil
}
