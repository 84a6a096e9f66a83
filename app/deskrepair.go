package app

import (
	"context"
	"errors"
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
	BehindLedger                // the card is behind what the ledger knows it reached: its word does not count
)

// Verdict is OnCard with the reason, in both languages.
type Verdict struct {
	OnCard OnCard
	ZH, EN string
}

// VerdictFor decides from the card whether recharge r's credit reached it. The log's
// reference to r is proof and comes first: the card's counter and balance, by which campus
// systems of this era decide 补写卡, can be imitated — "counter + 1 and balance = after" by
// another recharge of the same amount (the cardholder recharging again after a Cancel), and
// "as before the recharge" by a card restored to an older state and then credited with r
// (the credit lands on the older state and comes to rest exactly where r began). Then the
// counter and balance as before, then a log that accounts for every write since. Where the
// log cannot tell (a damaged slot), nothing else is proof: the verdict is "cannot tell".
func VerdictFor(r Recharge, c CardOnDesk) Verdict {
	counter, balance := c.Counter(), c.Balance()
	before, after := r.BalanceBefore, r.BalanceBefore+r.Amount
	if found, _ := c.Holds(r.DeviceID, r.Serial, r.Amount); found {
		return Verdict{AlreadyOnCard, "卡内交易记录中有该笔充值:已写入", "the card's log holds this recharge: written"}
	}
	if counter == r.CounterBefore && balance == before {
		return Verdict{NotOnCard, "卡上交易计数与余额均与充值前相同:未写入", "counter and balance are as before the recharge: not written"}
	}
	if c.ProvesAbsent(r.DeviceID, r.Serial, r.Amount, r.CounterBefore) {
		return Verdict{NotOnCard, "充值后卡上的每笔交易都在卡内记录中且不含该笔:未写入",
			"every transaction since the recharge is in the card's log and this one is not: not written"}
	}
	switch {
	case counter == r.CounterBefore+1 && balance == after:
		// Looks written, but a second recharge of the same amount looks the same, and the log
		// that would tell them apart is damaged.
		return Verdict{CannotTell, "卡上交易计数加一且余额等于充值后余额,但卡内记录无法证明是该笔:无法判断",
			"counter + 1 and balance = the balance after, but the card's log cannot show it was this recharge: cannot tell"}
	case counter < r.CounterBefore:
		return Verdict{CannotTell, "卡上交易计数小于充值时读到的计数:不是同一状态的卡", "the card's counter is below the one the POS read: not the same card state"}
	default:
		return Verdict{CannotTell, "充值后卡上已有其他交易,卡内记录不足以判断", "other transactions happened since, and the card's log cannot tell"}
	}
}

// DeskVerdict is VerdictFor on a card the ledger may remember further than the card shows:
// a card behind the ledger's memory was damaged or restored, and proves nothing.
func DeskVerdict(r Recharge, c CardOnDesk, mem CardMemory) Verdict {
	if mem.Behind(c.Counter(), c.Balance()) {
		return Verdict{BehindLedger,
			fmt.Sprintf("卡数据落后于系统:系统记录该卡已到交易计数 %d、余额 %s 元,卡上为 %d、%s 元", mem.Counter, FormatYuan(mem.Balance), c.Counter(), FormatYuan(c.Balance())),
			fmt.Sprintf("the card is behind the ledger: the ledger knows it reached counter %d, balance %s; the card shows %d, %s", mem.Counter, FormatYuan(mem.Balance), c.Counter(), FormatYuan(c.Balance()))}
	}
	return VerdictFor(r, c)
}

// DeskAction is what settling an item at the desk does.
type DeskAction int

const (
	DeskNoAction    DeskAction = iota // blocked: see Blocker
	DeskWrite                         // write the credit onto the card
	DeskRecordFound                   // the credit is on the card: record it, write nothing
)

// DeskCard is everything the repair screen shows about the card on the reader.
type DeskCard struct {
	Card     CardOnDesk
	Ledger   Card       // the card center's record of it
	Holder   Cardholder // its holder
	Memory   CardMemory // how far the ledger knows the card got (zero if it never saw it written)
	Behind   bool       // the card is behind Memory: damaged or restored
	Items    []DeskItemVerdict
	Repaired []Repair // repairs of this card already done (a second tap shows them)
	// Resolved lists repairs left unfinished earlier (crash, card pulled) that this read
	// completed from what the card shows.
	Resolved []Repair
}

// DeskItemVerdict is a recharge awaiting the desk with the card's verdict on it, and what
// the desk may do: Blocker is the refusal Repair would give (nil: Action is allowed).
type DeskItemVerdict struct {
	DeskItem
	Verdict Verdict
	Action  DeskAction
	Blocker *Error
}

// settle decides, for one item and the card on the reader, what the desk may do and for
// whom: the same answer for the screen (LookAtCard) and the write (Repair).
func (s *Service) settle(actor Actor, it DeskItem, ledger Card, c CardOnDesk, mem CardMemory) DeskItemVerdict {
	v := DeskVerdict(it.Recharge, c, mem)
	out := DeskItemVerdict{DeskItem: it, Verdict: v}
	if it.Hold != nil && !(it.HoldsWritesOnly && v.OnCard == AlreadyOnCard) {
		if out.Blocker = lift(it.Hold, it.liftable, it.Approval, actor); out.Blocker != nil {
			return out
		}
	}
	ref, liftable := cardHold(ledger, c, v)
	if ref != nil {
		if out.Blocker = lift(ref, liftable, approvalFor(it.Approval, v, it), actor); out.Blocker != nil {
			return out
		}
	}
	if v.OnCard == AlreadyOnCard {
		out.Action = DeskRecordFound
		return out
	}
	if out.Blocker = busyElsewhere(it.Repair, actor, s.clock.Now()); out.Blocker != nil {
		return out
	}
	if it.Recharge.Amount > s.cfg.BalanceCeiling-c.Balance() {
		out.Blocker = E(CodeOverCeiling, "card balance %d + %d > %d fen", c.Balance(), it.Recharge.Amount, s.cfg.BalanceCeiling)
		return out
	}
	out.Action = DeskWrite
	return out
}

// CardQuestions are the recharges of a card whose credit the ledger wants the card's word
// on before the desk may settle them: every one awaiting the desk, unfinished repairs too.
func (s *Service) CardQuestions(ctx context.Context, actor Actor, cardNo string) ([]CardQuestion, error) {
	if err := s.allow(ctx, actor, deskRoles...); err != nil {
		return nil, err
	}
	items, err := s.AwaitingDesk(ctx, actor, cardNo)
	if err != nil {
		return nil, err
	}
	qs := make([]CardQuestion, 0, len(items))
	for _, it := range items {
		r := it.Recharge
		qs = append(qs, CardQuestion{DeviceID: r.DeviceID, Serial: r.Serial, Amount: r.Amount, CounterBefore: r.CounterBefore})
	}
	return qs, nil
}

// ReadCard is the desk's read of a card: it lists the card's recharges awaiting the desk,
// each with the card's verdict and what the desk may do. A repair left as an intent (the
// desk crashed, or the card was pulled, between intent and completion) is completed here if
// the card shows its credit. The read is kept as evidence; a card behind the ledger, and a
// recharge the card cannot prove, go to the exceptions desk.
func (s *Service) ReadCard(ctx context.Context, actor Actor, c CardFacts) (DeskCard, error) {
	if err := s.allow(ctx, actor, deskRoles...); err != nil {
		return DeskCard{}, err
	}
	dc := DeskCard{Card: c}
	if err := s.store.View(ctx, func(tx ReadTx) error {
		lc, err := tx.Card(c.CardNo())
		if err != nil {
			return notFound(err, CodeUnknownCard, "card %s", c.CardNo())
		}
		if err := lc.OnChip(c.UID()); err != nil {
			return err
		}
		dc.Ledger = lc
		dc.Holder, err = tx.Cardholder(lc.HolderID)
		if err != nil {
			return err
		}
		if dc.Memory, err = tx.CardMemory(lc.CardNo); err != nil && !errors.Is(err, ErrNoRow) {
			return err
		}
		dc.Repaired, err = tx.RepairsOfCard(c.CardNo())
		return err
	}); err != nil {
		return DeskCard{}, err
	}
	dc.Behind = dc.Memory.Behind(c.Counter(), c.Balance())
	items, err := s.AwaitingDesk(ctx, actor, c.CardNo())
	if err != nil {
		return DeskCard{}, err
	}
	for _, it := range items {
		iv := s.settle(actor, it, dc.Ledger, c, dc.Memory)
		if it.Repair.ID != 0 && it.Repair.State == RepairIntent && iv.Verdict.OnCard == AlreadyOnCard {
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
		dc.Items = append(dc.Items, iv)
	}
	if err := s.noteDeskRead(ctx, actor, dc); err != nil {
		return DeskCard{}, err
	}
	return dc, nil
}

// noteDeskRead keeps the read and opens the cases it shows: the card behind the ledger,
// and each recharge the card cannot prove (or proves nothing of, being behind) while nothing
// else holds it.
func (s *Service) noteDeskRead(ctx context.Context, actor Actor, dc DeskCard) error {
	c := dc.Card
	fromBackup := false
	if b, ok := c.(interface{ PurseFromBackup() bool }); ok {
		fromBackup = b.PurseFromBackup()
	}
	return s.store.Update(ctx, func(tx Tx) error {
		now := s.clock.Now()
		if _, err := tx.InsertCardRead(CardRead{CardNo: c.CardNo(), UID: c.UID(), Counter: c.Counter(), Balance: c.Balance(),
			FromBackup: fromBackup, At: now, Staff: actor.User}); err != nil {
			return err
		}
		if dc.Behind {
			backup := ""
			if fromBackup {
				backup = " (purse read from its backup block)"
			}
			if err := openCase(tx, cardBehindCase(dc.Memory, now, fmt.Sprintf("desk (%s) read counter %d balance %s%s",
				actor.User, c.Counter(), FormatYuan(c.Balance()), backup))); err != nil {
				return err
			}
		}
		for _, it := range dc.Items {
			if (it.Verdict.OnCard != CannotTell && it.Verdict.OnCard != BehindLedger) || (it.Hold != nil && !it.liftable) || it.Approval.ID != 0 {
				continue // the card decides it, something else holds it, or a supervisor already decided
			}
			r := it.Recharge
			if err := openCase(tx, ExceptionCase{Kind: CaseCannotTell, Subject: fmt.Sprintf("recharge:%d", r.ID), OpenedAt: now,
				CardNo: r.CardNo, DeviceID: r.DeviceID, Serial: r.Serial, RechargeID: r.ID,
				Detail: fmt.Sprintf("desk (%s) read counter %d balance %s: %s", actor.User, c.Counter(), FormatYuan(c.Balance()), it.Verdict.EN)}); err != nil {
				return err
			}
		}
		return nil
	})
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

// RepairStart is what StartRepair decided: the credit was found on the card and recorded
// (Receipt is final), or the intent is recorded and the desk writes Recharge's credit
// onto the card, tagged with the recharge's own (terminal, serial), at At.
type RepairStart struct {
	Repair   Repair
	Recharge Recharge
	Found    bool
	Receipt  Receipt
	At       time.Time
}

// StartRepair is the ledger's half of settling one recharge of the card the desk just read
// (c, read again right before, as the clerk confirmed it): the same checks as ReadCard's,
// then the intent before any write, or the credit found on the card recorded at once.
func (s *Service) StartRepair(ctx context.Context, actor Actor, rechargeID int64, c CardFacts) (RepairStart, error) {
	if err := s.allow(ctx, actor, deskRoles...); err != nil {
		return RepairStart{}, err
	}
	now := s.clock.Now()
	var r Recharge
	var holder Cardholder
	var ledgerCard Card
	var mem CardMemory
	var item DeskItem
	if err := s.store.View(ctx, func(tx ReadTx) error {
		var err error
		if r, err = tx.Recharge(rechargeID); err != nil {
			return notFound(err, CodeNotFound, "recharge %d", rechargeID)
		}
		if ledgerCard, err = tx.Card(r.CardNo); err != nil {
			return err
		}
		if mem, err = tx.CardMemory(r.CardNo); err != nil && !errors.Is(err, ErrNoRow) {
			return err
		}
		if holder, err = tx.Cardholder(ledgerCard.HolderID); err != nil {
			return err
		}
		var listed bool
		item, listed, err = s.deskItem(tx, r, now)
		if err == nil && !listed {
			hold, herr := s.ledgerHold(tx, r, Repair{}, now)
			if herr != nil {
				return herr
			}
			if hold.err != nil {
				return hold.err
			}
			return E(CodeNotAwaitingDesk, "recharge %d", r.ID)
		}
		return err
	}); err != nil {
		return RepairStart{}, err
	}
	if r.CardNo != c.CardNo() {
		return RepairStart{}, E(CodeCardMismatch, "recharge %d is for card %s, the reader has %s", r.ID, r.CardNo, c.CardNo())
	}
	if err := ledgerCard.OnChip(c.UID()); err != nil {
		return RepairStart{}, err
	}
	iv := s.settle(actor, item, ledgerCard, c, mem)
	if iv.Blocker != nil {
		return RepairStart{}, iv.Blocker
	}
	st := RepairStart{Recharge: r, At: now, Receipt: Receipt{RechargeID: r.ID, RepairRef: RepairRef(r.ID), DeviceID: r.DeviceID,
		Serial: r.Serial, CardNo: r.CardNo, HolderName: holder.Name, BalanceBefore: c.Balance(), BalanceAfter: c.Balance(),
		Clerk: actor.User, At: now}}
	snap := CardSnapshot{Balance: c.Balance(), Counter: c.Counter()}
	if iv.Action == DeskRecordFound {
		rp, _, err := s.beginRepair(ctx, actor, r.ID, snap, true)
		if err != nil {
			return RepairStart{}, err
		}
		if st.Repair, err = s.CompleteRepair(ctx, actor, rp.ID, RepairFoundOnCard, snap); err != nil {
			return RepairStart{}, err
		}
		st.Found, st.Receipt.Outcome = true, RepairFoundOnCard
		return st, nil
	}
	rp, _, err := s.BeginRepair(ctx, actor, r.ID, snap)
	if err != nil {
		return RepairStart{}, err
	}
	st.Repair = rp
	return st, nil
}

// ReceiptOf rebuilds the receipt of a finished repair, for reprinting.
func (s *Service) ReceiptOf(ctx context.Context, actor Actor, rechargeID int64) (Receipt, error) {
	if err := s.allow(ctx, actor, anyStaff...); err != nil {
		return Receipt{}, err
	}
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
