package cards

import (
	"slices"
	"testing"

	"cardcenter/app"
)

// Every card status can be set from the cards screen, each by a key of its own: a status
// added to app.CardStatuses without a key here fails, as does a key for a status the
// program does not know.
func TestEveryCardStatusHasAKeyToSetIt(t *testing.T) {
	var keyed []app.CardStatus
	var keys []string
	for _, s := range setStatus {
		if !s.status.Valid() || s.zh == "" || s.en == "" {
			t.Errorf("setStatus has %q (%q/%q): not a status of app.CardStatuses, or unnamed", s.status, s.zh, s.en)
		}
		if slices.Contains(keyed, s.status) || slices.Contains(keys, s.key) || slices.Contains([]string{"/", "c", "enter"}, s.key) {
			t.Errorf("status %s or key %q is listed twice or taken", s.status, s.key)
		}
		keyed, keys = append(keyed, s.status), append(keys, s.key)
	}
	for _, r := range app.CardStatuses {
		if !slices.Contains(keyed, r.Status) {
			t.Errorf("status %s has no key on the cards screen", r.Status)
		}
	}
}
