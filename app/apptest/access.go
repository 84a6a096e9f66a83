package apptest

import "cardcenter/app"

// AccessWant is who may call each use case that takes an actor: the ledger's word, whatever
// a screen shows. Both the in-process test (app's TestAccess_EveryUseCaseAsEveryRole, over
// every such method of *app.Service) and the wire test (deskapi's
// TestEveryDeskCallAsEveryRole, over every method of app.Desk through the client) check
// against it, so a use case missing here fails them, and a new one must be placed before it
// can land. A nil entry: anyone logged in.
var AccessWant = map[string][]app.Role{
	// The repair desk.
	"CardQuestions": deskRoles, "ReadCard": deskRoles, "StartRepair": deskRoles, "CompleteRepair": deskRoles,
	"AwaitingDesk": deskRoles, "BeginRepair": deskRoles, "LookAtCard": deskRoles, "Repair": deskRoles,
	// The keys of the card on the desk's reader (app/cardkeys.go).
	"CardKeys": deskRoles,
	// What any staff member may read (no secret in any of it).
	"RepairOf": anyStaff, "ReceiptOf": anyStaff, "CardByNo": anyStaff, "Device": anyStaff, "Operators": anyStaff,
	// Finance: reports, settlement, exceptions.
	"Report": financeRoles, "IsSettled": financeRoles, "Settle": financeRoles, "Exceptions": financeRoles,
	"Decide": financeRoles, "DeviceJournalEnds": financeRoles, "DeviceLastSerial": financeRoles,
	// Administration.
	"Devices": adminRoles, "RegisterDevice": adminRoles, "UpdateDevice": adminRoles, "SetDeviceEnabled": adminRoles,
	"RotateDeviceSecret": adminRoles, "EndDeviceJournal": adminRoles, "CreateOperator": adminRoles,
	"UpdateOperator": adminRoles, "ResetPIN": adminRoles, "Bindings": adminRoles, "BindCard": adminRoles,
	"UnbindCard": adminRoles, "CardDetail": adminRoles, "SetCardStatus": adminRoles, "CreateStaff": adminRoles,
	"SetStaffEnabled": adminRoles, "IssueCard": adminRoles, "Audit": adminRoles, "AuditFiltered": adminRoles,
	// Anyone ends their own session, even one the ledger has ended already.
	"Logout":    nil,
	"StaffList": adminRoles, "ResetStaffPassword": adminRoles, "UnlockStaff": adminRoles, "SetStaffRole": adminRoles,
	// Everyone's own account.
	"ChangeOwnPassword": anyStaff,
}

// Roles are every role a desk account may have.
var Roles = []app.Role{app.RoleClerk, app.RoleSupervisor, app.RoleAdmin}

var (
	deskRoles    = []app.Role{app.RoleClerk, app.RoleAdmin}
	anyStaff     = Roles
	financeRoles = []app.Role{app.RoleSupervisor, app.RoleAdmin}
	adminRoles   = []app.Role{app.RoleAdmin}
)

// MayCall is whether role r may call use case m by AccessWant (a use case absent from it:
// false, and known false).
func MayCall(m string, r app.Role) (may, known bool) {
	want, ok := AccessWant[m]
	if !ok {
		return false, false
	}
	if want == nil {
		return true, true
	}
	for _, x := range want {
		if x == r {
			return true, true
		}
	}
	return false, true
}

// AuditsRefusals are the use cases whose every refusal is itself audited (a key request):
// refused, they add one audit row and change nothing else.
var AuditsRefusals = map[string]bool{"CardKeys": true}

// UnchangedBut is whether the ledger after a refused call of m is the ledger before it, but
// for the one audit row a use case in AuditsRefusals adds.
func UnchangedBut(m string, before, after Ledger) bool {
	if AuditsRefusals[m] {
		before.Audit++
	}
	return before == after
}
