package pos

import (
	"context"
	"fmt"

	"cardcenter/app"
)

// MaxWatched bounds the acknowledged reversals a POS keeps asking about, and MaxNotices
// what it keeps to show: a POS that cannot reach the host for days must not grow its
// journal without end. The oldest go first (and are logged).
const (
	MaxWatched = app.MaxOutcomeSerials
	MaxNotices = 64
)

// kindConfirm names a confirm in notices and in what the POS waits for; confirms are not
// offline records, but the operator is told about them the same way.
const kindConfirm app.OfflineKind = "confirm"

// Watched is an acknowledged reversal whose final outcome the POS has not learned yet.
type Watched struct {
	Serial     int64   `json:"serial"`
	OrigSerial int64   `json:"orig_serial"`
	CardNo     string  `json:"card_no"`
	Amount     app.Fen `json:"amount"`
}

// Notice is something the operator must be told once: how a reversal ended, or that the
// host refused a queued record for its content (so it left the queue unrecorded).
type Notice struct {
	Kind       app.OfflineKind `json:"kind"` // reversal, cancel or confirm
	Serial     int64           `json:"serial"`
	OrigSerial int64           `json:"orig_serial"`
	CardNo     string          `json:"card_no"`
	Amount     app.Fen         `json:"amount"`
	// Outcome is a reversal's final status (applied, tombstone, conflict, exception,
	// not_found), or "refused" for a record the host refused.
	Outcome string   `json:"outcome"`
	Code    app.Code `json:"code,omitempty"`
	ZH      string   `json:"zh,omitempty"`
	EN      string   `json:"en,omitempty"`
	// Alarm: a reversal that did not take the recharge back. The recharge may still be
	// booked under the operator; the cash is not to be refunded, and the card center
	// decides.
	Alarm bool `json:"alarm,omitempty"`
	// Late: applied after the recharge's day was settled; the cash it gave back counts on
	// Day.
	Late bool   `json:"late,omitempty"`
	Day  string `json:"day,omitempty"`
}

// Outcome of a record refused by the host.
const outcomeRefused = "refused"

func reversalAlarm(outcome string) bool {
	return outcome != string(app.RevApplied) && outcome != string(app.RevTombstone)
}

// Message is the notice in the operator's language ("zh" or "en"): what happened first,
// then which recharge and why.
func (n Notice) Message(lang string) string {
	en := lang == "en"
	amount := app.FormatYuan(n.Amount)
	zhWhy, enWhy := "", ""
	if n.Code != "" {
		zh, e := n.ZH, n.EN
		if zh == "" {
			m := app.E(n.Code, "")
			zh, e = m.ZH, m.EN
		}
		zhWhy, enWhy = ";原因:"+zh, "; reason: "+e
	}
	say := func(zh, e string) string {
		if en {
			return fmt.Sprintf("%s (recharge %d, card %s, %s yuan%s)", e, n.OrigSerial, n.CardNo, amount, enWhy)
		}
		return fmt.Sprintf("%s(原充值 流水 %d,卡号 %s,%s 元%s)", zh, n.OrigSerial, n.CardNo, amount, zhWhy)
	}
	switch {
	case n.Kind == app.OfflineReversal && n.Alarm:
		return say(fmt.Sprintf("冲正 流水 %d 未能冲正,已转卡务中心异常处理,请勿退还现金", n.Serial),
			fmt.Sprintf("reversal %d did not reverse the recharge; passed to the card center as an exception: do not refund the cash", n.Serial))
	case n.Kind == app.OfflineReversal && n.Outcome == string(app.RevTombstone):
		return say(fmt.Sprintf("冲正 流水 %d 已完成:主机未记账原充值", n.Serial),
			fmt.Sprintf("reversal %d done: the host never booked the recharge", n.Serial))
	case n.Kind == app.OfflineReversal && n.Late:
		return say(fmt.Sprintf("冲正 流水 %d 已完成:原充值已冲正(迟到冲正,计入 %s)", n.Serial, n.Day),
			fmt.Sprintf("reversal %d done: the recharge is reversed (a late reversal, counted on %s)", n.Serial, n.Day))
	case n.Kind == app.OfflineReversal:
		return say(fmt.Sprintf("冲正 流水 %d 已完成:原充值已冲正", n.Serial),
			fmt.Sprintf("reversal %d done: the recharge is reversed", n.Serial))
	}
	return say(fmt.Sprintf("%s 流水 %d 被主机拒绝,未记录", kindName(n.Kind, false), n.Serial),
		fmt.Sprintf("%s %d refused by the host, not recorded", kindName(n.Kind, true), n.Serial))
}

func kindName(k app.OfflineKind, en bool) string {
	names := map[app.OfflineKind][2]string{
		app.OfflineReversal: {"冲正", "reversal"},
		app.OfflineCancel:   {"撤销", "cancel record"},
		kindConfirm:         {"写卡确认", "confirm"},
	}
	n, ok := names[k]
	if !ok {
		return string(k)
	}
	if en {
		return n[1]
	}
	return n[0]
}

// watch remembers an acknowledged reversal; its status at the acknowledgement may already
// be final (set aside on arrival), and then the operator is told at once.
func (t *Terminal) watch(rec app.OfflineRecord, status app.ReversalStatus, reason app.Code) {
	if status != app.RevPending && status != "" {
		t.notify(Notice{Kind: app.OfflineReversal, Serial: rec.Serial, OrigSerial: rec.OrigSerial, CardNo: rec.CardNo,
			Amount: rec.Amount, Outcome: string(status), Code: reason, Alarm: reversalAlarm(string(status))})
		return
	}
	if len(t.st.Watched) >= MaxWatched {
		t.Log.Warn("reversal outcomes: too many to watch, forgetting the oldest", "serial", t.st.Watched[0].Serial)
		t.st.Watched = t.st.Watched[1:]
	}
	t.st.Watched = append(t.st.Watched, Watched{Serial: rec.Serial, OrigSerial: rec.OrigSerial, CardNo: rec.CardNo, Amount: rec.Amount})
}

func (t *Terminal) notify(n Notice) {
	if len(t.st.Notices) >= MaxNotices {
		// The oldest that is not an alarm goes: an alarm is about cash in the drawer.
		i := 0
		for j, old := range t.st.Notices {
			if !old.Alarm {
				i = j
				break
			}
		}
		t.Log.Warn("notices: too many unshown, dropping one", "notice", t.st.Notices[i].Message("en"))
		t.st.Notices = append(t.st.Notices[:i:i], t.st.Notices[i+1:]...)
	}
	t.Log.Info("notice", "kind", n.Kind, "serial", n.Serial, "outcome", n.Outcome, "code", n.Code, "alarm", n.Alarm)
	t.st.Notices = append(t.st.Notices, n)
}

// CheckOutcomes asks the host what became of the acknowledged reversals not final yet, and
// turns each final one into a notice. Best effort: with no answer they stay watched. It
// holds the terminal only to read and to record, never across the network, so an idle
// screen may call it at any time.
func (t *Terminal) CheckOutcomes(ctx context.Context) error {
	t.mu.Lock()
	serials := t.watchedSerials()
	t.mu.Unlock()
	if len(serials) == 0 {
		return nil
	}
	res, err := t.host.ReversalOutcomes(ctx, serials)
	if err != nil {
		return fmt.Errorf("ask reversal outcomes: %w", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.learnOutcomes(res)
}

// checkOutcomes is CheckOutcomes for a caller that holds the terminal (after a drain).
func (t *Terminal) checkOutcomes(ctx context.Context) {
	serials := t.watchedSerials()
	if len(serials) == 0 {
		return
	}
	res, err := t.host.ReversalOutcomes(ctx, serials)
	if err == nil {
		err = t.learnOutcomes(res)
	}
	if err != nil {
		t.Log.Info("reversal outcomes: asking again later", "err", err)
	}
}

func (t *Terminal) watchedSerials() []int64 {
	serials := make([]int64, 0, len(t.st.Watched))
	for _, w := range t.st.Watched {
		serials = append(serials, w.Serial)
	}
	return serials
}

func (t *Terminal) learnOutcomes(res app.ReversalOutcomesResult) error {
	final := map[int64]app.ReversalOutcome{}
	for _, it := range res.Items {
		if it.Final {
			final[it.Serial] = it
		}
	}
	kept := t.st.Watched[:0:0]
	for _, w := range t.st.Watched {
		it, ok := final[w.Serial]
		if !ok {
			kept = append(kept, w)
			continue
		}
		t.notify(Notice{Kind: app.OfflineReversal, Serial: w.Serial, OrigSerial: w.OrigSerial, CardNo: w.CardNo, Amount: w.Amount,
			Outcome: string(it.Status), Code: it.Reason, Alarm: reversalAlarm(string(it.Status)), Late: it.Late, Day: it.Day})
	}
	if len(kept) == len(t.st.Watched) {
		return nil
	}
	t.st.Watched = kept
	return t.save()
}

// Notices returns what the operator has not been shown yet, oldest first.
func (t *Terminal) Notices() []Notice {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Notice(nil), t.st.Notices...)
}

// DismissNotices forgets the notices of these serials: the operator has seen them.
func (t *Terminal) DismissNotices(serials []int64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	gone := map[int64]bool{}
	for _, s := range serials {
		gone[s] = true
	}
	kept := t.st.Notices[:0:0]
	for _, n := range t.st.Notices {
		if !gone[n.Serial] {
			kept = append(kept, n)
		}
	}
	if len(kept) == len(t.st.Notices) {
		return nil
	}
	t.st.Notices = kept
	return t.save()
}
