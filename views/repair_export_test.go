package views

// The repair screen's constructor, for the external tests.
var NewRepairPage = newRepairPage
