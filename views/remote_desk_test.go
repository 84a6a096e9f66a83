package views_test

import (
	"testing"

	"cardcenter/views/viewtest"
)

// The screens against a host: each test below runs again with its desks calling the ledger
// through the desk API (app/deskapi) across a loopback TLS socket, as cardcenter desk --host
// does, and must show the same screens (the in-process golden files) and leave the same
// ledger. CARDCENTER_VIEWTEST_REMOTE=1 go test ./views/... runs every screen test that way,
// and make test does so after the in-process run; these run both ways in every go test. A
// test that swaps the desk's actor mid-test takes it from viewtest.Desk.Actor, which logs in
// (on the host, or in process: either way a session and its audit entry of its own).
func TestRemoteDesk(t *testing.T) {
	// Administration by role, the whole desk from the login, the password dialog, a session the ledger ends.
	viewtest.RunRemote(t,
		TestAdmScreensGiveNonAdminsNoChangeKeys,
		TestLoginRefusesAWrongPasswordAndLetsTheRightOneIn,
		TestLogoutEndsTheSessionInTheLedger,
		TestDeskEveryScreen,
		TestChangeMyPasswordDialog,
		TestSessionEndedAsksForTheLoginAndKeepsTheScreens,
	)
}
