package app_test

import (
	"encoding/json"
	"errors"
	"sync"
	"time"

	"pgregory.net/rapid"

	"cardcenter/app"
	"cardcenter/app/apptest"
)

// simAction is one kind of generated step; weight is how often it is drawn when can holds.
type simAction struct {
	name   string
	weight int
	can    func(*simWorld) bool
	run    func(*simWorld)
}

var simActions = []simAction{
	{"recharge", 10, func(w *simWorld) bool { return len(w.posIDs(sessionPOS)) > 0 && len(w.freeCards(0)) > 0 }, (*simWorld).stepRecharge},
	{"re-tap", 3, func(w *simWorld) bool { return len(w.posIDs(retapPOS)) > 0 }, (*simWorld).stepRetap},
	{"cancel at 请重刷卡", 2, func(w *simWorld) bool { return len(w.posIDs(retapPOS)) > 0 }, (*simWorld).stepCancel},
	{"upload queued records", 5, func(w *simWorld) bool { return len(w.posIDs(queuePOS)) > 0 }, (*simWorld).stepUpload},
	{"authorize", 2, func(w *simWorld) bool { return len(w.posIDs(readyPOS)) > 0 }, (*simWorld).stepAuthorize},
	{"reboot POS", 1, func(*simWorld) bool { return true }, (*simWorld).stepReboot},
	{"network delivers a delayed message", 2, func(w *simWorld) bool { return len(w.delayed) > 0 }, (*simWorld).stepDeliverDelayed},
	{"network replays an earlier message", 2, func(w *simWorld) bool { return len(w.msgs) > 0 }, (*simWorld).stepReplay},
	{"advance clock", 4, func(*simWorld) bool { return true }, (*simWorld).stepAdvance},
	{"reversal worker", 2, func(*simWorld) bool { return true }, (*simWorld).stepWorker},
	{"desk repair", 3, func(w *simWorld) bool { return len(w.deskCards()) > 0 }, (*simWorld).stepDesk},
	{"desk repair by hand", 1, func(w *simWorld) bool { return len(w.deskCards()) > 0 }, (*simWorld).stepDeskByHand},
	{"host crash", 1, func(*simWorld) bool { return true }, (*simWorld).stepCrash},
	{"settle", 1, func(*simWorld) bool { return true }, (*simWorld).stepSettle},
	{"admin sets a card's status", 1, func(*simWorld) bool { return true }, (*simWorld).stepCardStatus},
	{"cardholder spends", 1, func(w *simWorld) bool { return len(w.freeCards(app.Yuan)) > 0 }, (*simWorld).stepSpend},
	{"cardholder copies the card", 1, func(w *simWorld) bool { return len(w.freeCards(0)) > 0 }, (*simWorld).stepCopyCard},
	{"card restored from a copy", 1, func(w *simWorld) bool { return len(w.copiedCards()) > 0 }, (*simWorld).stepRestoreCard},
	{"purse block damaged at rest", 1, func(w *simWorld) bool { return len(w.damageableCards()) > 0 }, (*simWorld).stepDamagePurse},
	{"POS replaced, its queue lost", 1, func(*simWorld) bool { return true }, (*simWorld).stepReplacePOS},
	{"supervisor decides a case", 2, func(*simWorld) bool { return true }, (*simWorld).stepSupervise},
}

// drawAction picks one of the actions that apply now.
func (w *simWorld) drawAction() simAction {
	var names []string
	byName := map[string]simAction{}
	for _, a := range simActions {
		if a.can(w) {
			byName[a.name] = a
			for range a.weight {
				names = append(names, a.name)
			}
		}
	}
	return byName[rapid.SampledFrom(names).Draw(w.rt, "action")]
}

var (
	// 150 fen and −1 yuan break rule 11 (a faulty POS); they sit inside the list because
	// rapid draws the ends of a range more often.
	simAmounts = []app.Fen{50 * app.Yuan, 20 * app.Yuan, 100 * app.Yuan, 10 * app.Yuan, 150, 50 * app.Yuan, 100 * app.Yuan,
		200 * app.Yuan, 300 * app.Yuan, -app.Yuan, 100 * app.Yuan, 200 * app.Yuan, 20 * app.Yuan, 50 * app.Yuan}
	simRechargeFates = []simFate{fateDeliver, fateDeliver, fateDeliver, fateDeliver, fateDuplicate, fateConcurrent,
		fateAnswerLost, fateAnswerLost, fateRequestLost, fateDelayed, fateDelayed}
	simAuthFates    = []simFate{fateDeliver, fateDeliver, fateDeliver, fateDeliver, fateDuplicate, fateAnswerLost, fateRequestLost, fateDelayed}
	simConfirmFates = []simFate{fateDeliver, fateDeliver, fateDeliver, fateDuplicate, fateAnswerLost, fateRequestLost, fateDelayed}
	simUploadFates  = []simFate{fateDeliver, fateDeliver, fateDuplicate, fateConcurrent, fateAnswerLost, fateRequestLost, fateDelayed}
	simBatchFates   = []simFate{fateDeliver, fateDeliver, fateAnswerLost, fateRequestLost}
	simWriteFates   = []simWriteFate{writeOK, writeOK, writeOK, writeTornLanded, writeTornLost}
)

func readyPOS(p *simPOS) bool   { return p.ready() }
func sessionPOS(p *simPOS) bool { return p.ready() && p.sess != nil }
func retapPOS(p *simPOS) bool   { return p.retap != nil }
func queuePOS(p *simPOS) bool   { return len(p.queue) > 0 }

func (w *simWorld) posIDs(pred func(*simPOS) bool) []string {
	var ids []string
	for _, p := range w.poss {
		if pred == nil || pred(p) {
			ids = append(ids, p.id)
		}
	}
	return ids
}

func (w *simWorld) drawPOS(pred func(*simPOS) bool) *simPOS {
	return w.pos(rapid.SampledFrom(w.posIDs(pred)).Draw(w.rt, "POS"))
}

// freeCards are the cards in their holders' pockets with at least minBalance on them.
func (w *simWorld) freeCards(minBalance app.Fen) []string {
	var out []string
	for _, c := range w.cards {
		if c.heldBy == "" && c.balance >= minBalance {
			out = append(out, c.no)
		}
	}
	return out
}

// deskCards are the free cards the desk has something to do for, from the last recount;
// stepDesk checks that the app agrees.
func (w *simWorld) deskCards() []string {
	var out []string
	for _, no := range w.freeCards(0) {
		for i := range w.last.recharges {
			if r := &w.last.recharges[i]; r.card == no && w.awaitsDesk(r) {
				out = append(out, no)
				break
			}
		}
	}
	return out
}

func (w *simWorld) awaitingDesk(no string) []app.DeskItem {
	items, err := w.site.Svc.AwaitingDesk(w.ctx, app.SystemActor, no)
	if err != nil {
		w.fatalf("awaiting desk %s: %v", no, err)
	}
	return items
}

// --- the POS (section 1 of the manual) ---

func (w *simWorld) stepAuthorize() {
	p := w.drawPOS(readyPOS)
	op := rapid.IntRange(0, len(w.site.Ops)-1).Draw(w.rt, "operator")
	fate := rapid.SampledFrom(simAuthFates).Draw(w.rt, "fate")
	k := p.nextKey()
	m := &simMsg{kind: simAuthorize, key: k, auth: app.AuthorizeRequest{DeviceID: p.id, Serial: k.serial,
		CardNo: apptest.AuthCard(op), PIN: apptest.PIN}}
	r, ok := w.send(m, fate)
	p.sess = nil
	if ok && r.OK {
		var res app.AuthorizeResult
		if err := json.Unmarshal([]byte(r.Body), &res); err != nil {
			w.fatalf("%s: %v", m, err)
		}
		p.sess = &simSession{op: op, batch: res.BatchNo, code: res.AuthCode}
	}
}

func (w *simWorld) stepRecharge() {
	p := w.drawPOS(sessionPOS)
	c := w.card(rapid.SampledFrom(w.freeCards(0)).Draw(w.rt, "card"))
	amount := rapid.SampledFrom(simAmounts).Draw(w.rt, "amount")
	fate := rapid.SampledFrom(simRechargeFates).Draw(w.rt, "fate")
	k := p.nextKey()
	req := app.RechargeRequest{DeviceID: p.id, Serial: k.serial, BatchNo: p.sess.batch, AuthCode: p.sess.code,
		CardNo: c.no, CardBalance: c.balance, CardCounter: c.counter, Amount: amount}
	m := &simMsg{kind: simRecharge, key: k, op: p.sess.op, recharge: req}
	r, ok := w.send(m, fate)
	if !ok {
		w.timeout(p, req)
		return
	}
	if !r.OK {
		if r.Code == app.CodeStaleSession || r.Code == app.CodeNotAuthorized {
			p.sess = nil // the operator must tap the authorization card again
		}
		return
	}
	w.told[k] = true
	wr := &simWrite{key: k, card: c.no, amount: amount, balBefore: c.balance, ctrBefore: c.counter}
	c.heldBy = p.id
	w.posWrite(p, c, wr, rapid.SampledFrom(simWriteFates).Draw(w.rt, "card write"))
}

// timeout is 充值超时: the POS queues a reversal and does nothing else until the host
// acknowledges it (rule 5).
func (w *simWorld) timeout(p *simPOS, req app.RechargeRequest) {
	k := p.nextKey()
	p.queue = append(p.queue, app.OfflineRecord{Kind: app.OfflineReversal, Serial: k.serial, OrigSerial: req.Serial,
		CardNo: req.CardNo, Amount: req.Amount})
	w.reversed[simKey{p.id, req.Serial}] = true
	w.told[simKey{p.id, req.Serial}] = false
	w.logf("%s: 充值超时, reversal %s queued", p.id, k)
}

// posWrite writes an approved recharge to the card. The card is on the reader, so it is
// exactly as the POS read it.
func (w *simWorld) posWrite(p *simPOS, c *simCard, wr *simWrite, fate simWriteFate) {
	if c.balance != wr.balBefore || c.counter != wr.ctrBefore {
		w.fatalf("simulation: card %s changed on the reader of %s", c.no, p.id)
	}
	w.logf("%s writes card %s for %s: %s", p.id, c.no, wr.key, fate)
	switch fate {
	case writeOK:
		w.credit(c, entryRecharge, wr.key, wr.amount, simPOSRef(wr.key))
		w.confirmWrite(p, wr)
	case writeTornLanded:
		w.credit(c, entryRecharge, wr.key, wr.amount, simPOSRef(wr.key))
		p.retap = wr
	case writeTornLost:
		c.tornBeforeCommit()
		p.retap = wr
	}
}

// confirmWrite tells the host the write landed. The POS sends it once and moves on: the
// card holds the money, and if the host never hears, the desk finds the credit on the card
// once the recharge shows as "write unknown".
func (w *simWorld) confirmWrite(p *simPOS, wr *simWrite) {
	k := p.nextKey()
	m := &simMsg{kind: simConfirm, key: k, confirm: app.ConfirmRequest{DeviceID: p.id, Serial: k.serial,
		OrigSerial: wr.key.serial, CardNo: wr.card, Amount: wr.amount}}
	w.send(m, rapid.SampledFrom(simConfirmFates).Draw(w.rt, "confirm fate"))
	w.card(wr.card).heldBy = ""
	p.retap = nil
}

// stepRetap: at 请重刷卡 the card is tapped again; the POS reads counter and balance to
// decide whether its write landed, writes again if not, and confirms (rule 3).
func (w *simWorld) stepRetap() {
	p := w.drawPOS(retapPOS)
	wr := p.retap
	c := w.card(wr.card)
	landed := c.counter == wr.ctrBefore+1 && c.balance == wr.balBefore+wr.amount
	if onCard := c.count(simPOSRef(wr.key)) == 1; landed != onCard {
		w.fatalf("simulation: counter says landed=%v, card log says %v", landed, onCard)
	}
	w.logf("%s re-tap card %s: landed=%v", p.id, c.no, landed)
	if landed {
		w.confirmWrite(p, wr)
		return
	}
	w.posWrite(p, c, wr, rapid.SampledFrom(simWriteFates).Draw(w.rt, "card write"))
}

// stepCancel: the operator presses Cancel at 请重刷卡; a cancel record is queued (rule 4).
func (w *simWorld) stepCancel() {
	p := w.drawPOS(retapPOS)
	wr := p.retap
	k := p.nextKey()
	p.queue = append(p.queue, app.OfflineRecord{Kind: app.OfflineCancel, Serial: k.serial, OrigSerial: wr.key.serial,
		CardNo: wr.card, Amount: wr.amount})
	w.card(wr.card).heldBy = ""
	p.retap = nil
	w.logf("%s: Cancel at 请重刷卡 for %s, cancel %s queued", p.id, wr.key, k)
}

// stepReboot: power cycle. The authorization is gone; the queue and the serial counter
// stay. A write in doubt is forgotten, and the cardholder leaves with the card: the host
// keeps the recharge pending and shows it at the desk as "write unknown".
func (w *simWorld) stepReboot() {
	p := w.drawPOS(nil)
	p.sess = nil
	if p.retap != nil {
		w.card(p.retap.card).heldBy = ""
		p.retap = nil
	}
	w.logf("%s reboots with %d queued records", p.id, len(p.queue))
}

// stepUpload sends the queued records, the head alone or all in a batch (rule 6).
func (w *simWorld) stepUpload() {
	p := w.drawPOS(queuePOS)
	if rapid.IntRange(0, 2).Draw(w.rt, "upload (0,1 = head alone, 2 = batch)") == 2 {
		w.uploadBatch(p, rapid.SampledFrom(simBatchFates).Draw(w.rt, "fate"))
		return
	}
	rec := p.queue[0]
	m := offlineMsg(p.id, rec)
	if r, ok := w.send(m, rapid.SampledFrom(simUploadFates).Draw(w.rt, "fate")); ok && r.OK {
		p.dropQueued(rec.Serial)
	}
}

// uploadBatch is "3. 脱机批上送记录".
func (w *simWorld) uploadBatch(p *simPOS, fate simFate) {
	recs := append([]app.OfflineRecord(nil), p.queue...)
	for _, rec := range recs {
		w.msgs = append(w.msgs, offlineMsg(p.id, rec))
	}
	w.logf("%s batch upload of %d records: %s", p.id, len(recs), fate)
	if fate == fateRequestLost {
		return
	}
	items, err := w.site.Svc.BatchUpload(w.ctx, p.id, recs)
	if err != nil {
		w.fatalf("batch upload: %v", err)
	}
	if len(items) != len(recs) {
		w.fatalf("batch upload of %d records answered %d items", len(recs), len(items))
	}
	for i, it := range items {
		rec := recs[i]
		k := simKey{p.id, rec.Serial}
		if it.Serial != rec.Serial || !it.Accepted || it.Code != "" {
			w.fatalf("batch item %d (%+v) answered %+v", i, rec, it)
		}
		w.noteBrief(k, it.Status+"|"+string(it.Code))
		if _, ok := w.acked[k]; !ok {
			w.acked[k] = offlineMsg(p.id, rec)
		}
	}
	if fate == fateAnswerLost {
		return
	}
	for _, rec := range recs {
		p.dropQueued(rec.Serial)
	}
}

// --- the network ---

func (w *simWorld) stepDeliverDelayed() {
	i := rapid.IntRange(0, len(w.delayed)-1).Draw(w.rt, "delayed message")
	m := w.delayed[i]
	w.delayed = append(w.delayed[:i:i], w.delayed[i+1:]...)
	w.logf("network delivers late: %s", m)
	w.posHears(m, w.deliver(m))
}

func (w *simWorld) stepReplay() {
	m := w.msgs[rapid.IntRange(0, len(w.msgs)-1).Draw(w.rt, "replayed message")]
	w.logf("network replays: %s", m)
	w.posHears(m, w.deliver(m))
}

// --- the host ---

func (w *simWorld) stepAdvance() {
	now := w.site.Clock.Now()
	var d time.Duration
	switch scale := rapid.IntRange(0, 6).Draw(w.rt, "advance (0,1 s; 2,3 min; 4 h; 5 to the cut-off; 6 day)"); scale {
	case 0, 1:
		d = time.Duration(rapid.IntRange(1, 59).Draw(w.rt, "seconds")) * time.Second
	case 2, 3:
		d = time.Duration(rapid.IntRange(1, 20).Draw(w.rt, "minutes")) * time.Minute
	case 4:
		d = time.Duration(rapid.IntRange(1, 8).Draw(w.rt, "hours")) * time.Hour
	case 5:
		end, err := w.cfg.DayEnd(w.cfg.SettleDay(now))
		if err != nil {
			w.fatalf("day end: %v", err)
		}
		d = end.Sub(now) + time.Duration(rapid.IntRange(-120, 120).Draw(w.rt, "seconds around the cut-off"))*time.Second
		if d <= 0 {
			d = time.Second
		}
	default:
		d = 24 * time.Hour
	}
	w.site.Clock.Advance(d)
	w.logf("clock +%s → %s", d, w.site.Clock.Now().Format(time.DateTime))
}

func (w *simWorld) stepWorker() {
	if rapid.Bool().Draw(w.rt, "two workers at once") {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Go(func() { _, errs[i] = w.site.Svc.ApplyDueReversals(w.ctx) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			w.fatalf("reversal worker: %v", err)
		}
		w.logf("two reversal workers ran")
	} else {
		due := w.rawCount(`SELECT COUNT(*) FROM reversals WHERE status = 'pending' AND apply_after <= ?`, w.site.Clock.Now().UnixMilli())
		n, err := w.site.Svc.ApplyDueReversals(w.ctx)
		if err != nil {
			w.fatalf("reversal worker: %v", err)
		}
		if int64(n) != due {
			w.fatalf("reversal worker processed %d, %d were due", n, due)
		}
		w.logf("reversal worker processed %d", n)
	}
	if left := w.rawCount(`SELECT COUNT(*) FROM reversals WHERE status = 'pending' AND apply_after <= ?`, w.site.Clock.Now().UnixMilli()); left != 0 {
		w.fatalf("%d due reversals left after the worker ran", left)
	}
}

func (w *simWorld) stepCrash() {
	w.logf("host crash and restart")
	w.crashes++
	w.site.Reopen()
	w.replayAcknowledged()
}

func (w *simWorld) stepSettle() {
	res, err := w.site.Svc.Settle(w.ctx, w.site.Admin)
	if err != nil {
		w.fatalf("settle: %v", err)
	}
	w.logf("settle: %v (waiting %s)", res.Settled, res.Waiting)
	now := w.site.Clock.Now()
	for _, d := range res.Settled {
		end, err := w.cfg.DayEnd(d)
		if err != nil {
			w.fatalf("day end %s: %v", d, err)
		}
		if now.Before(end.Add(w.cfg.ReversalDelay)) {
			w.fatalf("settled %s before its cut-off plus the reversal delay", d)
		}
		rep, err := w.site.Svc.Report(w.ctx, app.SystemActor, d, d)
		if err != nil {
			w.fatalf("report %s: %v", d, err)
		}
		for _, r := range rep.Rows {
			if !r.Settled {
				w.fatalf("settled day %s shows a live row %+v", d, r)
			}
		}
		w.settled[d] = rep.Rows
	}
}

// --- the cardholder ---

// stepSpend: the cardholder pays at a canteen POS; the card's balance and counter move.
func (w *simWorld) stepSpend() {
	c := w.card(rapid.SampledFrom(w.freeCards(app.Yuan)).Draw(w.rt, "card"))
	y := app.Fen(rapid.IntRange(1, int(c.balance/app.Yuan)).Draw(w.rt, "yuan spent"))
	c.spends++
	c.write(entrySpend, simKey{"C1", c.spends}, y*app.Yuan, "")
	w.logf("card %s spends %d yuan", c.no, y)
}

// --- the admin ---

// stepCardStatus: a user card or an authorization card is reported lost, frozen or bad,
// or back to normal (rule 10).
func (w *simWorld) stepCardStatus() {
	var nos []string
	for _, c := range w.cards {
		nos = append(nos, c.no)
	}
	for i := range w.site.Ops {
		nos = append(nos, apptest.AuthCard(i))
	}
	no := rapid.SampledFrom(nos).Draw(w.rt, "card")
	st := rapid.SampledFrom([]app.CardStatus{app.CardNormal, app.CardNormal, app.CardNormal, app.CardNormal, app.CardLost, app.CardFrozen, app.CardBad}).
		Draw(w.rt, "status")
	w.setCardStatus(no, st)
}

func (w *simWorld) setCardStatus(no string, st app.CardStatus) {
	if err := w.site.Svc.SetCardStatus(w.ctx, w.site.Admin, no, st); err != nil {
		w.fatalf("card %s status %s: %v", no, st, err)
	}
	w.cardStatus[no] = st
	w.logf("admin: card %s is %s", no, st)
}

// --- what the card cannot prove ---

func (w *simWorld) stepCopyCard() {
	c := w.card(rapid.SampledFrom(w.freeCards(0)).Draw(w.rt, "card"))
	c.copies = append(c.copies, c.copyNow())
	if len(c.copies) > 3 {
		c.copies = c.copies[1:]
	}
	w.logf("card %s copied at counter %d balance %d", c.no, c.counter, c.balance)
}

func (w *simWorld) copiedCards() []string {
	var out []string
	for _, no := range w.freeCards(0) {
		if len(w.card(no).copies) > 0 {
			out = append(out, no)
		}
	}
	return out
}

// stepRestoreCard: the holder writes an earlier copy back onto the card (MIFARE Classic's
// keys can be recovered): the card shows an old state, and what landed since is gone.
func (w *simWorld) stepRestoreCard() {
	c := w.card(rapid.SampledFrom(w.copiedCards()).Draw(w.rt, "card"))
	cp := c.copies[rapid.IntRange(0, len(c.copies)-1).Draw(w.rt, "copy")]
	c.restore(cp)
	w.events["card restored from a copy"]++
	w.logf("card %s restored to counter %d balance %d (lost so far: %v)", c.no, c.counter, c.balance, c.lost)
}

func (w *simWorld) damageableCards() []string {
	var out []string
	for _, no := range w.freeCards(0) {
		c := w.card(no)
		if !c.damaged && len(c.log) > 0 && c.log[len(c.log)-1].counter == c.counter {
			out = append(out, no)
		}
	}
	return out
}

// stepDamagePurse: the main purse block goes bad at rest; readers fall back to the backup,
// the state before the last write.
func (w *simWorld) stepDamagePurse() {
	c := w.card(rapid.SampledFrom(w.damageableCards()).Draw(w.rt, "card"))
	c.damage()
	w.events["purse block damaged"]++
	w.logf("card %s: main purse block damaged, reads counter %d balance %d", c.no, c.counter, c.balance)
}

// stepReplacePOS: a POS is replaced; its journal, and whatever it had queued, are lost. An
// admin records it, and the new POS asks the host where the old one's serials ended.
// Messages of the old one still in the network are lost with it.
func (w *simWorld) stepReplacePOS() {
	p := w.drawPOS(nil)
	if p.retap != nil {
		w.card(p.retap.card).heldBy = ""
	}
	lost := p.queue
	p.queue, p.retap, p.sess = nil, nil, nil
	kept := w.delayed[:0]
	for _, m := range w.delayed {
		if m.key.dev != p.id {
			kept = append(kept, m)
		}
	}
	w.delayed = kept
	sent := w.msgs[:0]
	for _, m := range w.msgs {
		if _, answered := w.first[m.key]; m.key.dev != p.id || answered {
			sent = append(sent, m)
		}
	}
	w.msgs = sent
	if _, err := w.site.Svc.EndDeviceJournal(w.ctx, w.site.Admin, p.id, app.JournalReplaced, "replaced; its queue is lost"); err != nil {
		w.fatalf("replace %s: %v", p.id, err)
	}
	last, err := w.site.Svc.LastSerial(w.ctx, p.id)
	if err != nil {
		w.fatalf("last serial of %s: %v", p.id, err)
	}
	p.serial = last
	w.events["POS replaced"]++
	w.logf("%s replaced, %d queued records lost; the new one continues after serial %d", p.id, len(lost), last)
}
