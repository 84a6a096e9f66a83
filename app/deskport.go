package app

import "context"

// Desk is everything a desk's screens ask of the ledger. *Service is the desk in process (a
// single-PC site); a host client is the same Desk across the network. The card itself is read
// and written on the desk's side (LookAtCard, RepairCard in deskflow.go): the ledger only
// ever sees CardFacts. Every method but the login ones checks its actor against the stored
// staff record (allow), whatever the screen showed.
type Desk interface {
	Settings() Settings
	Today() string
	Clock() Clock

	NeedsFirstAdmin(ctx context.Context) (bool, error)
	CreateFirstAdmin(ctx context.Context, username, display, password string) (Actor, error)
	Login(ctx context.Context, username, password string) (Actor, error)
	Logout(ctx context.Context, actor Actor) error

	// Every logged-in person, whatever the role.
	ChangeOwnPassword(ctx context.Context, actor Actor, oldPassword, newPassword string) error

	// The repair desk (clerks).
	CardQuestions(ctx context.Context, actor Actor, cardNo string) ([]CardQuestion, error)
	ReadCard(ctx context.Context, actor Actor, c CardFacts) (DeskCard, error)
	StartRepair(ctx context.Context, actor Actor, rechargeID int64, c CardFacts) (RepairStart, error)
	CompleteRepair(ctx context.Context, actor Actor, repairID int64, outcome RepairState, after CardSnapshot) (Repair, error)
	AwaitingDesk(ctx context.Context, actor Actor, cardNo string) ([]DeskItem, error)
	RepairOf(ctx context.Context, actor Actor, rechargeID int64) (Repair, error)
	ReceiptOf(ctx context.Context, actor Actor, rechargeID int64) (Receipt, error)
	// CardKeys: the keys of the card on the desk's reader, from the host (cardkeys.go).
	CardKeys(ctx context.Context, actor Actor, req CardKeyRequest) (CardSectorKeys, error)

	// Reports, settlement and exceptions (supervisors).
	Report(ctx context.Context, actor Actor, from, to string) (Report, error)
	IsSettled(ctx context.Context, actor Actor, day string) (bool, error)
	Settle(ctx context.Context, actor Actor) (SettleResult, error)
	Exceptions(ctx context.Context, actor Actor) ([]CaseView, error)
	Decide(ctx context.Context, actor Actor, in DecisionInput) (Decision, error)
	Operators(ctx context.Context, actor Actor) ([]OperatorInfo, error)

	// Administration (admins).
	Devices(ctx context.Context, actor Actor) ([]DeviceInfo, error)
	Device(ctx context.Context, actor Actor, id string) (DeviceInfo, error)
	RegisterDevice(ctx context.Context, actor Actor, in DeviceInput) (DeviceInfo, []byte, error)
	UpdateDevice(ctx context.Context, actor Actor, in DeviceInput) error
	SetDeviceEnabled(ctx context.Context, actor Actor, id string, enabled bool) error
	RotateDeviceSecret(ctx context.Context, actor Actor, id string) ([]byte, error)
	DeviceJournalEnds(ctx context.Context, actor Actor, deviceID string) ([]JournalEnd, error)
	DeviceLastSerial(ctx context.Context, actor Actor, deviceID string) (int64, error)
	EndDeviceJournal(ctx context.Context, actor Actor, deviceID string, kind JournalEndKind, note string) (JournalEnd, error)
	CreateOperator(ctx context.Context, actor Actor, in OperatorInput) (OperatorInfo, error)
	UpdateOperator(ctx context.Context, actor Actor, in OperatorInput) error
	ResetPIN(ctx context.Context, actor Actor, operatorID int64, pin string) error
	Bindings(ctx context.Context, actor Actor) ([]OperatorCard, error)
	BindCard(ctx context.Context, actor Actor, operatorID int64, cardNo string) error
	UnbindCard(ctx context.Context, actor Actor, operatorID int64) error
	CardByNo(ctx context.Context, actor Actor, cardNo string) (Card, error)
	CardDetail(ctx context.Context, actor Actor, cardNo string) (CardDetail, error)
	SetCardStatus(ctx context.Context, actor Actor, cardNo string, st CardStatus) error
	CreateStaff(ctx context.Context, actor Actor, username, display string, role Role, password string) error
	StaffList(ctx context.Context, actor Actor) ([]StaffInfo, error)
	SetStaffEnabled(ctx context.Context, actor Actor, username string, enabled bool) error
	SetStaffRole(ctx context.Context, actor Actor, username string, role Role) error
	ResetStaffPassword(ctx context.Context, actor Actor, username, newPassword string) error
	UnlockStaff(ctx context.Context, actor Actor, username string) error
	Audit(ctx context.Context, actor Actor, limit int) ([]AuditEntry, error)
	AuditFiltered(ctx context.Context, actor Actor, user, action string, limit int) ([]AuditEntry, error)
}

var _ Desk = (*Service)(nil)
