package app

import (
	"fmt"
	"time"
)

// CaseKind is what the card or the ledger could not settle by itself, for a supervisor at
// the exceptions desk (异常处理). See docs/rules.md, "What the card cannot prove".
type CaseKind string

const (
	// Stored: opened in the transaction that meets them, one per subject.
	CaseReversalNotApplied CaseKind = "reversal_not_applied" // a reversal that could not un-book its recharge
	CaseLateReversal       CaseKind = "late_reversal"        // applied after its recharge's day was settled
	CaseCannotTell         CaseKind = "cannot_tell"          // the card cannot prove a recharge either way
	CaseCardBehind         CaseKind = "card_behind"          // the card is behind what the ledger knows it reached
	CaseDuplicateConflict  CaseKind = "duplicate_conflict"   // a serial reused with other content
	CaseJournalReleased    CaseKind = "journal_released"     // released to the desk by an admin's record that its POS is gone
	// Derived from the rows each time they are listed: they end when their condition does.
	CaseWriteUnknownOverdue CaseKind = "write_unknown_overdue" // pending at the POS for longer than Config.CaseAfter
	CaseRepairIntentOpen    CaseKind = "repair_intent_open"    // a desk repair begun and never finished
)

// CaseKinds lists every kind, in the order the exceptions desk shows them.
var CaseKinds = []CaseKind{CaseReversalNotApplied, CaseCardBehind, CaseCannotTell, CaseJournalReleased, CaseLateReversal,
	CaseWriteUnknownOverdue, CaseRepairIntentOpen, CaseDuplicateConflict}

// Label is the kind's name in zh or en.
func (k CaseKind) Label(lang string) string {
	l, ok := caseLabels[k]
	if !ok {
		return string(k)
	}
	if lang == "en" {
		return l[1]
	}
	return l[0]
}

var caseLabels = map[CaseKind][2]string{
	CaseReversalNotApplied:  {"冲正未能处理", "reversal not applied"},
	CaseLateReversal:        {"迟到冲正已处理", "late reversal applied"},
	CaseCannotTell:          {"卡上无法判断", "card cannot tell"},
	CaseCardBehind:          {"卡数据落后于系统", "card behind the ledger"},
	CaseDuplicateConflict:   {"流水号重复且内容不同", "serial reused, other content"},
	CaseJournalReleased:     {"设备退役后放行", "released by a retired POS"},
	CaseWriteUnknownOverdue: {"写卡结果未知过久", "write unknown too long"},
	CaseRepairIntentOpen:    {"补写未完成", "repair left unfinished"},
}

// ExceptionCase is one open question. Stored kinds have an ID; derived ones have 0.
type ExceptionCase struct {
	ID         int64
	Kind       CaseKind
	Subject    string // what it is about, stable: "reversal:12", "recharge:7", "card:20260001@9"
	OpenedAt   time.Time
	CardNo     string
	DeviceID   string
	Serial     int64
	RechargeID int64
	ReversalID int64
	Detail     string // what was seen, in English, for the record
}

// Key names the case for its decision: one decision per key.
func (c ExceptionCase) Key() string { return string(c.Kind) + "/" + c.Subject }

// DecisionKind is what a supervisor decided about a case.
type DecisionKind string

const (
	// DecideApproveWrite: a clerk (not the approver) may write the recharge at the desk.
	DecideApproveWrite DecisionKind = "approve_write"
	// DecideClose: nothing changes on the card; the reason says why.
	DecideClose DecisionKind = "close"
	// DecideAdjustment: an operator cash adjustment (长短款) on the day it is decided.
	DecideAdjustment DecisionKind = "adjustment"
)

// Decision is a supervisor's decision, a record of its own: the case's facts are never edited.
type Decision struct {
	ID         int64
	CaseKey    string
	Kind       DecisionKind
	RechargeID int64 // the recharge decided about (an approved write always names one)
	OperatorID int64 // adjustment
	Amount     Fen   // adjustment: + the operator hands in more (长款), − less (短款)
	Day        string
	Reason     string
	DecidedBy  string
	DecidedAt  time.Time
}

// CardMemory is the furthest state a card reached through this system: after a confirmed
// POS write, a desk repair, or a credit the desk found on the card. A card below it was
// damaged or restored from an earlier copy, and the card's own word no longer counts.
type CardMemory struct {
	CardNo  string
	Counter int64
	Balance Fen
	At      time.Time
	Source  string // "confirm:<recharge id>", "repair:<repair id>"
}

// Known reports whether the ledger remembers anything of the card.
func (m CardMemory) Known() bool { return m.CardNo != "" }

// Behind reports whether a card that shows counter and balance is behind what the ledger
// knows it reached: a lower counter, or the same counter with another balance (every write
// moves the counter, so two balances at one counter cannot both be true).
func (m CardMemory) Behind(counter int64, balance Fen) bool {
	return m.Known() && (counter < m.Counter || (counter == m.Counter && balance != m.Balance))
}

// CardRead is a card as the desk read it, kept as evidence.
type CardRead struct {
	ID         int64
	CardNo     string
	UID        string
	Counter    int64
	Balance    Fen
	FromBackup bool // the main purse block failed and the backup was read
	At         time.Time
	Staff      string
}

// JournalEndKind is how a device's journal ended.
type JournalEndKind string

const (
	JournalRetired  JournalEndKind = "retired"  // the POS is out of service for good
	JournalReplaced JournalEndKind = "replaced" // a new POS took its id; the old queue is lost
)

// JournalEnd records that no record at or below LastSerial will come from the device any
// more: what lets the desk write its "write unknown" recharges.
type JournalEnd struct {
	ID         int64
	DeviceID   string
	Kind       JournalEndKind
	LastSerial int64
	At         time.Time
	By         string
	Note       string
}

// DeviceContact is the last message the host kept from a device.
type DeviceContact struct {
	Serial int64
	At     time.Time // zero if the host never kept one
}

// openCase records a case once: a second sighting of the same subject changes nothing.
func openCase(tx Tx, c ExceptionCase) error {
	if _, _, err := tx.OpenCase(c); err != nil {
		return fmt.Errorf("open case %s: %w", c.Key(), err)
	}
	return nil
}

// rememberCard moves the ledger's memory of a card forward; an older state changes nothing.
func rememberCard(tx Tx, m CardMemory) error {
	if m.Counter < 0 || m.Counter > MaxCounter || m.Balance < 0 || m.Balance > MaxPurse {
		return nil // no card can be in that state: nothing to remember (the recharge checks bound it)
	}
	if _, err := tx.PutCardMemory(m); err != nil {
		return fmt.Errorf("remember card %s: %w", m.CardNo, err)
	}
	return nil
}

// cardBehindCase is the case of a card found behind the ledger's memory of it: one per
// remembered state, however often the card is seen.
func cardBehindCase(mem CardMemory, now time.Time, seen string) ExceptionCase {
	return ExceptionCase{Kind: CaseCardBehind, Subject: fmt.Sprintf("card:%s@%d", mem.CardNo, mem.Counter), OpenedAt: now,
		CardNo: mem.CardNo, Detail: fmt.Sprintf("%s; the ledger knows counter %d balance %s (%s)", seen, mem.Counter,
			FormatYuan(mem.Balance), mem.Source)}
}
