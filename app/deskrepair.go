package app

import (
	"context"
	"fmt"
	"time"
)

// CardOnDesk is a campus card as read on the desk's reader.
type CardOnDesk interface {
	UID() string
	CardNo() string
	Holder() string
	Blocked() bool // the card's own status byte says it may not be used
	Balance() Fen
	Counter() int64
	// Holds reports whether the card's committed log has the transaction (terminal,
	// serial, amount), and whether the desk (rather than a POS) wrote it.
	Holds(terminal string, serial int64, amount Fen) (found, byDesk bool)
	// ProvesAbsent: every write since counterBefore is in the card's log and none is
	// (terminal, serial, amount).
	ProvesAbsent(terminal string, serial int64, amount Fen, counterBefore int64) bool
}

// DeskReader is the desk's card reader.
type DeskReader interface {
	Read(ctx context.Context) (CardOnDesk, error)
	// Credit writes amount onto the card read as before, as a desk repair tagged with the
	// recharge's (terminal, serial). Any error leaves the outcome unknown: read again.
	Credit(ctx context.Context, before CardOnDesk, terminal string, serial int64, amount Fen, at time.Time) error
}

// OnCard is the desk's verdict on one recharge, proven from the card.
type OnCard int

const (
	CannotTell    OnCard = iota // no write; a supervisor looks at it
	NotOnCard                   // the credit is provably not on the card: the desk may write it
	AlreadyOnCard               // the credit is on the card: nothing to write
)

// Verdict is OnCard with the reason, in both languages.
type Verdict struct {
	OnCard OnCard
	ZH, EN string
}

// VerdictFor decides from the card whether recharge r's credit reached it: the card's
// transaction counter and balance first, the way campus systems of this era decide 补写卡,
// but the log's references before "counter + 1 and balance = after", which another
// transaction can imitate.
func VerdictFor(r Recharge, c CardOnDesk) Verdict {
	counter, balance := c.Counter(), c.Balance()
	before, after := r.BalanceBefore, r.BalanceBefore+r.Amount
	if counter == r.CounterBefore && balance == before {
		return Verdict{NotOnCard, "卡上交易计数与余额均与充值前相同:未写入", "counter and balance are as before the recharge: not written"}
	}
	// The log before "counter + 1 and balance = after": another transaction of the same
	// amount (the cardholder recharging again after a Cancel) leaves the card in exactly
	// that state, and only the log's reference tells the two apart.
	if found, _ := c.Holds(r.DeviceID, r.Serial, r.Amount); found {
		return Verdict{AlreadyOnCard, "卡内交易记录中有该笔充值:已写入", "the card's log holds this recharge: written"}
	}
	if c.ProvesAbsent(r.DeviceID, r.Serial, r.Amount, r.CounterBefore) {
		return Verdict{NotOnCard, "充值后卡上的每笔交易都在卡内记录中且不含该笔:未写入",
			"every transaction since the recharge is in the card's log and this one is not: not written"}
	}
	switch {
	case counter == r.CounterBefore+1 && balance == after: // the log cannot tell (a damaged slot)
		return Verdict{AlreadyOnCard, "卡上交易计数加一且余额等于充值后余额:已写入", "counter + 1 and balance = the balance after: written"}
	case counter < r.CounterBefore:
		return Verdict{CannotTell, "卡上交易计数小于充值时读到的计数:不是同一状态的卡", "the card's counter is below the one the POS read: not the same card state"}
	default:
		return Verdict{CannotTell, "充值后卡上已有其他交易,卡内记录不足以判断", "other transactions happened since, and the card's log cannot tell"}
	}
}

// DeskCard is everything the repair screen shows about the card on the reader.
type DeskCard struct {
	Card     CardOnDesk
	Ledger   Card       // the card center's record of it
	Holder   Cardholder // its holder
	Items    []DeskItemVerdict
	Repaired []Repair // repairs of this card already done (a second tap shows them)
	// Resolved lists repairs left unfinished earlier (crash, card pulled) that this read
	// completed from what the card shows.
	Resolved []Repair
}

// DeskItemVerdict is a recharge awaiting the desk with the card's verdict on it.
type DeskItemVerdict struct {
	DeskItem
	Verdict Verdict
}

// LookAtCard reads the card on the reader and lists its recharges awaiting the desk, each
// with the card's verdict. A repair left as an intent (the desk crashed, or the card was
// pulled, between intent and completion) is completed here if the card shows its credit.
func (s *Service) LookAtCard(ctx context.Context, actor Actor, reader DeskReader) (DeskCard, error) {
	if err := requireRole(actor, RoleClerk, RoleAdmin); err != nil {
		return DeskCard{}, err
	}
	c, err := reader.Read(ctx)
	if err != nil {
		return DeskCard{}, err
	}
	dc := DeskCard{Card: c}
	if err := s.store.View(ctx, func(tx ReadTx) error {
		lc, err := tx.Card(c.CardNo())
		if err != nil {
			return notFound(err, CodeUnknownCard, "card %s", c.CardNo())
		}
		if lc.UID != "" && lc.UID != c.UID() {
			return E(CodeCardMismatch, "card %s is UID %s in the ledger, %s on the reader", c.CardNo(), lc.UID, c.UID())
		}
		dc.Ledger = lc
		dc.Holder, err = tx.Cardholder(lc.HolderID)
		if err != nil {
			return err
		}
		dc.Repaired, err = tx.RepairsOfCard(c.CardNo())
		return err
	}); err != nil {
		return DeskCard{}, err
	}
	items, err := s.AwaitingDesk(ctx, c.CardNo())
	if err != nil {
		return DeskCard{}, err
	}
	for _, it := range items {
		v := VerdictFor(it.Recharge, c)
		if it.Repair.ID != 0 && it.Repair.State == RepairIntent && v.OnCard == AlreadyOnCard {
			outcome := RepairFoundOnCard
			if _, byDesk := c.Holds(it.Recharge.DeviceID, it.Recharge.Serial, it.Recharge.Amount); byDesk {
				outcome = RepairWritten
			}
			rp, err := s.CompleteRepair(ctx, actor, it.Repair.ID, outcome, CardSnapshot{Balance: c.Balance(), Counter: c.Counter()})
			if err != nil {
				return DeskCard{}, fmt.Errorf("complete unfinished repair %d: %w", it.Repair.ID, err)
			}
			dc.Resolved = append(dc.Resolved, rp)
			continue
		}
		dc.Items = append(dc.Items, DeskItemVerdict{DeskItem: it, Verdict: v})
	}
	return dc, nil
}

// Receipt is what a repair prints: enough for the cardholder and for an audit.
type Receipt struct {
	RechargeID    int64
	RepairRef     string
	DeviceID      string
	Serial        int64
	CardNo        string
	HolderName    string
	Amount        Fen // credited at the desk; 0 when the credit was found already on the card
	Outcome       RepairState
	BalanceBefore Fen
	BalanceAfter  Fen
	Clerk         string
	At            time.Time
}

// Repair settles one recharge of the card on the reader, exactly once. shown is the card as
// the clerk saw it when confirming: the card is read again right before writing and must be
// the same card in the same state. The intent is recorded before the write and the
// completion after, so a pulled card or a crash in between is resolved by the next read of
// the card (LookAtCard) and never credited twice.
func (s *Service) Repair(ctx context.Context, actor Actor, reader DeskReader, rechargeID int64, shown CardOnDesk) (Receipt, error) {
	if err := requireRole(actor, RoleClerk, RoleAdmin); err != nil {
		return Receipt{}, err
	}
	now := s.clock.Now()
	c, err := reader.Read(ctx)
	if err != nil {
		return Receipt{}, err
	}
	if c.UID() != shown.UID() || c.Balance() != shown.Balance() || c.Counter() != shown.Counter() {
		return Receipt{}, E(CodeCardChanged, "card %s: balance %d counter %d on screen, %d %d now", c.CardNo(), shown.Balance(), shown.Counter(), c.Balance(), c.Counter())
	}
	var r Recharge
	var holder Cardholder
	var ledgerCard Card
	if err := s.store.View(ctx, func(tx ReadTx) error {
		var err error
		if r, err = tx.Recharge(rechargeID); err != nil {
			return notFound(err, CodeNotFound, "recharge %d", rechargeID)
		}
		if ledgerCard, err = tx.Card(r.CardNo); err != nil {
			return err
		}
		holder, err = tx.Cardholder(ledgerCard.HolderID)
		return err
	}); err != nil {
		return Receipt{}, err
	}
	if r.CardNo != c.CardNo() {
		return Receipt{}, E(CodeCardMismatch, "recharge %d is for card %s, the reader has %s", r.ID, r.CardNo, c.CardNo())
	}
	if ref := cardUsable(ledgerCard); ref != nil {
		return Receipt{}, ref
	}
	if c.Blocked() {
		return Receipt{}, E(CodeCardBlocked, "card %s", c.CardNo())
	}
	rc := Receipt{RechargeID: r.ID, RepairRef: RepairRef(r.ID), DeviceID: r.DeviceID, Serial: r.Serial, CardNo: r.CardNo,
		HolderName: holder.Name, BalanceBefore: c.Balance(), BalanceAfter: c.Balance(), Clerk: actor.User, At: now}
	v := VerdictFor(r, c)
	switch v.OnCard {
	case CannotTell:
		return Receipt{}, &Error{Code: CodeCannotTell, ZH: "无法从卡上判断该笔充值是否已写入,不写卡,请主管处理", EN: "the card cannot tell whether this recharge landed; nothing written, a supervisor decides", Detail: v.EN}
	case AlreadyOnCard:
		rp, _, err := s.BeginRepair(ctx, actor, r.ID, CardSnapshot{Balance: c.Balance(), Counter: c.Counter()})
		if err != nil {
			return Receipt{}, err
		}
		if _, err := s.CompleteRepair(ctx, actor, rp.ID, RepairFoundOnCard, CardSnapshot{Balance: c.Balance(), Counter: c.Counter()}); err != nil {
			return Receipt{}, err
		}
		rc.Outcome = RepairFoundOnCard
		return rc, nil
	}
	if r.Amount > s.cfg.BalanceCeiling-c.Balance() {
		return Receipt{}, E(CodeOverCeiling, "card balance %d + %d > %d fen", c.Balance(), r.Amount, s.cfg.BalanceCeiling)
	}
	rp, _, err := s.BeginRepair(ctx, actor, r.ID, CardSnapshot{Balance: c.Balance(), Counter: c.Counter()})
	if err != nil {
		return Receipt{}, err
	}
	if werr := reader.Credit(ctx, c, r.DeviceID, r.Serial, r.Amount, now); werr != nil {
		// The write's outcome is unknown: ask the card.
		after, rerr := reader.Read(ctx)
		if rerr != nil || after.UID() != c.UID() {
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
	if _, err := s.CompleteRepair(ctx, actor, rp.ID, RepairWritten, CardSnapshot{Balance: c.Balance(), Counter: c.Counter()}); err != nil {
		return Receipt{}, err
	}
	rc.Outcome, rc.Amount, rc.BalanceAfter = RepairWritten, r.Amount, c.Balance()
	return rc, nil
}

// ReceiptOf rebuilds the receipt of a finished repair, for reprinting.
func (s *Service) ReceiptOf(ctx context.Context, rechargeID int64) (Receipt, error) {
	var rc Receipt
	err := s.store.View(ctx, func(tx ReadTx) error {
		r, err := tx.Recharge(rechargeID)
		if err != nil {
			return notFound(err, CodeNotFound, "recharge %d", rechargeID)
		}
		rp, err := tx.RepairByRecharge(r.ID)
		if err != nil {
			return notFound(err, CodeNotFound, "repair of recharge %d", rechargeID)
		}
		if rp.State == RepairIntent {
			return E(CodeRepairInProgress, "recharge %d", r.ID)
		}
		card, err := tx.Card(r.CardNo)
		if err != nil {
			return err
		}
		h, err := tx.Cardholder(card.HolderID)
		if err != nil {
			return err
		}
		rc = Receipt{RechargeID: r.ID, RepairRef: RepairRef(r.ID), DeviceID: r.DeviceID, Serial: r.Serial, CardNo: r.CardNo,
			HolderName: h.Name, Outcome: rp.State, BalanceBefore: rp.CardBalanceBefore, BalanceAfter: rp.CardBalanceAfter,
			Clerk: rp.Staff, At: rp.FinishedAt}
		if rp.State == RepairWritten {
			rc.Amount = r.Amount
		}
		return nil
	})
	return rc, err
}
