package app_test

import (
	"regexp"
	"slices"
	"testing"

	"cardcenter/app"
	"cardcenter/store"
)

// The card status table is the one home of rule 10: every status the schema allows is in
// it with a name in both languages and a refusal unless it is usable, and every status in
// it is one the schema allows. A new status that is only half added fails here.
func TestCardStatusTableMatchesTheSchema(t *testing.T) {
	m := regexp.MustCompile(`status\s+TEXT NOT NULL CHECK \(status IN \(([^)]*)\)\)`).FindStringSubmatch(store.Schema())
	if m == nil {
		t.Fatal("the schema has no CHECK of cards.status")
	}
	var schema []app.CardStatus
	for _, q := range regexp.MustCompile(`'([a-z_]+)'`).FindAllStringSubmatch(m[1], -1) {
		schema = append(schema, app.CardStatus(q[1]))
	}
	var table []app.CardStatus
	for _, r := range app.CardStatuses {
		table = append(table, r.Status)
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
	slices.Sort(schema)
	slices.Sort(table)
	if !slices.Equal(schema, table) {
		t.Fatalf("the schema allows %v, the table has %v", schema, table)
	}
	if app.CardStatus("stolen").Valid() || app.CardStatus("stolen").Rule().MayRecharge {
		t.Fatal("an unknown status may be used")
	}
}
