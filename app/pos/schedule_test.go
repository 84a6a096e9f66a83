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
// power cycles, host restarts, the clock crossing the reversal delay and midnight, and the
// desk repairing cards from what the card proves. After every step no card holds more than
// its booked recharges; at the end of each schedule, once every POS has finished and the
// desk has repaired every card, the money on the cards equals the operators' cash (booked
// − processed reversals): every booked recharge reached its card exactly once.
//
// Rerun a failure with: go test ./app/pos -run TestGeneratedFaultSchedules -rapid.seed=SEED
func TestGeneratedFaultSchedules(t *testing.T) {
	var seen tally
	defer func() {
		t.Logf("over all schedules: %+v", seen)
		// With rapid's default 100 schedules these are each in the dozens; far fewer means
		// the schedules stopped reaching the faults they exist for.
		if seen.Schedules >= 100 && (seen.Recharges < 100 || seen.Reversals < 10 || seen.Cancels < 10 || seen.Repairs < 10) {
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
	seen    *tally
	sent    []func(ctx context.Context) error
}

type schedPOS_ struct {
	id      string
	journal string
	term    *pos.Terminal
	cards   *pos.CardioCards
	reader  *vcard.Reader
	client  *posapi.Client
}

func newSchedule(t *testing.T, rt *rapid.T) *schedule {
	s := apptest.New(t, apptest.Options{Operators: schedPOS, Cards: schedCards})
	w := &schedule{t: t, rt: rt, site: s, key: cardio.NewSiteKey()}
	w.handler.Store(posapi.NewServer(s.Svc, nil))
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { w.handler.Load().ServeHTTP(rw, r) }))
	issue := func(no string, uid byte) *vcard.Reader {
		chip, err := vcard.NewBlankChip([]byte{0x77, 0x00, 0x00, uid})
		if err != nil {
			t.Fatal(err)
		}
		r := vcard.NewReader(chip)
		if _, err := cardio.Issue(vcard.InProc{R: r}, w.key, cardio.Personal{CardNo: no, Holder: "H" + no,
			Issued: apptest.Start, Expires: apptest.Start.AddDate(4, 0, 0)}); err != nil {
			t.Fatal(err)
		}
		return r
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
		dev, err := s.Svc.Device(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		p := &schedPOS_{id: id, journal: filepath.Join(dir, id+".json"),
			client: &posapi.Client{BaseURL: w.srv.URL, DeviceID: id, Secret: dev.Secret, Clock: s.Clock}}
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
	p.cards = &pos.CardioCards{Site: w.key, Connect: func(context.Context) (cardio.Transport, func(), error) {
		if p.reader == nil {
			return nil, nil, cardio.ErrNoCard
		}
		return vcard.InProc{R: p.reader}, func() {}, nil
	}}
	p.term = pos.New(&faultyHost{Host: p.client, w: w}, p.cards, j, st, w.site.Clock)
	p.term.Wait = func(ctx context.Context, attempt int) error {
		if attempt >= 2 {
			w.faulty = false // the network heals: rule 5's retries end
		}
		return nil
	}
}

func (w *schedule) step() {
	ctx := context.Background()
	p := w.pos[rapid.IntRange(0, schedPOS-1).Draw(w.rt, "pos")]
	w.faulty = rapid.Float64Range(0, 1).Draw(w.rt, "fault level") < 0.4
	switch rapid.SampledFrom([]string{"authorize", "recharge", "recharge", "recharge", "retap", "cancel", "upload",
		"summary", "replay", "pos restart", "host restart", "time", "desk"}).Draw(w.rt, "action") {
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
		p.term.Recharge(ctx, int64(rapid.SampledFrom([]int{10, 20, 50, 100}).Draw(w.rt, "yuan")))
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
			if err := w.sent[i](ctx); errors.Is(err, app.CodeDuplicateConflict) {
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
	}
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
	items, err := w.site.Svc.AwaitingDesk(ctx, apptest.UserCard(i))
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
		switch card.Verdict(ref, r.Amount, r.CounterBefore) {
		case cardio.VerdictLanded:
			if _, err := w.site.Svc.CompleteRepair(ctx, w.site.Clerk, rp.ID, app.RepairFoundOnCard, app.CardSnapshot{}); err != nil {
				w.rt.Fatalf("complete: %v", err)
			}
		case cardio.VerdictNotLanded:
			if _, err := cardio.Credit(vcard.InProc{R: w.cards[i]}, w.key, card, cardio.Txn{Kind: cardio.KindRepair,
				Amount: r.Amount, Ref: ref, Time: w.site.Clock.Now()}); err != nil {
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
// it has (re-tap with the card back, or Cancel if the card cannot tell), the reversal delay
// passes, and the desk repairs every card.
func (w *schedule) drain() {
	ctx := context.Background()
	w.faulty = false
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
		if st := p.term.State(); len(st.Queue) > 0 || len(st.Unconfirmed) > 0 || st.InFlight != nil || st.Retap != nil {
			w.rt.Fatalf("%s did not finish: %+v", p.id, st)
		}
	}
	w.site.Clock.Advance(w.site.Cfg.ReversalDelay + w.site.Cfg.WriteUnknownAfter + time.Minute)
	if _, err := w.site.Svc.ApplyDueReversals(ctx); err != nil {
		w.rt.Fatalf("worker: %v", err)
	}
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
	return c.Purse.Balance
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
	rep, err := w.site.Svc.Report(context.Background(), apptest.Start.Format(app.DayLayout), w.site.Svc.Today())
	if err != nil {
		w.rt.Fatalf("report: %v", err)
	}
	if rep.Total.Cash() != onCards {
		w.rt.Fatalf("operators' cash %d ≠ money on the cards %d (%+v)", rep.Total.Cash(), onCards, rep.Total)
	}
}

// faultyHost is the network between a POS and the host during a schedule: when the step is
// faulty, a message may be lost before the host sees it, its answer lost after the host
// acted, or it may arrive twice. Every message sent is kept for late replays.
type faultyHost struct {
	pos.Host
	w *schedule
}

func via[Req, Res any](h *faultyHost, name string, call func(context.Context, Req) (Res, error), ctx context.Context, req Req) (Res, error) {
	var zero Res
	w := h.w
	w.sent = append(w.sent, func(ctx context.Context) error { _, err := call(ctx, req); return err })
	fault := "none"
	if w.faulty {
		fault = rapid.SampledFrom([]string{"none", "lost", "answer lost", "twice"}).Draw(w.rt, "fault on "+name)
	}
	switch fault {
	case "lost":
		return zero, fmt.Errorf("%s lost on the way: %w", name, posapi.ErrNoAnswer)
	case "answer lost":
		call(ctx, req)
		return zero, fmt.Errorf("%s answer lost: %w", name, posapi.ErrNoAnswer)
	case "twice":
		call(ctx, req)
	}
	return call(ctx, req)
}

func (h *faultyHost) Authorize(ctx context.Context, r app.AuthorizeRequest) (app.AuthorizeResult, error) {
	return via(h, "authorize", h.Host.Authorize, ctx, r)
}
func (h *faultyHost) Recharge(ctx context.Context, r app.RechargeRequest) (app.RechargeResult, error) {
	return via(h, "recharge", h.Host.Recharge, ctx, r)
}
func (h *faultyHost) Confirm(ctx context.Context, r app.ConfirmRequest) (app.ConfirmResult, error) {
	return via(h, "confirm", h.Host.Confirm, ctx, r)
}
func (h *faultyHost) Cancel(ctx context.Context, r app.CancelRequest) (app.CancelResult, error) {
	return via(h, "cancel", h.Host.Cancel, ctx, r)
}
func (h *faultyHost) Reverse(ctx context.Context, r app.ReverseRequest) (app.ReverseResult, error) {
	return via(h, "reverse", h.Host.Reverse, ctx, r)
}
func (h *faultyHost) Batch(ctx context.Context, recs []app.OfflineRecord) (posapi.BatchResult, error) {
	return via(h, "batch", h.Host.Batch, ctx, recs)
}

// tally counts what the schedules exercised, so a change that makes them toothless shows.
type tally struct{ Schedules, Recharges, Reversals, Cancels, Repairs int64 }

func (w *schedule) tally() {
	var n tally
	w.site.RawDB().QueryRow(`SELECT (SELECT COUNT(*) FROM recharges), (SELECT COUNT(*) FROM reversals WHERE status = 'applied'),
		(SELECT COUNT(*) FROM cancels), (SELECT COUNT(*) FROM repairs)`).Scan(&n.Recharges, &n.Reversals, &n.Cancels, &n.Repairs)
	w.seen.Schedules++
	w.seen.Recharges += n.Recharges
	w.seen.Reversals += n.Reversals
	w.seen.Cancels += n.Cancels
	w.seen.Repairs += n.Repairs
}

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return 0
}
