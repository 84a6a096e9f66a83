package app_test

import (
	"testing"

	"cardcenter/store/pgtest"
)

// TestOnPostgres runs the rule tests and the ledger property test on PostgreSQL (every
// site on a fresh database of its own) in every `make test`, beside their runs on SQLite:
// the same use cases, the same assertions, the other engine. The property test runs fewer
// schedules here (CARDCENTER_PG_CHECKS, default 8): each one creates a database. The whole
// package runs on PostgreSQL with CARDCENTER_TEST_DB=postgres.
func TestOnPostgres(t *testing.T) {
	pgtest.Require(t)
	if pgtest.Selected() {
		t.Skip("the whole package already runs on PostgreSQL")
	}
	t.Setenv(pgtest.Env, "postgres")
	for name, test := range map[string]func(*testing.T){
		"Rule01":                              TestRule01_AuthorizeWithCardAndPIN,
		"Rule02":                              TestRule02_NoOfflineRecharge,
		"Rule03":                              TestRule03_ReTapHoldsOneRecharge,
		"Rule04":                              TestRule04_CancelStillBooks,
		"Rule05":                              TestRule05_ReversalRetriesAreOneRecord,
		"Rule06":                              TestRule06_BatchUploadOrderedIdempotentPartial,
		"Rule07":                              TestRule07_SummaryOnlineForCurrentOperatorOnThisPOS,
		"Rule08":                              TestRule08_RechargePOSIsModel0201,
		"Rule09":                              TestRule09_OperatorAttributes,
		"Rule10":                              TestRule10_OneCardPerOperatorOneOperatorPerCard,
		"Rule11":                              TestRule11_WholeYuanAndCeiling,
		"Rule12":                              TestRule12_DelayedReversal,
		"Rule13":                              TestRule13_CancelIsOnlyRecorded,
		"Rule14":                              TestRule14_SummaryCountsRechargesAndProcessedReversals,
		"Rule15":                              TestRule15_OperatorCashReport,
		"RechargeReplay":                      TestRecharge_CardStatusReplayConflictAndDeclines,
		"Rule10_LostAuthorizationCard":        TestRule10_LostAuthorizationCardEndsTheOpenSession,
		"Rule06_MalformedRecordKept":          TestRule06_MalformedUploadedRecordIsKept,
		"Regress_IntentBeforeReversalResumes": TestPropertyRegress_IntentBeforeReversalResumes,
		"Regress_VerdictTrustsTheLog":         TestPropertyRegress_VerdictTrustsTheLogOverACoincidence,
	} {
		t.Run(name, test)
	}
	t.Run("Property_MoneyInvariant", func(t *testing.T) {
		pgtest.FewerChecks(t)
		TestProperty_MoneyInvariant(t)
	})
}
