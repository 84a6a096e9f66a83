package views

import (
	"cardcenter/app"
	"cardcenter/views/common"
	"cardcenter/views/pages/audit"
	"cardcenter/views/pages/bindings"
	"cardcenter/views/pages/cards"
	"cardcenter/views/pages/devices"
	"cardcenter/views/pages/exceptions"
	"cardcenter/views/pages/operators"
	"cardcenter/views/pages/repair"
	"cardcenter/views/pages/reports"
	"cardcenter/views/pages/staff"
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
		{Roles: clerks, New: repair.New},
		{Roles: supervisors, New: reports.New},
		{Roles: supervisors, New: exceptions.New},
		{Roles: admins, New: bindings.New},
		{Roles: admins, New: devices.New},
		{Roles: admins, New: operators.New},
		{Roles: admins, New: cards.New},
		{Roles: admins, New: staff.New},
		{Roles: admins, New: audit.New},
	}
}
