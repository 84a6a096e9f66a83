package views

// The exceptions screen's constructor, for the external tests.
var NewExceptionsPage = newExceptionsPage
