package pos_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/pos"
	"cardcenter/app/posapi"
	"cardcenter/cardio"
	"cardcenter/cardio/vcard"
)

// world is a host on loopback HTTP, a POS terminal P1, and virtual cards to put on its reader.
type world struct {
	t        *testing.T
	site     *apptest.Site
	host     *flakyHost
	key      cardio.SiteKey
	cards    map[string]*vcard.Reader
	onReader *vcard.Reader
	journal  string
	term     *pos.Terminal
	waits    int
	clock    *posClock // the POS's own clock: the host's, stepped by a test
	reader   *pos.CardioCards
}

// posClock is a POS's real-time clock: the host's time plus a step a test applies, as an
// RTC reset or an NTP step moves it.
type posClock struct {
	host app.Clock
	mu   sync.Mutex
	skew time.Duration
}

func (c *posClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.host.Now().Add(c.skew)
}

// Step moves the POS clock by d.
func (c *posClock) Step(d time.Duration) {
	c.mu.Lock()
	c.skew += d
	c.mu.Unlock()
}

func newWorld(t *testing.T) *world {
	s := apptest.New(t, apptest.Options{})
	srv := httptest.NewServer(posapi.NewServer(s.Svc, nil))
	t.Cleanup(srv.Close)
	dev, err := s.Svc.DeviceWithKey(context.Background(), "P1")
	if err != nil {
		t.Fatal(err)
	}
	clock := &posClock{host: s.Clock}
	w := &world{t: t, site: s, key: cardio.NewSiteKey(), cards: map[string]*vcard.Reader{},
		journal: filepath.Join(t.TempDir(), "pos.json"), clock: clock,
		host: &flakyHost{Host: &posapi.Client{BaseURL: srv.URL, DeviceID: "P1", Secret: dev.Secret, Clock: clock}}}
	for i, no := range []string{apptest.AuthCard(0), apptest.UserCard(0), apptest.UserCard(1)} {
		w.cards[no] = apptest.IssueCard(t, w.key, []byte{0x04, 0x10, 0x20, byte(i + 1)}, apptest.Holder(no, 0))
	}
	w.powerOn()
	return w
}

// powerOn (re)starts the terminal from its journal, as after a power cycle.
func (w *world) powerOn() {
	j, st, err := pos.OpenJournal(w.journal, "P1")
	if err != nil {
		w.t.Fatal(err)
	}
	cards := &pos.CardioCards{Station: cardio.Station{Keys: cardio.LocalKeys{Site: w.key}, Connect: func(context.Context) (cardio.Transport, func(), error) {
		if w.onReader == nil {
			return nil, nil, cardio.ErrNoCard
		}
		return vcard.InProc{R: w.onReader}, func() {}, nil
	}}}
	w.reader = cards
	w.term = pos.New(w.host, cards, j, st, w.clock)
	// Retries do not sleep: each wait lets the network heal after a few attempts.
	w.term.Wait = func(ctx context.Context, attempt int) error {
		w.waits++
		if attempt >= 3 {
			w.host.down = false
		}
		if attempt > 10 {
			return errors.New("gave up")
		}
		return ctx.Err()
	}
}

func (w *world) put(cardNo string) { w.onReader = w.cards[cardNo] }

func (w *world) balance(cardNo string) app.Fen {
	w.t.Helper()
	c, err := cardio.Read(vcard.InProc{R: w.cards[cardNo]}, w.key)
	if err != nil {
		w.t.Fatal(err)
	}
	return app.Fen(c.Purse.Balance)
}

// tearCredit makes the card leave the field k APDUs into the next credit (after the POS's
// read of the card).
func (w *world) tearCredit(cardNo string, k int) {
	w.t.Helper()
	r := w.cards[cardNo]
	before := r.APDUs()
	if _, err := cardio.Read(vcard.InProc{R: r}, w.key); err != nil {
		w.t.Fatal(err)
	}
	r.SetFaults(vcard.Faults{TearAfter: r.APDUs() - before + k})
}

func (w *world) authorize() {
	w.t.Helper()
	w.put(apptest.AuthCard(0))
	if _, err := w.term.Authorize(context.Background(), apptest.PIN); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) report() app.Report {
	w.t.Helper()
	r, err := w.site.Svc.Report(context.Background(), app.SystemActor, w.site.Svc.Today(), w.site.Svc.Today())
	if err != nil {
		w.t.Fatal(err)
	}
	return r
}

// flakyHost loses answers on demand: dropNext[kind] answers are lost after the host acted
// on them; down refuses to reach the host at all. afterAnswer, if set, runs after each
// answer of kind arrives (or is lost), e.g. to step the POS clock at that moment.
type flakyHost struct {
	pos.Host
	dropNext    map[string]int
	down        bool
	noOutcomes  bool // only the reversal-outcome question gets no answer
	afterAnswer func(kind string)
}

func (h *flakyHost) answered(kind string) {
	if h.afterAnswer != nil {
		h.afterAnswer(kind)
	}
}

var errLost = fmt.Errorf("simulated: %w", posapi.ErrNoAnswer)

func (h *flakyHost) lose(kind string) bool {
	if h.dropNext[kind] > 0 {
		h.dropNext[kind]--
		return true
	}
	return false
}

func (h *flakyHost) Recharge(ctx context.Context, r app.RechargeRequest) (app.RechargeResult, error) {
	if h.down {
		return app.RechargeResult{}, errLost
	}
	res, err := h.Host.Recharge(ctx, r)
	defer h.answered("recharge")
	if h.lose("recharge") {
		return app.RechargeResult{}, errLost
	}
	return res, err
}

func (h *flakyHost) Reverse(ctx context.Context, r app.ReverseRequest) (app.ReverseResult, error) {
	if h.down {
		return app.ReverseResult{}, errLost
	}
	res, err := h.Host.Reverse(ctx, r)
	if h.lose("reverse") {
		return app.ReverseResult{}, errLost
	}
	return res, err
}

func (h *flakyHost) Cancel(ctx context.Context, r app.CancelRequest) (app.CancelResult, error) {
	if h.down {
		return app.CancelResult{}, errLost
	}
	return h.Host.Cancel(ctx, r)
}

func (h *flakyHost) Confirm(ctx context.Context, r app.ConfirmRequest) (app.ConfirmResult, error) {
	if h.down {
		return app.ConfirmResult{}, errLost
	}
	res, err := h.Host.Confirm(ctx, r)
	defer h.answered("confirm")
	if h.lose("confirm") {
		return app.ConfirmResult{}, errLost
	}
	return res, err
}

func (h *flakyHost) ReversalOutcomes(ctx context.Context, serials []int64) (app.ReversalOutcomesResult, error) {
	if h.down || h.noOutcomes {
		return app.ReversalOutcomesResult{}, errLost
	}
	return h.Host.ReversalOutcomes(ctx, serials)
}

func (h *flakyHost) Summary(ctx context.Context) (app.SummaryResult, error) {
	if h.down {
		return app.SummaryResult{}, errLost
	}
	return h.Host.Summary(ctx)
}

func TestRechargeWritesTheCardAndConfirms(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	out := w.recharged(50)
	if got := w.balance(apptest.UserCard(0)); got != 50*app.Yuan || out.BalanceAfter != got {
		t.Fatalf("card balance %d, outcome %+v", got, out)
	}
	w.noneAwaitsDesk(time.Hour, "a confirmed recharge")
	sum, err := w.term.Summary(ctx)
	if err != nil || sum.Session.Recharges.Count != 1 || sum.Session.Cash != 50*app.Yuan {
		t.Fatalf("summary %+v %v", sum, err)
	}
	if _, err := w.term.Recharge(ctx, 0); !errors.Is(err, app.CodeAmountNotPos) {
		t.Fatalf("0 yuan: %v", err)
	}
}

// Rule 5: no answer → 充值超时 → automatic reversal, retried until acknowledged, applied
// after the delay and counted in the summary; the card is not credited.
func TestTimeoutReversesAutomatically(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.ready()
	w.host.dropNext = map[string]int{"recharge": 1, "reverse": 2} // the reversal's answers are lost twice too
	_, err := w.term.Recharge(ctx, 100)
	if !errors.Is(err, pos.CodeTimeout) {
		t.Fatalf("want RECHARGE_TIMEOUT, got %v", err)
	}
	if len(w.term.State().Queue) != 0 || w.waits != 2 {
		t.Fatalf("reversal not acknowledged after retries: queue %+v waits %d", w.term.State().Queue, w.waits)
	}
	if w.balance(apptest.UserCard(0)) != 0 {
		t.Fatal("card credited after a timeout")
	}
	w.site.Clock.Advance(w.site.Cfg.ReversalDelay)
	if n, err := w.site.Svc.ApplyDueReversals(ctx); err != nil || n != 1 {
		t.Fatalf("applied %d %v", n, err)
	}
	sum, err := w.term.Summary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Session.Recharges.Count != 1 || sum.Session.Reversals.Count != 1 || sum.Session.Cash != 0 {
		t.Fatalf("summary %+v", sum)
	}
}

// Rule 5 after a power cycle: a recharge sent whose answer never came is reversed first,
// whether or not the host booked it.
func TestPowerCycleReversesTheUnansweredRechargeFirst(t *testing.T) {
	for _, booked := range []bool{true, false} {
		t.Run(fmt.Sprintf("booked=%v", booked), func(t *testing.T) {
			w := newWorld(t)
			ctx := context.Background()
			w.authorize()
			st := w.term.State()
			rec := pos.Recharge{Serial: st.NextSerial, CardNo: apptest.UserCard(0), Amount: 20 * app.Yuan}
			if booked {
				if _, err := w.site.Svc.Recharge(ctx, app.RechargeRequest{DeviceID: "P1", Serial: rec.Serial, BatchNo: st.Session.BatchNo,
					AuthCode: st.Session.AuthCode, CardNo: rec.CardNo, Amount: rec.Amount}); err != nil {
					t.Fatal(err)
				}
			}
			// The power fails after the journal said "in flight".
			st.InFlight, st.NextSerial = &rec, st.NextSerial+1
			j, _, _ := pos.OpenJournal(w.journal, "P1")
			if err := j.Save(st); err != nil {
				t.Fatal(err)
			}
			w.powerOn()
			if err := w.term.Start(ctx); err != nil {
				t.Fatal(err)
			}
			if s := w.term.State(); s.InFlight != nil || len(s.Queue) != 0 {
				t.Fatalf("after start: %+v", s)
			}
			w.site.Clock.Advance(w.site.Cfg.ReversalDelay)
			w.site.Svc.ApplyDueReversals(ctx)
			if !booked { // the original, arriving late, is never booked
				_, err := w.site.Svc.Recharge(ctx, app.RechargeRequest{DeviceID: "P1", Serial: rec.Serial, BatchNo: st.Session.BatchNo,
					AuthCode: st.Session.AuthCode, CardNo: rec.CardNo, Amount: rec.Amount})
				if !errors.Is(err, app.CodePreviouslyRev) {
					t.Fatalf("late original: %v", err)
				}
			}
			r := w.report()
			if r.Total.Cash() != 0 {
				t.Fatalf("cash %d after a reversed timeout: %+v", r.Total.Cash(), r.Total)
			}
		})
	}
}

// Rule 3: a torn card write → 请重刷卡 → the re-tap decides from the card, writes only if
// needed; one record in the host and one credit on the card, wherever the tear fell.
func TestRetapAfterATornWriteCreditsOnce(t *testing.T) {
	for k := 1; k <= 10; k++ {
		t.Run(fmt.Sprintf("tear-after-%d", k), func(t *testing.T) {
			w := newWorld(t)
			ctx := context.Background()
			w.ready()
			w.tearCredit(apptest.UserCard(0), k)
			_, err := w.term.Recharge(ctx, 30)
			// Every APDU of the credit, the last included, can tear: its answer is lost.
			if !errors.Is(err, pos.CodeRetap) {
				t.Fatalf("want RETAP_CARD, got %v", err)
			}
			if _, err := w.term.Recharge(ctx, 30); !errors.Is(err, pos.CodeRetapPending) {
				t.Fatalf("a new recharge during 请重刷卡: %v", err)
			}
			w.cards[apptest.UserCard(0)].Insert() // the card comes back to the field
			w.put(apptest.UserCard(1))
			if _, err := w.term.Retap(ctx); !errors.Is(err, pos.CodeWrongCard) {
				t.Fatalf("another card at re-tap: %v", err)
			}
			w.put(apptest.UserCard(0))
			if _, err := w.term.Retap(ctx); err != nil {
				t.Fatal(err)
			}
			if got := w.balance(apptest.UserCard(0)); got != 30*app.Yuan {
				t.Fatalf("balance %d after re-tap, want 3000", got)
			}
			r := w.report()
			if r.Total.Recharges.Count != 1 || r.Total.Cash() != 30*app.Yuan {
				t.Fatalf("host holds %+v", r.Total)
			}
			w.noneAwaitsDesk(time.Hour, "confirmed recharge")
		})
	}
}

// Rules 4, 6, 13: Cancel at 请重刷卡 sends a cancel record (uploaded before anything else,
// also when the network was down); the recharge stays booked and awaits the desk.
func TestCancelAtRetapIsRecordedAndAwaitsTheDesk(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.tornRecharge(40)
	w.host.down = true
	if err := w.term.CancelRetap(ctx); err != nil { // drains once the network heals
		t.Fatal(err)
	}
	if q := w.term.State().Queue; len(q) != 0 {
		t.Fatalf("cancel not uploaded: %+v", q)
	}
	r := w.report()
	if r.Total.Recharges.Count != 1 || r.Total.Cancels != 1 || r.Total.Cash() != 40*app.Yuan {
		t.Fatalf("report %+v", r.Total)
	}
	items, err := w.site.Svc.AwaitingDesk(ctx, app.SystemActor, apptest.UserCard(0))
	if err != nil || len(items) != 1 || items[0].Reason != app.DeskCancelReported {
		t.Fatalf("desk: %+v %v", items, err)
	}
}

// Rule 6 and menu 3: records queued while the host is unreachable are uploaded by
// "3. 脱机批上送记录" and, failing that, before the next operation.
func TestOfflineRecordsUploadBeforeAnythingElse(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.cancelQueuedOffline()
	if _, err := w.term.Summary(ctx); !errors.Is(err, pos.CodeQueuePending) {
		t.Fatalf("summary with records pending: %v", err)
	}
	if len(w.term.State().Queue) != 1 {
		t.Fatalf("queue %+v", w.term.State().Queue)
	}
	// A power cycle keeps the queue.
	w.powerOn()
	if len(w.term.State().Queue) != 1 {
		t.Fatal("queue lost in a power cycle")
	}
	w.host.down = false
	items, err := w.term.Upload(ctx)
	if err != nil || len(items) != 1 || !items[0].Accepted || items[0].Status != string(app.CancelRecorded) {
		t.Fatalf("upload %+v %v", items, err)
	}
	if len(w.term.State().Queue) != 0 {
		t.Fatal("accepted record still queued")
	}
	// Uploading again is harmless: the host keeps one cancel.
	if r := w.report(); r.Total.Cancels != 1 {
		t.Fatalf("cancels %d", r.Total.Cancels)
	}
}

// A lost confirm is resent with the next operation; the host ends with the write confirmed.
func TestLostConfirmIsResent(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.ready()
	w.host.dropNext = map[string]int{"confirm": 1}
	if _, err := w.term.Recharge(ctx, 60); err != nil {
		t.Fatal(err)
	}
	if len(w.term.State().Unconfirmed) != 1 {
		t.Fatalf("unconfirmed %+v", w.term.State().Unconfirmed)
	}
	if _, err := w.term.Summary(ctx); err != nil {
		t.Fatal(err)
	}
	if len(w.term.State().Unconfirmed) != 0 {
		t.Fatal("confirm not resent")
	}
	w.noneAwaitsDesk(time.Hour, "confirmed recharge")
}

// A replaced POS (its journal lost) must not reuse serials the host kept for the device:
// a new journal asks the host first and continues after its last serial.
func TestNewJournalContinuesAfterTheHostsLastSerial(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.recharged(10)
	used := w.term.State().NextSerial - 1
	w.journal = filepath.Join(t.TempDir(), "replacement.json")
	w.powerOn()
	if err := w.term.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if got := w.term.State().NextSerial; got != used+1 {
		t.Fatalf("replacement POS starts at serial %d, the host kept up to %d", got, used)
	}
	w.ready()
	if _, err := w.term.Recharge(ctx, 10); err != nil {
		t.Fatalf("recharge on the replacement POS: %v", err)
	}
}
