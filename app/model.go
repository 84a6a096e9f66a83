package app

import (
	"strings"
	"time"
)

// ModelRechargePOS is the device model code of a recharge POS (0201-增值机, rule 8).
const ModelRechargePOS = "0201"

// Booking is the money side of a recharge: booked, or un-booked by a processed reversal.
type Booking string

const (
	Booked   Booking = "booked"
	Reversed Booking = "reversed"
)

// CardWrite is the card side of a recharge, kept apart from the booking.
type CardWrite string

const (
	WritePending        CardWrite = "pending"         // approved, the POS has not confirmed
	WriteWritten        CardWrite = "written"         // the POS confirmed the card write
	WriteCancelReported CardWrite = "cancel_reported" // operator pressed Cancel at 请重刷卡
	WriteRepaired       CardWrite = "repaired"        // the desk credited the card
	WriteFoundOnCard    CardWrite = "found_on_card"   // the desk found the credit already there
)

// Role of a desk staff member.
type Role string

const (
	RoleClerk      Role = "clerk"
	RoleSupervisor Role = "supervisor"
	RoleAdmin      Role = "admin"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleClerk || r == RoleSupervisor || r == RoleAdmin }

// Actor is the person (or program) behind a desk or admin action, as written to the audit log.
// The ledger does not take an Actor's word for its role: every use case looks the staff
// member up again (Service.allow), so a disabled or demoted account loses its rights at its
// next action, not at logout.
type Actor struct {
	User string
	Role Role
	// Session is the token of the login's session ("" for a desk in process that has
	// none); the ledger checks it on every call (sessions.go).
	Session string
	// system marks SystemActor: the host's own programs, which have no staff record.
	system bool
}

// SystemActor is used by the command-line tools (gen, settle) that run without a login, on
// the machine that holds the ledger.
var SystemActor = Actor{User: "system", Role: RoleAdmin, system: true}

// DeviceInfo is a terminal as the desk shows it: never its key.
type DeviceInfo struct {
	ID       string
	Name     string
	Model    string
	Location string
	Enabled  bool
}

// Info is the device without its key.
func (d Device) Info() DeviceInfo {
	return DeviceInfo{ID: d.ID, Name: d.Name, Model: d.Model, Location: d.Location, Enabled: d.Enabled}
}

// OperatorInfo is a recharge operator as the desk shows it: never the PIN's hash.
type OperatorInfo struct {
	ID               int64
	OpNo             string
	Name             string
	DailyMax         Fen    // 0 = no limit
	DesignatedDevice string // "" = any recharge POS
	Merchant         bool
	Enabled          bool
	WrongPINs        int
}

// Info is the operator without the PIN's hash.
func (o Operator) Info() OperatorInfo {
	return OperatorInfo{ID: o.ID, OpNo: o.OpNo, Name: o.Name, DailyMax: o.DailyMax, DesignatedDevice: o.DesignatedDevice,
		Merchant: o.Merchant, Enabled: o.Enabled, WrongPINs: o.WrongPINs}
}

type Cardholder struct {
	ID       int64
	HolderNo string
	Name     string
	Dept     string
}

type Card struct {
	CardNo   string
	UID      string // hex; empty until the card is personalised through a reader
	HolderID int64
	Status   CardStatus
}

type Device struct {
	ID       string // terminal id
	Name     string
	Model    string
	Location string
	Enabled  bool
	Secret   []byte // per-device key for message authentication
}

type Operator struct {
	ID               int64
	OpNo             string
	Name             string
	PINHash          string
	DailyMax         Fen    // 0 = no limit
	DesignatedDevice string // "" = any recharge POS
	Merchant         bool   // 是否充值商户操作员: kept as data
	Enabled          bool
	WrongPINs        int
}

// Binding is an operator's authorization card (授权卡).
type Binding struct {
	OperatorID int64
	CardNo     string
	BoundAt    time.Time
	BoundBy    string
}

// Authorization is an operator's session on a recharge POS: from the tap of the
// authorization card until the next authorization on that POS (rule 1). It opens a batch.
type Authorization struct {
	ID           int64
	DeviceID     string
	OperatorID   int64
	CardNo       string
	BatchNo      int64
	AuthCodeHash string // HashAuthCode of the code the POS was given; the code itself is never kept
	StartedAt    time.Time
	EndedAt      time.Time // zero while current
}

type Recharge struct {
	ID              int64
	DeviceID        string
	Serial          int64
	AuthorizationID int64
	OperatorID      int64
	CardNo          string
	Amount          Fen
	BalanceBefore   Fen
	CounterBefore   int64
	BookedAt        time.Time
	SettleDay       string // YYYY-MM-DD
	Booking         Booking
	CardWrite       CardWrite
	ReversalID      int64 // the processed reversal, if any
	// ReversalDay is the settlement day the processed reversal counts on: SettleDay, or a
	// later day for a late reversal (SettleDay was settled when it was processed).
	ReversalDay string
	CancelID    int64
	RepairID    int64
	ConfirmedAt time.Time // when the POS confirmed the card write; zero if it never did
}

// LateReversal reports whether r was un-booked by a reversal processed after r's own
// settlement day was settled: the cash it returns counts on ReversalDay, never on SettleDay.
func (r Recharge) LateReversal() bool {
	return r.Booking == Reversed && r.ReversalDay != "" && r.ReversalDay != r.SettleDay
}

// ReversalStatus is where a reversal record stands.
type ReversalStatus string

const (
	RevPending   ReversalStatus = "pending"   // recorded and acknowledged, not yet due
	RevApplied   ReversalStatus = "applied"   // un-booked its original: a processed reversal
	RevTombstone ReversalStatus = "tombstone" // original never arrived; it will be refused if it does
	RevConflict  ReversalStatus = "conflict"  // original confirmed, cancelled or repaired: kept for review
	RevException ReversalStatus = "exception" // malformed, foreign, duplicate or mismatched: kept for review
)

type Reversal struct {
	ID           int64
	DeviceID     string
	Serial       int64
	OrigDeviceID string
	OrigSerial   int64
	CardNo       string
	Amount       Fen
	ReceivedAt   time.Time
	ApplyAfter   time.Time
	Status       ReversalStatus
	Reason       Code
	RechargeID   int64
	ProcessedAt  time.Time
}

// CancelStatus is where a cancel record stands; a cancel never moves money (rule 13).
type CancelStatus string

const (
	CancelRecorded  CancelStatus = "recorded"
	CancelOrphan    CancelStatus = "orphan"    // no such original
	CancelDuplicate CancelStatus = "duplicate" // the original already has a cancel
	CancelConflict  CancelStatus = "conflict"  // original already written, reversed or repaired
)

type Cancel struct {
	ID         int64
	DeviceID   string
	Serial     int64
	OrigSerial int64
	CardNo     string
	Amount     Fen
	ReceivedAt time.Time
	Status     CancelStatus
	Reason     Code
	RechargeID int64
}

// RepairState: a desk repair is an intent first, then done one way or the other.
type RepairState string

const (
	RepairIntent      RepairState = "intent"
	RepairWritten     RepairState = "written"
	RepairFoundOnCard RepairState = "found_on_card"
)

type Repair struct {
	ID         int64
	RechargeID int64
	Ref        string // the transaction reference written to the card's log
	State      RepairState
	Staff      string
	// DeskSession is the hash of the session of the desk that began it ("" for an actor
	// without one): while the intent is fresh only that desk resumes it, not the same clerk
	// at another desk. It stays off the wire: no desk learns another desk's session.
	DeskSession       string `json:"-"`
	CardBalanceBefore Fen
	CardCounterBefore int64
	CardBalanceAfter  Fen
	CardCounterAfter  int64
	StartedAt         time.Time
	FinishedAt        time.Time
}

type Staff struct {
	Username     string
	DisplayName  string
	Role         Role
	PasswordHash string
	Enabled      bool
	// WrongTries: wrong passwords in a row since the last good one, reset or unlock.
	WrongTries int
	// LockedAt: when wrong passwords locked the account (zero: not locked).
	LockedAt time.Time
}

// Locked reports whether wrong passwords locked the account until an admin unlocks it.
func (s Staff) Locked() bool { return !s.LockedAt.IsZero() }

// StaffInfo is a desk account as the staff screen shows it: never the password's hash.
type StaffInfo struct {
	Username    string
	DisplayName string
	Role        Role
	Enabled     bool
	WrongTries  int
	Locked      bool
	LockedAt    time.Time
}

// Info is the account without the password's hash.
func (s Staff) Info() StaffInfo {
	return StaffInfo{Username: s.Username, DisplayName: s.DisplayName, Role: s.Role, Enabled: s.Enabled,
		WrongTries: s.WrongTries, Locked: s.Locked(), LockedAt: s.LockedAt}
}

type AuditEntry struct {
	ID      int64
	At      time.Time
	Actor   string
	Action  string
	Subject string
	Detail  string
}

// Totals is a count and an amount.
type Totals struct {
	Count  int64 `json:"count"`
	Amount Fen   `json:"amount"` // fen
}

// OnChip refuses a chip whose UID is not the one the ledger holds for the card: a card
// number copied onto another chip. A card not yet personalised (no UID on record) passes.
func (c Card) OnChip(uid string) error {
	if c.UID != "" && !SameUID(c.UID, uid) {
		return E(CodeCardMismatch, "card %s is UID %s in the ledger, %s on the reader", c.CardNo, c.UID, uid)
	}
	return nil
}

// SameUID compares two card UIDs as the ledger and the readers write them (hex, either case).
func SameUID(a, b string) bool { return strings.EqualFold(a, b) }
