package pos

import (
	"fmt"
	"time"

	"cardcenter/app"
)

// Waiting is what the POS is waiting for while it repeats a queued record the host has not
// answered (rule 5: nothing else happens meanwhile), for its screen to say.
type Waiting struct {
	Kind       app.OfflineKind // reversal, cancel or confirm
	Serial     int64
	OrigSerial int64
	Reason     *app.Error // why the last try got no answer
	Attempts   int        // tries so far
	Since      time.Time  // the first try, on the POS clock
}

// Message is the line the POS shows, in "zh" or "en".
func (w Waiting) Message(lang string) string {
	reason := ""
	if w.Reason != nil {
		reason = w.Reason.Message(lang)
	}
	if lang == "en" {
		return fmt.Sprintf("waiting for the host: %s %d — %s (try %d)", kindName(w.Kind, true), w.Serial, reason, w.Attempts)
	}
	return fmt.Sprintf("等待主机应答: %s 流水 %d — %s (第 %d 次)", kindName(w.Kind, false), w.Serial, reason, w.Attempts)
}

// Progress says what the POS is waiting for now, if anything. It never waits for the
// operation in progress, so a screen can ask while one runs.
func (t *Terminal) Progress() (Waiting, bool) {
	t.pmu.Lock()
	defer t.pmu.Unlock()
	if t.waiting == nil {
		return Waiting{}, false
	}
	return *t.waiting, true
}

func (t *Terminal) setWaiting(w *Waiting) {
	t.pmu.Lock()
	t.waiting = w
	t.pmu.Unlock()
}
