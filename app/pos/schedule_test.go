package pos_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/pos"
	"cardcenter/app/posapi"
	"cardcenter/cardio"
	"cardcenter/cardio/vcard"
)

// TestGeneratedFaultSchedules drives two recharge POS against the host over loopback HTTP
// through generated schedules of faults: answers lost before or after the host acted,
// messages duplicated, earlier messages replayed late, card writes torn at any APDU, POS
// power cycles, host restarts, the host clock crossing the reversal delay and midnight, POS
// clocks stepping by minutes or hours (between steps or right before any message), the
// network staying down so records wait in a POS's journal, a POS replaced with its journal
// and its queued records lost, and the desk repairing cards from what the card proves.
// After every step no card holds more than its booked recharges; at the end of each
// schedule, once every POS has finished and the desk has repaired every card, the money on
// the cards equals the operators' cash (booked − processed reversals): every booked
// recharge reached its card exactly once; and for every operator and day the cash each POS
// told its operator to hold equals the report.
//
// Rerun a failure with: go test ./app/pos -run TestGeneratedFaultSchedules -rapid.seed=SEED
func TestGeneratedFaultSchedules(t *testing.T) {
	var seen tally
	defer func() {
		t.Logf("over all schedules: %+v", seen)
		// With rapid's default 100 schedules these are each in the dozens; far fewer means
		// the schedules stopped reaching the faults they exist for.
		if seen.Schedules >= 100 && (seen.Recharges < 100 || seen.Reversals < 10 || seen.Cancels < 10 || seen.Repairs < 10 ||
			seen.ClockSteps < 10 || seen.Replaced < 10 || seen.Unknown < 5 || seen.Notices < 10) {
			t.Errorf("schedules exercised too little: %+v", seen)
		}
	}()
	rapid.Check(t, func(rt *rapid.T) {
		w := newSchedule(t, rt)
		w.seen = &seen
		defer w.close()
		steps := rapid.IntRange(10, 40).Draw(rt, "steps")
		for i := 0; i < steps; i++ {
			w.step()
			w.checkNoCardHoldsMoreThanBooked()
		}
		w.drain()
		w.checkCardsEqualCash()
		w.checkToldCashEqualsReport()
		w.tally()
	})
}

const schedPOS = 2
const schedCards = 3

type schedule struct {
	t       *testing.T
	rt      *rapid.T
	site    *apptest.Site
	handler atomic.Pointer[posapi.Server]
	srv     *httptest.Server
	key     cardio.SiteKey
	cards   []*vcard.Reader // user cards; authorization cards below
	auth    []*vcard.Reader
	pos     [schedPOS]*schedPOS_
	faulty  bool // the network misbehaves during this step
	down    bool // the link broke: nothing gets through until it heals
	ending  bool // the day's end: the network heals for good
	seen    *tally
	sent    []sentMessage
	told    map[rechargeKey]*toldCash // what each POS told its operator about each recharge
	n       tally                     // this schedule's own counts
}

// sentMessage is a message a POS sent, kept to be replayed late.
type sentMessage struct {
	device  string
	serials []int64
	call    func(ctx context.Context) error
}

type schedPOS_ struct {
	id       string
	journal  string
	term     *pos.Terminal
	cards    *pos.CardioCards
	reader   *vcard.Reader
	client   *posapi.Client
	clock    *posClock // the POS's own clock, which steps
	secret   []byte
	url      string
	journals int // how many journals this device has had (replacements)
}

func newSchedule(t *testing.T, rt *rapid.T) *schedule {
	s := apptest.New(t, apptest.Options{Operators: schedPOS, Cards: schedCards})
	w := &schedule{t: t, rt: rt, site: s, key: cardio.NewSiteKey(), told: map[rechargeKey]*toldCash{}}
	w.handler.Store(posapi.NewServer(s.Svc, nil))
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { w.handler.Load().ServeHTTP(rw, r) }))
	issue := func(no string, uid byte) *vcard.Reader {
		return apptest.IssueCard(t, w.key, []byte{0x77, 0x00, 0x00, uid}, apptest.Holder(no, 0))
	}
	for i := 0; i < schedCards; i++ {
		w.cards = append(w.cards, issue(apptest.UserCard(i), byte(i+1)))
	}
	for i := 0; i < schedPOS; i++ {
		w.auth = append(w.auth, issue(apptest.AuthCard(i), byte(0x40+i)))
	}
	dir := t.TempDir()
	for i := range w.pos {
		id := s.Devices[i]
		dev, err := s.Svc.DeviceWithKey(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		p := &schedPOS_{id: id, journal: filepath.Join(dir, id+".json"), clock: &posClock{host: s.Clock}, secret: dev.Secret, url: w.srv.URL}
		p.client = &posapi.Client{BaseURL: p.url, DeviceID: id, Secret: p.secret, Clock: p.clock}
		w.pos[i] = p
		w.powerOn(p)
		p.reader = w.auth[i] // the day starts with each operator authorizing their POS
		if _, err := p.term.Authorize(context.Background(), apptest.PIN); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *schedule) close() {
	w.srv.Close()
	w.site.Store.Close()
}

// powerOn builds the terminal from its journal, as a POS does after a power cycle.
func (w *schedule) powerOn(p *schedPOS_) {
	j, st, err := pos.OpenJournal(p.journal, p.id)
	if err != nil {
		w.rt.Fatalf("journal: %v", err)
	}
	p.cards = &pos.CardioCards{Station: cardio.Station{Keys: cardio.LocalKeys{Site: w.key}, Connect: func(context.Context) (cardio.Transport, func(), error) {
		if p.reader == nil {
			return nil, nil, cardio.ErrNoCard
		}
		return vcard.InProc{R: p.reader}, func() {}, nil
	}}}
	p.term = pos.New(&pos.InterceptedHost{Host: p.client, Around: (&faultyHost{w: w, p: p}).around}, p.cards, j, st, p.clock)
	p.term.Wait = func(ctx context.Context, attempt int) error {
		giveUp := 0.1
		if w.down {
			giveUp = 0.6
		}
		if attempt >= 1 && !w.ending && rapid.Float64Range(0, 1).Draw(w.rt, "give up for now?") < giveUp {
			return errors.New("the network stays down for now") // the records wait in the journal
		}
		if attempt >= 2 {
			w.faulty, w.down = false, false // the network heals: rule 5's retries end
		}
		return nil
	}
}

// replace is a POS swapped for another unit: the journal, with whatever it still had to
// send, is lost; the new unit has its own clock, asks the host for the last serial, and the
// operator authorizes it.
func (w *schedule) replace(p *schedPOS_) {
	p.journals++
	p.journal = filepath.Join(filepath.Dir(p.journal), fmt.Sprintf("%s-%d.json", p.id, p.journals))
	p.clock = &posClock{host: w.site.Clock, skew: w.drawClockStep()}
	p.client = &posapi.Client{BaseURL: p.url, DeviceID: p.id, Secret: p.secret, Clock: p.clock}
	w.lostJournal(p.id)
	w.powerOn(p)
	if err := p.term.Start(context.Background()); err != nil {
		return // the network is down: the new unit asks again at its next operation
	}
	// Messages the old unit sent that the host never kept die with it: a network holds no
	// packet for hours. Their serials are the new unit's to use.
	next := p.term.State().NextSerial
	kept := w.sent[:0]
	for _, m := range w.sent {
		if m.device != p.id || maxOf(m.serials) < next {
			kept = append(kept, m)
		}
	}
	w.sent = kept
	if rapid.Bool().Draw(w.rt, "authorize the new unit") {
		p.reader = w.auth[indexOf(w.site.Devices, p.id)]
		p.term.Authorize(context.Background(), apptest.PIN)
	}
}

// drawClockStep is a step of a POS clock: within the host's window, or beyond it by
// minutes or hours, either way.
func (w *schedule) drawClockStep() time.Duration {
	d := rapid.SampledFrom([]time.Duration{2 * time.Minute, 6 * time.Minute, 47 * time.Minute, 3 * time.Hour, 14 * time.Hour}).Draw(w.rt, "clock step")
	if rapid.Bool().Draw(w.rt, "clock step back") {
		d = -d
	}
	return d
}

func (w *schedule) stepClock(p *schedPOS_) {
	p.clock.Step(w.drawClockStep())
	w.n.ClockSteps++
}

func maxOf(xs []int64) int64 {
	m := int64(0)
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

func (w *schedule) step() {
	ctx := context.Background()
	p := w.pos[rapid.IntRange(0, schedPOS-1).Draw(w.rt, "pos")]
	w.faulty, w.down = rapid.Float64Range(0, 1).Draw(w.rt, "fault level") < 0.4, false
	switch rapid.SampledFrom([]string{"authorize", "recharge", "recharge", "recharge", "retap", "cancel", "upload",
		"summary", "replay", "pos restart", "host restart", "time", "desk", "pos clock", "pos replaced", "idle"}).Draw(w.rt, "action") {
	case "authorize":
		op := rapid.IntRange(0, schedPOS-1).Draw(w.rt, "operator")
		if p.id != w.site.Devices[op] && rapid.Bool().Draw(w.rt, "own operator") {
			op = indexOf(w.site.Devices, p.id)
		}
		p.reader = w.auth[op]
		p.term.Authorize(ctx, apptest.PIN)
	case "recharge":
		p.reader = w.cards[rapid.IntRange(0, schedCards-1).Draw(w.rt, "card")]
		w.maybeTear(p)
		w.recharge(p, int64(rapid.SampledFrom([]int{10, 20, 50, 100}).Draw(w.rt, "yuan")))
	case "retap":
		if st := p.term.State(); st.Retap != nil {
			p.reader = w.cardByNo(st.Retap.CardNo)
			p.reader.Insert()
			w.maybeTear(p)
			p.term.Retap(ctx)
		}
	case "cancel":
		p.term.CancelRetap(ctx)
	case "upload":
		p.term.Upload(ctx)
	case "summary":
		p.term.Summary(ctx)
	case "replay":
		if len(w.sent) > 0 {
			i := rapid.IntRange(0, len(w.sent)-1).Draw(w.rt, "replayed message")
			if err := w.sent[i].call(ctx); errors.Is(err, app.CodeDuplicateConflict) {
				w.rt.Fatalf("a replay of message %d was taken for a conflict: %v", i, err)
			}
		}
	case "pos restart":
		w.powerOn(p)
		p.term.Start(ctx)
	case "host restart":
		w.site.Reopen()
		w.handler.Store(posapi.NewServer(w.site.Svc, nil))
	case "time":
		d := rapid.SampledFrom([]time.Duration{30 * time.Second, 2 * time.Minute, 15 * time.Minute, 14 * time.Hour}).Draw(w.rt, "advance")
		w.site.Clock.Advance(d)
		if _, err := w.site.Svc.ApplyDueReversals(ctx); err != nil {
			w.rt.Fatalf("worker: %v", err)
		}
	case "desk":
		w.desk(rapid.IntRange(0, schedCards-1).Draw(w.rt, "desk card"))
	case "pos clock":
		w.stepClock(p)
	case "pos replaced":
		// The unit to replace is, more often than not, one with records still to send:
		// what a lost journal loses is the point.
		for _, q := range w.pos {
			if st := q.term.State(); (len(st.Queue) > 0 || len(st.Unconfirmed) > 0) && rapid.Bool().Draw(w.rt, "replace the one with a queue") {
				p = q
				break
			}
		}
		w.replace(p)
		w.n.Replaced++
	case "idle":
		p.term.CheckOutcomes(ctx) // the POS's screen asks while nobody uses it
	}
	w.hearNotices()
	for _, c := range w.cards {
		c.SetFaults(vcard.Faults{}) // a tear armed for a step that did not write is dropped
		c.Insert()
	}
}

func (w *schedule) maybeTear(p *schedPOS_) {
	if rapid.Float64Range(0, 1).Draw(w.rt, "tear?") < 0.3 {
		p.cards.TearCreditAfter = rapid.IntRange(1, 10).Draw(w.rt, "tear after")
	}
}

func (w *schedule) cardByNo(no string) *vcard.Reader {
	for i := range w.cards {
		if apptest.UserCard(i) == no {
			return w.cards[i]
		}
	}
	w.rt.Fatalf("no card %s", no)
	return nil
}

// desk repairs card i as the card center does: what the card proves decides.
func (w *schedule) desk(i int) {
	ctx := context.Background()
	items, err := w.site.Svc.AwaitingDesk(ctx, app.SystemActor, apptest.UserCard(i))
	if err != nil {
		w.rt.Fatalf("desk: %v", err)
	}
	for _, it := range items {
		if it.Hold != nil {
			continue // a reversal on its way, or its POS may still send one
		}
		r := it.Recharge
		rp, _, err := w.site.Svc.BeginRepair(ctx, w.site.Clerk, r.ID, app.CardSnapshot{})
		if err != nil {
			w.rt.Fatalf("begin repair %d: %v", r.ID, err)
		}
		card, err := cardio.Read(vcard.InProc{R: w.cards[i]}, w.key)
		if err != nil {
			w.rt.Fatalf("desk read: %v", err)
		}
		ref := cardio.Ref{Terminal: r.DeviceID, Serial: r.Serial}
		switch card.Verdict(ref, int64(r.Amount), r.CounterBefore) {
		case cardio.VerdictLanded:
			if _, err := w.site.Svc.CompleteRepair(ctx, w.site.Clerk, rp.ID, app.RepairFoundOnCard, app.CardSnapshot{}); err != nil {
				w.rt.Fatalf("complete: %v", err)
			}
		case cardio.VerdictNotLanded:
			if _, err := cardio.Credit(vcard.InProc{R: w.cards[i]}, w.key, card, cardio.Txn{Kind: cardio.KindRepair,
				Amount: int64(r.Amount), Ref: ref, Time: w.site.Clock.Now()}); err != nil {
				w.rt.Fatalf("desk credit: %v", err)
			}
			if _, err := w.site.Svc.CompleteRepair(ctx, w.site.Clerk, rp.ID, app.RepairWritten, app.CardSnapshot{}); err != nil {
				w.rt.Fatalf("complete: %v", err)
			}
		default:
			w.rt.Fatalf("the card cannot prove recharge %d (%s #%d): log %+v", r.ID, r.DeviceID, r.Serial, card.Log)
		}
	}
}

// drain ends a schedule as a working day ends: the network heals, every POS finishes what
// it has (re-tap with the card back, or Cancel if the card cannot tell) and its operator
// authorizes it for the next day, the reversal delay passes, every POS learns how its
// reversals ended, and the desk repairs every card.
func (w *schedule) drain() {
	ctx := context.Background()
	w.faulty, w.down, w.ending = false, false, true
	for _, p := range w.pos {
		w.powerOn(p)
		if err := p.term.Start(ctx); err != nil {
			w.rt.Fatalf("%s start: %v", p.id, err)
		}
		if st := p.term.State(); st.Retap != nil {
			p.reader = w.cardByNo(st.Retap.CardNo)
			if _, err := p.term.Retap(ctx); err != nil {
				if err := p.term.CancelRetap(ctx); err != nil {
					w.rt.Fatalf("%s cancel: %v", p.id, err)
				}
			}
		}
		p.reader = w.auth[indexOf(w.site.Devices, p.id)]
		if _, err := p.term.Authorize(ctx, apptest.PIN); err != nil {
			w.rt.Fatalf("%s authorize: %v", p.id, err)
		}
		if st := p.term.State(); len(st.Queue) > 0 || len(st.Unconfirmed) > 0 || st.InFlight != nil || st.Retap != nil {
			w.rt.Fatalf("%s did not finish: %+v", p.id, st)
		}
	}
	w.site.Clock.Advance(w.site.Cfg.ReversalDelay + w.site.Cfg.WriteUnknownAfter + time.Minute)
	if _, err := w.site.Svc.ApplyDueReversals(ctx); err != nil {
		w.rt.Fatalf("worker: %v", err)
	}
	for _, p := range w.pos {
		if err := p.term.CheckOutcomes(ctx); err != nil {
			w.rt.Fatalf("%s reversal outcomes: %v", p.id, err)
		}
		if st := p.term.State(); len(st.Watched) > 0 {
			w.rt.Fatalf("%s still waits for the outcome of %+v", p.id, st.Watched)
		}
	}
	w.hearNotices()
	for i := range w.cards {
		w.desk(i)
	}
}

// bookedOnCard: Σ booked, not reversed recharges of each card, from the host's own records.
func (w *schedule) bookedOnCard() map[string]app.Fen {
	out := map[string]app.Fen{}
	db := w.site.RawDB()
	rows, err := db.Query(`SELECT card_no, amount FROM recharges WHERE booking = 'booked'`)
	if err != nil {
		w.rt.Fatalf("recount: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var no string
		var amount app.Fen
		rows.Scan(&no, &amount)
		out[no] += amount
	}
	return out
}

func (w *schedule) balance(i int) app.Fen {
	c, err := cardio.Read(vcard.InProc{R: w.cards[i]}, w.key)
	if err != nil {
		w.rt.Fatalf("read card %d: %v", i, err)
	}
	return app.Fen(c.Purse.Balance)
}

func (w *schedule) checkNoCardHoldsMoreThanBooked() {
	booked := w.bookedOnCard()
	for i := range w.cards {
		if b := w.balance(i); b > booked[apptest.UserCard(i)] {
			w.rt.Fatalf("card %s holds %d fen, only %d booked: a credit without a booking, or twice", apptest.UserCard(i), b, booked[apptest.UserCard(i)])
		}
	}
}

func (w *schedule) checkCardsEqualCash() {
	booked := w.bookedOnCard()
	var onCards app.Fen
	for i := range w.cards {
		b := w.balance(i)
		if b != booked[apptest.UserCard(i)] {
			w.rt.Fatalf("card %s holds %d fen, booked %d: a booked recharge did not reach its card exactly once", apptest.UserCard(i), b, booked[apptest.UserCard(i)])
		}
		onCards += b
	}
	rep, err := w.site.Svc.Report(context.Background(), app.SystemActor, apptest.Start.Format(app.DayLayout), w.site.Svc.Today())
	if err != nil {
		w.rt.Fatalf("report: %v", err)
	}
	if rep.Total.Cash() != onCards {
		w.rt.Fatalf("operators' cash %d ≠ money on the cards %d (%+v)", rep.Total.Cash(), onCards, rep.Total)
	}
}

// faultyHost is the network between a POS and the host during a schedule (the Around of a
// pos.InterceptedHost): when the step is faulty, a message may be lost before the host sees
// it, its answer lost after the host acted, or it may arrive twice. Every message sent is
// kept for late replays. The two reads at start-up (summary, last serial) pass untouched.
type faultyHost struct {
	w *schedule
	p *schedPOS_
}

func (h *faultyHost) around(ctx context.Context, name string, req any, send func(context.Context) error) error {
	w := h.w
	switch name {
	case "summary", "last-serial":
		return send(ctx)
	case "outcomes": // a read: replaying it proves nothing
	default:
		w.sent = append(w.sent, sentMessage{device: h.p.id, serials: serialsOf(req), call: send})
	}
	fault := "none"
	if w.down {
		fault = "lost"
	} else if w.faulty {
		fault = rapid.SampledFrom([]string{"none", "lost", "answer lost", "twice", "clock step"}).Draw(w.rt, "fault on "+name)
	}
	switch fault {
	case "clock step": // the RTC or NTP steps right before this message goes
		w.stepClock(h.p)
	case "lost":
		return fmt.Errorf("%s lost on the way: %w", name, posapi.ErrNoAnswer)
	case "answer lost":
		send(ctx)
		w.down = rapid.Bool().Draw(w.rt, "the link stays down") // the answer was lost because the link broke
		return fmt.Errorf("%s answer lost: %w", name, posapi.ErrNoAnswer)
	case "twice":
		send(ctx)
	}
	return send(ctx)
}

// serialsOf names the idempotency keys a message is sent under.
func serialsOf(req any) []int64 {
	switch r := req.(type) {
	case app.AuthorizeRequest:
		return []int64{r.Serial}
	case app.RechargeRequest:
		return []int64{r.Serial}
	case app.ConfirmRequest:
		return []int64{r.Serial}
	case app.CancelRequest:
		return []int64{r.Serial}
	case app.ReverseRequest:
		return []int64{r.Serial}
	case []app.OfflineRecord:
		var out []int64
		for _, x := range r {
			out = append(out, x.Serial)
		}
		return out
	}
	panic(fmt.Sprintf("serialsOf %T", req))
}

// tally counts what the schedules exercised, so a change that makes them toothless shows.
// Unknown counts recharges whose POS had not yet heard its reversal acknowledged when it
// answered the operator; Notices, reversal outcomes the POS told.
type tally struct {
	Schedules, Recharges, Reversals, Cancels, Repairs int64
	ClockSteps, Replaced, Unknown, Notices, Alarms    int64
}

func (w *schedule) tally() {
	n := w.n
	w.site.RawDB().QueryRow(`SELECT (SELECT COUNT(*) FROM recharges), (SELECT COUNT(*) FROM reversals WHERE status = 'applied'),
		(SELECT COUNT(*) FROM cancels), (SELECT COUNT(*) FROM repairs)`).Scan(&n.Recharges, &n.Reversals, &n.Cancels, &n.Repairs)
	w.seen.Schedules++
	w.seen.Recharges += n.Recharges
	w.seen.Reversals += n.Reversals
	w.seen.Cancels += n.Cancels
	w.seen.Repairs += n.Repairs
	w.seen.ClockSteps += n.ClockSteps
	w.seen.Replaced += n.Replaced
	w.seen.Unknown += n.Unknown
	w.seen.Notices += n.Notices
	w.seen.Alarms += n.Alarms
}

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return 0
}
