package app_test

import (
	"testing"

	"cardcenter/app"
)

// Found by the money-invariant property (a seed of TestProperty_MoneyInvariant): a card is
// restored to the state before an earlier recharge of the same amount, and the desk writes
// recharge r onto it (a supervisor approved the write) and crashes before recording it. The
// credit lands on the older state and the card comes to rest exactly where r began, counter
// and balance alike; only its log shows r. The verdict must go by the log — "not written"
// there has the next desk write r a second time.
func TestVerdictGoesByTheLogBeforeACounterAndBalanceAsBefore(t *testing.T) {
	r := app.Recharge{DeviceID: "P2", Serial: 8, Amount: 50 * app.Yuan, BalanceBefore: 100 * app.Yuan, CounterBefore: 8}
	card := simDeskCard{no: "20000003", uid: "B2000003", balance: 100 * app.Yuan, counter: 8,
		log: []simLogEntry{{kind: entryRepair, ref: simKey{"P2", 8}, amount: 50 * app.Yuan, counter: 8}}}
	if v := app.VerdictFor(r, card); v.OnCard != app.AlreadyOnCard {
		t.Fatalf("verdict %q on a card whose log holds the recharge, want already on the card", v.EN)
	}
	// Without the entry the same counter and balance still prove it absent.
	card.log = nil
	if v := app.VerdictFor(r, card); v.OnCard != app.NotOnCard {
		t.Fatalf("verdict %q on a card as before the recharge, want not on the card", v.EN)
	}
}
