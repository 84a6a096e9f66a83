package app

import (
	"context"
	"fmt"
)

// The desk's side of a repair: the card is read and written on the desk's own reader, and
// the ledger is asked through Desk, in process (*Service) or on a host alike. These are the
// only places that hold both.

// LookAtCard reads the card on the reader and asks the ledger what awaits it (ReadCard).
func LookAtCard(ctx context.Context, d Desk, actor Actor, reader DeskReader) (DeskCard, error) {
	c, err := reader.Read(ctx)
	if err != nil {
		return DeskCard{}, err
	}
	qs, err := d.CardQuestions(ctx, actor, c.CardNo())
	if err != nil {
		return DeskCard{}, err
	}
	return d.ReadCard(ctx, actor, FactsOf(c, qs))
}

// RepairCard settles one recharge of the card on the reader, exactly once. shown is the card
// as the clerk saw it when confirming: the card is read again right before writing and must
// be the same card in the same state. The ledger records the intent before the write and the
// completion after, so a pulled card or a crash in between is resolved by the next read of
// the card (LookAtCard) and never credited twice.
func RepairCard(ctx context.Context, d Desk, actor Actor, reader DeskReader, rechargeID int64, shown CardOnDesk) (Receipt, error) {
	c, err := reader.Read(ctx)
	if err != nil {
		return Receipt{}, err
	}
	if !SameUID(c.UID(), shown.UID()) || c.Balance() != shown.Balance() || c.Counter() != shown.Counter() {
		return Receipt{}, E(CodeCardChanged, "card %s: balance %d counter %d on screen, %d %d now", c.CardNo(), shown.Balance(), shown.Counter(), c.Balance(), c.Counter())
	}
	qs, err := d.CardQuestions(ctx, actor, c.CardNo())
	if err != nil {
		return Receipt{}, err
	}
	st, err := d.StartRepair(ctx, actor, rechargeID, FactsOf(c, qs))
	if err != nil {
		return Receipt{}, err
	}
	if st.Found {
		return st.Receipt, nil
	}
	r := st.Recharge
	if werr := reader.Credit(ctx, c, r.DeviceID, r.Serial, r.Amount, st.At); werr != nil {
		// The write's outcome is unknown: ask the card.
		after, rerr := reader.Read(ctx)
		if rerr != nil || !SameUID(after.UID(), c.UID()) {
			return Receipt{}, fmt.Errorf("%w: %w", E(CodeWriteUnknown, "recharge %d: put the card back; the next read settles it", r.ID), werr)
		}
		if found, _ := after.Holds(r.DeviceID, r.Serial, r.Amount); !found {
			return Receipt{}, fmt.Errorf("%w: %w", E(CodeNotWritten, "recharge %d", r.ID), werr)
		}
		c = after
	} else if c, err = reader.Read(ctx); err != nil {
		// Written, and the card pulled right after: the next read completes the repair.
		return Receipt{}, fmt.Errorf("%w: %w", E(CodeWriteUnknown, "recharge %d: put the card back", r.ID), err)
	}
	if _, err := d.CompleteRepair(ctx, actor, st.Repair.ID, RepairWritten, CardSnapshot{Balance: c.Balance(), Counter: c.Counter()}); err != nil {
		// The money is on the card whatever the ledger's answer was: the clerk must be told
		// that, not "not done", and the next read completes the intent from the card.
		return Receipt{}, fmt.Errorf("%w: %w", E(CodeWrittenUnrecorded, "recharge %d, repair %d", r.ID, st.Repair.ID), err)
	}
	rc := st.Receipt
	rc.Outcome, rc.Amount, rc.BalanceAfter = RepairWritten, r.Amount, c.Balance()
	return rc, nil
}

// LookAtCard is LookAtCard(ctx, s, …): the desk in process.
func (s *Service) LookAtCard(ctx context.Context, actor Actor, reader DeskReader) (DeskCard, error) {
	if err := s.allow(ctx, actor, deskRoles...); err != nil {
		return DeskCard{}, err
	}
	return LookAtCard(ctx, s, actor, reader)
}

// Repair is RepairCard(ctx, s, …): the desk in process.
func (s *Service) Repair(ctx context.Context, actor Actor, reader DeskReader, rechargeID int64, shown CardOnDesk) (Receipt, error) {
	if err := s.allow(ctx, actor, deskRoles...); err != nil {
		return Receipt{}, err
	}
	return RepairCard(ctx, s, actor, reader, rechargeID, shown)
}
