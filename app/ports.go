package app

import (
	"context"
	"errors"
	"time"
)

// ErrNoRow is what a Store returns when a looked-up row does not exist. The use cases turn
// it into the refusal that fits (unknown device, original not found, …).
var ErrNoRow = errors.New("no such row")

// ErrDuplicate is what a Store returns when an insert meets a uniqueness rule of the
// ledger (one decision per case, one approval per recharge).
var ErrDuplicate = errors.New("duplicate row")

// Store is the ledger's persistence, implemented by package store. Update runs fn in one
// durable write transaction (serialized with every other write: this is the "one locked
// state change" the rules rely on); if fn returns an error nothing of it is kept. View runs
// fn on a consistent read snapshot.
type Store interface {
	Update(ctx context.Context, fn func(Tx) error) error
	View(ctx context.Context, fn func(ReadTx) error) error
	Close() error
}

// StoredAnswer is the first answer given to a terminal message, kept under its
// idempotency key (device, serial) so that a replay gets it again byte for byte.
type StoredAnswer struct {
	DeviceID    string
	Serial      int64
	Kind        string
	RequestHash []byte
	Answer      []byte
	ReceivedAt  time.Time
}

// ReadTx is every question the use cases ask of the ledger.
type ReadTx interface {
	Device(id string) (Device, error)
	Devices() ([]Device, error)
	Cardholder(id int64) (Cardholder, error)
	Card(cardNo string) (Card, error)
	Operator(id int64) (Operator, error)
	OperatorByNo(opNo string) (Operator, error)
	Operators() ([]Operator, error)
	BindingByCard(cardNo string) (Binding, error)
	BindingByOperator(operatorID int64) (Binding, error)
	// Bindings lists every authorization card binding with the card's status.
	Bindings() ([]BindingRow, error)
	CurrentAuthorization(deviceID string) (Authorization, error)
	Staff(username string) (Staff, error)
	// StaffSession: the session kept under a token's hash.
	StaffSession(tokenHash string) (StaffSession, error)
	StaffCount() (int64, error)
	// AllStaff lists every desk account by user name.
	AllStaff() ([]Staff, error)

	TerminalAnswer(deviceID string, serial int64) (StoredAnswer, error)
	// LastSerial: the highest serial kept under the device's idempotency keys (0 if none).
	LastSerial(deviceID string) (int64, error)
	Recharge(id int64) (Recharge, error)
	RechargeByKey(deviceID string, serial int64) (Recharge, error)
	// RechargesAwaitingDesk: booked recharges of a card whose write is pending or
	// cancel_reported (the use case applies the write-unknown timeout).
	RechargesAwaitingDesk(cardNo string) ([]Recharge, error)
	// OperatorDayBooked: the operator's booked, not reversed amount on a settlement day.
	OperatorDayBooked(operatorID int64, day string) (Fen, error)
	Reversal(id int64) (Reversal, error)
	// ReversalByKey: the reversal kept under its own key (device, serial).
	ReversalByKey(deviceID string, serial int64) (Reversal, error)
	// ReversalsNaming: every reversal record that names (origDevice, origSerial).
	ReversalsNaming(origDeviceID string, origSerial int64) ([]Reversal, error)
	// DueReversals: pending reversals with apply_after ≤ now, in (apply_after, arrival) order.
	DueReversals(now time.Time, limit int) ([]Reversal, error)
	PendingReversals() (int64, error)
	Cancel(id int64) (Cancel, error)
	Repair(id int64) (Repair, error)
	RepairByRecharge(rechargeID int64) (Repair, error)
	// RepairsOfCard lists the finished repairs of a card's recharges, newest first.
	RepairsOfCard(cardNo string) ([]Repair, error)

	// Summary of an authorization session: booked recharges and processed reversals.
	AuthorizationTotals(authorizationID int64) (recharges, reversals Totals, err error)
	// Day totals of an operator on one device.
	OperatorDeviceDayTotals(operatorID int64, deviceID string, day string) (recharges, reversals Totals, err error)

	// LiveReport computes the report from raw rows for days in [from, to].
	LiveReport(from, to string) ([]ReportRow, error)
	// SettledReport reads the frozen rows of settled days in [from, to].
	SettledReport(from, to string) ([]ReportRow, error)
	IsSettled(day string) (bool, error)
	// LastSettledDay: the latest settled day (ok false if none). Days are settled in order,
	// so every day up to it is closed, whether it had anything to settle or not.
	LastSettledDay() (day string, ok bool, err error)
	// SettledDays lists settled days in [from, to].
	SettledDays(from, to string) ([]string, error)
	// FirstUnsettledDay: the earliest settlement day with a recharge and no settlement.
	FirstUnsettledDay() (day string, ok bool, err error)
	// PendingReversalsForDay counts pending reversals whose original is booked on day.
	PendingReversalsForDay(day string) (int64, error)

	// LateReversalTotals: late reversals of the operator's recharges on the device that count
	// on day ("" = any) and were processed at or after since (zero = any).
	LateReversalTotals(operatorID int64, deviceID, day string, since time.Time) (Totals, error)

	// CancelsNaming: every cancel record that names (device, origSerial).
	CancelsNaming(deviceID string, origSerial int64) ([]Cancel, error)
	// CardMemory: how far the card got through this system (ErrNoRow if never).
	CardMemory(cardNo string) (CardMemory, error)
	// CardReads: the desk's reads of the card, newest first.
	CardReads(cardNo string, limit int) ([]CardRead, error)
	// DeviceContact: the last message kept from the device.
	DeviceContact(deviceID string) (DeviceContact, error)
	// JournalEndCovering: a journal end of the device at or above serial (ErrNoRow if none).
	JournalEndCovering(deviceID string, serial int64) (JournalEnd, error)
	JournalEnds(deviceID string) ([]JournalEnd, error)
	// OpenCases: stored cases with no decision yet, oldest first.
	OpenCases() ([]ExceptionCase, error)
	// CasesOfCard: stored cases about the card, decided or not.
	CasesOfCard(cardNo string) ([]ExceptionCase, error)
	Case(kind CaseKind, subject string) (ExceptionCase, error)
	// DecisionOf: the decision taken on a case key (ErrNoRow if none).
	DecisionOf(caseKey string) (Decision, error)
	// DecisionsOfRecharge: every decision that names the recharge, oldest first.
	DecisionsOfRecharge(rechargeID int64) ([]Decision, error)
	// ApprovalOf: the approved write of a recharge (ErrNoRow if none).
	ApprovalOf(rechargeID int64) (Decision, error)
	// PendingApprovals: approved writes whose recharge is still booked and unwritten.
	PendingApprovals() ([]Decision, error)
	// PendingRechargesBookedBefore: booked recharges still pending, booked before t.
	PendingRechargesBookedBefore(t time.Time, limit int) ([]Recharge, error)
	// OpenRepairIntents: repairs still intents, oldest first.
	OpenRepairIntents(limit int) ([]Repair, error)

	Audit(limit int) ([]AuditEntry, error)
	// AuditExists reports whether an entry with this action and subject was written.
	AuditExists(action, subject string) (bool, error)
	// AuditFiltered: newest first, by actor and action ("" = any).
	AuditFiltered(actor, action string, limit int) ([]AuditEntry, error)
}

// Tx is a write transaction: everything ReadTx can ask, and the changes.
type Tx interface {
	ReadTx

	InsertTerminalAnswer(a StoredAnswer) error

	InsertCardholder(h Cardholder) (int64, error)
	InsertCard(c Card) error
	SetCardStatus(cardNo string, s CardStatus) error
	InsertDevice(d Device) error
	UpdateDevice(d Device) error
	SetDeviceSecret(id string, secret []byte) error
	InsertOperator(o Operator) (int64, error)
	UpdateOperator(o Operator) error
	SetWrongPINs(operatorID int64, n int) error
	InsertBinding(b Binding) error
	DeleteBinding(operatorID int64) error
	InsertStaff(s Staff) error
	UpdateStaff(s Staff) error
	InsertStaffSession(s StaffSession) error
	TouchStaffSession(tokenHash string, at time.Time) error
	EndStaffSession(tokenHash string, at time.Time) error
	// SetStaffLock records an account's wrong passwords in a row and when they locked it
	// (zero: not locked). UpdateStaff leaves both as they are.
	SetStaffLock(username string, wrongTries int, lockedAt time.Time) error

	// NextBatchNo takes the device's next batch number.
	NextBatchNo(deviceID string) (int64, error)
	EndAuthorization(id int64, at time.Time) error
	InsertAuthorization(a Authorization) (int64, error)

	InsertRecharge(r Recharge) (int64, error)
	// SetCardWrite moves a booked recharge's card write from one of from to to; it reports
	// false (and changes nothing) if the recharge is not in one of those states.
	SetCardWrite(rechargeID int64, from []CardWrite, to CardWrite) (bool, error)
	// UnbookRecharge turns a booked, pending recharge into reversed by reversalID; false if
	// it was not booked and pending. day is the settlement day the reversal counts on.
	UnbookRecharge(rechargeID, reversalID int64, day string) (bool, error)
	// NoteConfirmed records when the POS first confirmed the recharge's write.
	NoteConfirmed(rechargeID int64, at time.Time) error
	LinkCancel(rechargeID, cancelID int64) error
	LinkRepair(rechargeID, repairID int64) error

	InsertReversal(r Reversal) (int64, error)
	FinishReversal(id int64, status ReversalStatus, reason Code, rechargeID int64, at time.Time) error
	InsertCancel(c Cancel) (int64, error)
	InsertRepair(r Repair) (int64, error)
	// FinishRepair moves an intent to state; false if it was no longer an intent.
	FinishRepair(id int64, state RepairState, balanceAfter Fen, counterAfter int64, at time.Time) (bool, error)

	InsertSettlement(day string, at time.Time, by string, rows []ReportRow) error

	// PutCardMemory moves the card's memory forward to m; false (and nothing changed) if the
	// ledger already knows the card at m.Counter or further.
	PutCardMemory(m CardMemory) (bool, error)
	InsertCardRead(r CardRead) (int64, error)
	InsertJournalEnd(e JournalEnd) (int64, error)
	// OpenCase records c unless a case of its kind and subject exists; it returns the id of
	// the case either way, and whether this call opened it.
	OpenCase(c ExceptionCase) (int64, bool, error)
	// InsertDecision records a decision; a second one on the same case key is refused
	// (ErrDuplicate).
	InsertDecision(d Decision) (int64, error)
	AppendAudit(e AuditEntry) error
}
