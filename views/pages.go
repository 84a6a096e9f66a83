package views

import "cardcenter/app"

var (
	clerks      = []app.Role{app.RoleClerk, app.RoleAdmin}
	supervisors = []app.Role{app.RoleSupervisor, app.RoleAdmin}
	admins      = []app.Role{app.RoleAdmin}
)

// Pages is every screen of the desk, in tab order, with the roles that see it: clerks
// repair, supervisors read reports, admins do everything.
func Pages() []PageSpec {
	return []PageSpec{
		{Roles: clerks, New: newRepairPage},
		{Roles: supervisors, New: newReportsPage},
		{Roles: supervisors, New: newExceptionsPage},
		{Roles: admins, New: newBindingsPage},
		{Roles: admins, New: newDevicesPage},
		{Roles: admins, New: newOperatorsPage},
		{Roles: admins, New: newCardsPage},
		{Roles: admins, New: newStaffPage},
		{Roles: admins, New: newAuditPage},
	}
}
