package app_test

import (
	"testing"

	"cardcenter/app"
)

// The card status table is the one home of rule 10: every status in it has a name in both
// languages, and a refusal the catalogue knows exactly when a use is refused. The database
// takes its statuses from this table at every open (store/cardstatuses_test.go), so a new
// status is a line here and, for a refusal of its own, a code in errors.go.
func TestCardStatusTableIsWhole(t *testing.T) {
	seen := map[app.CardStatus]bool{}
	for _, r := range app.CardStatuses {
		if seen[r.Status] || !r.Status.Valid() {
			t.Errorf("status %s is listed twice or is not valid", r.Status)
		}
		seen[r.Status] = true
		if r.ZH == "" || r.EN == "" {
			t.Errorf("status %s has no name in both languages", r.Status)
		}
		if (r.Refusal == "") != (r.MayAuthorize && r.MayRecharge && r.MayRepair) {
			t.Errorf("status %s: a refusal is needed exactly when a use is refused: %+v", r.Status, r)
		}
		if r.Refusal != "" && app.E(r.Refusal, "").ZH == "未知错误" {
			t.Errorf("status %s refuses with %s, which the catalogue does not know", r.Status, r.Refusal)
		}
	}
	if !seen[app.CardNormal] || len(seen) < 2 {
		t.Fatalf("the table lacks the usable status or any other: %v", seen)
	}
	if app.CardStatus("stolen").Valid() || app.CardStatus("stolen").Rule().MayRecharge {
		t.Fatal("an unknown status may be used")
	}
}
