package views

// The reports screen's constructor, for the external tests.
var NewReportsPage = newReportsPage
