package pos_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/pos"
)

// What the schedules' operators were told, recharge by recharge: the oracle of "the cash
// each POS told its operator to hold", built only from what the POS said.

type rechargeKey struct {
	device string
	serial int64
}

type toldState int

const (
	toldHold    toldState = iota // 充值成功, 请重刷卡 (and then re-tap or Cancel: the cash stays), or a reversal alarm
	toldReturn                   // 充值超时,已自动冲正, or a reversal that ended well
	toldUnknown                  // 充值超时 with the reversal not yet acknowledged: wait
	toldLost                     // unknown when the POS's journal was lost: only the ledger can say
)

type toldCash struct {
	op, day string // the POS's operator and the host's settlement day when it was said
	amount  app.Fen
	state   toldState
	alarm   bool // the hold came from a reversal alarm
}

// recharge is the operator keying a recharge, and hearing the POS's answer.
func (w *schedule) recharge(p *schedPOS_, yuan int64) {
	st := p.term.State()
	op := ""
	if st.Session != nil {
		op = st.Session.OperatorNo
	}
	day := w.site.Cfg.SettleDay(w.site.Clock.Now())
	out, err := p.term.Recharge(context.Background(), yuan)
	tell := func(s toldState) {
		if out.Serial == 0 {
			w.rt.Fatalf("%s: the POS said %v without naming the recharge", p.id, err)
		}
		w.told[rechargeKey{p.id, out.Serial}] = &toldCash{op: op, day: day, amount: out.Amount, state: s}
	}
	switch {
	case err == nil, errors.Is(err, pos.CodeRetap):
		tell(toldHold)
	case errors.Is(err, pos.CodeTimeoutPending):
		tell(toldUnknown)
		w.n.Unknown++
	case errors.Is(err, pos.CodeTimeout):
		tell(toldReturn)
	}
}

// hearNotices is each operator reading what their POS shows about earlier reversals; an
// alarm means "do not refund the cash", any other outcome that the reversal took it back.
func (w *schedule) hearNotices() {
	for _, p := range w.pos {
		var seen []int64
		for _, n := range p.term.Notices() {
			seen = append(seen, n.Serial)
			if n.Kind != app.OfflineReversal {
				continue
			}
			w.n.Notices++
			c := w.told[rechargeKey{p.id, n.OrigSerial}]
			if c == nil {
				w.rt.Fatalf("%s tells about reversal %d of recharge %d, which no operator keyed", p.id, n.Serial, n.OrigSerial)
			}
			c.state, c.alarm = toldReturn, n.Alarm
			if n.Alarm {
				c.state = toldHold
				w.n.Alarms++
			}
		}
		if err := p.term.DismissNotices(seen); err != nil {
			w.rt.Fatalf("%s dismiss: %v", p.id, err)
		}
	}
}

// lostJournal: what the POS had not yet told stays untold for ever.
func (w *schedule) lostJournal(device string) {
	for k, c := range w.told {
		if k.device == device && c.state == toldUnknown {
			c.state = toldLost
		}
	}
}

// checkToldCashEqualsReport: for every operator and day, the cash the POS told its
// operator to hold equals the report's POS现金充值. A recharge the POS never settled
// because its journal was lost counts as the ledger has it (booked: the operator holds the
// cash and the desk writes the card); a recharge the POS settled is counted as it said.
func (w *schedule) checkToldCashEqualsReport() {
	told := map[[2]string]app.Fen{}
	for k, c := range w.told {
		switch c.state {
		case toldUnknown:
			w.rt.Fatalf("%s never told its operator what became of recharge %d", k.device, k.serial)
		case toldHold, toldLost:
			day, op := c.day, c.op
			if c.alarm || c.state == toldLost {
				// Booked on the day and under the operator the ledger says: an original
				// replayed late is booked on a later day, and only the ledger knows it.
				r, ok := w.site.RechargeByKey(k.device, k.serial)
				if !ok || r.Booking != app.Booked {
					if c.state == toldLost {
						continue
					}
					w.rt.Fatalf("%s raised an alarm for recharge %d, which the ledger does not hold as booked (%+v)", k.device, k.serial, r)
				}
				day, op = r.SettleDay, w.opNo(r.OperatorID)
			}
			told[[2]string{day, op}] += c.amount
		}
	}
	rep, err := w.site.Svc.Report(context.Background(), app.SystemActor, apptest.Start.Format(app.DayLayout), w.site.Svc.Today())
	if err != nil {
		w.rt.Fatalf("report: %v", err)
	}
	reported := map[[2]string]app.Fen{}
	for _, r := range rep.Rows {
		if r.Cash() != 0 {
			reported[[2]string{r.Day, r.OpNo}] += r.Cash()
		}
	}
	if !maps.Equal(told, reported) {
		keys := slices.Collect(maps.Keys(told))
		for k := range reported {
			keys = append(keys, k)
		}
		msg := ""
		for _, k := range keys {
			if told[k] != reported[k] {
				msg += fmt.Sprintf("\n  %s %s: told %d, report %d", k[0], k[1], told[k], reported[k])
			}
		}
		w.rt.Fatalf("cash told to operators ≠ the report:%s", msg)
	}
}

func (w *schedule) opNo(id int64) string {
	for _, o := range w.site.Ops {
		if o.ID == id {
			return o.OpNo
		}
	}
	w.rt.Fatalf("no operator %d", id)
	return ""
}
