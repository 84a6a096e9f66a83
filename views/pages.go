package views

import (
	"cardcenter/app"
	"cardcenter/views/common"
)

var (
	clerks      = []app.Role{app.RoleClerk, app.RoleAdmin}
	supervisors = []app.Role{app.RoleSupervisor, app.RoleAdmin}
	admins      = []app.Role{app.RoleAdmin}
)

// Pages is every screen of the desk, in tab order, with the roles that see it: clerks
// repair, supervisors read reports, admins do everything.
func Pages() []common.PageSpec {
	return []common.PageSpec{
		{Roles: clerks, New: NewRepairPage},
		{Roles: supervisors, New: NewReportsPage},
		{Roles: supervisors, New: NewExceptionsPage},
		{Roles: admins, New: NewBindingsPage},
		{Roles: admins, New: NewDevicesPage},
		{Roles: admins, New: NewOperatorsPage},
		{Roles: admins, New: NewCardsPage},
		{Roles: admins, New: NewStaffPage},
		{Roles: admins, New: NewAuditPage},
	}
}
