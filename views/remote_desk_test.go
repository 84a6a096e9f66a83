package views_test

import (
	"testing"

	"cardcenter/views/viewtest"
)

// The screens against a host: each test below runs again with its desks calling the ledger
// through the desk API (app/deskapi) across a loopback TLS socket, as cardcenter desk --host
// does, and must show the same screens (the in-process golden files) and leave the same
// ledger. CARDCENTER_VIEWTEST_REMOTE=1 go test ./views/ runs every screen test that way; the
// tests it fails are those that act through the desk as an actor without a session
// (app.SystemActor, or an actor swapped in mid-test), which a host refuses by design.
func TestRemoteDesk(t *testing.T) {
	for _, test := range []func(*testing.T){
		// The repair desk: one write, then already repaired; refusals; a lost answer.
		TestRepairScreens,
		TestRepairFlowWritesOnceAndTheNextTapShowsItRepaired,
		TestRepairConfirmDefaultsToNo,
		TestRepairCardTakenAwayMidWrite,
		TestRepairRefusesLostCardsAndCannotTell,
		TestRepairCompletionLostAfterTheWrite,
		TestRepairTabByRole,
		// Reports and their roles.
		TestReportsScreens,
		TestReportsRoles,
		TestReportsLateReversalsAndAdjustments,
		TestReportFailureThenReload,
		// Administration by role, and the whole desk from the login.
		TestAdmScreensGiveNonAdminsNoChangeKeys,
		TestAdmAuditRefusedToANonAdmin,
		TestAdmRegisterAndDisableADevice,
		TestLoginRefusesAWrongPasswordAndLetsTheRightOneIn,
		TestLogoutEndsTheSession,
		TestDeskEveryScreen,
		TestDeskSupervisorApprovesAndAClerkWrites,
	} {
		viewtest.RunRemote(t, test)
	}
}
