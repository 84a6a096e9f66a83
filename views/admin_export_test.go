package views

// The admin screens' constructors, for the external tests.
var (
	NewBindingsPage  = newBindingsPage
	NewDevicesPage   = newDevicesPage
	NewOperatorsPage = newOperatorsPage
	NewCardsPage     = newCardsPage
	NewAuditPage     = newAuditPage
	NewStaffPage     = newStaffPage
)
