package pos_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/pos"
	"cardcenter/app/posapi"
)

// timeout makes a recharge of yuan whose answer is lost (the host books it) and returns
// the recharge's serial; its reversal is acknowledged.
func (w *world) timeout(yuan int64) int64 {
	w.t.Helper()
	w.put(apptest.UserCard(0))
	serial := w.term.State().NextSerial
	w.host.dropNext = map[string]int{"recharge": 1}
	if _, err := w.term.Recharge(context.Background(), yuan); !errors.Is(err, pos.CodeTimeout) {
		w.t.Fatalf("want RECHARGE_TIMEOUT, got %v", err)
	}
	return serial
}

func (w *world) applyDue() {
	w.t.Helper()
	w.site.Clock.Advance(w.site.Cfg.ReversalDelay)
	if _, err := w.site.Svc.ApplyDueReversals(context.Background()); err != nil {
		w.t.Fatal(err)
	}
}

// A reversal acknowledged as pending is watched until the host says it is final; the POS
// then tells the operator once, and forgets it when the operator has seen it.
func TestReversalOutcomeIsShownOnceWhenFinal(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.authorize()
	orig := w.timeout(100)
	st := w.term.State()
	if len(st.Watched) != 1 || st.Watched[0].OrigSerial != orig || len(st.Notices) != 0 {
		t.Fatalf("after the acknowledgement: watched %+v notices %+v", st.Watched, st.Notices)
	}
	if err := w.term.CheckOutcomes(ctx); err != nil || len(w.term.Notices()) != 0 {
		t.Fatalf("before the delay: %v, notices %+v", err, w.term.Notices())
	}
	w.applyDue()
	if _, err := w.term.Summary(ctx); err != nil { // the next operation asks
		t.Fatal(err)
	}
	ns := w.term.Notices()
	if len(ns) != 1 || ns[0].Outcome != string(app.RevApplied) || ns[0].Alarm || ns[0].OrigSerial != orig || len(w.term.State().Watched) != 0 {
		t.Fatalf("notices %+v, watched %+v", ns, w.term.State().Watched)
	}
	if msg := ns[0].Message("zh"); !strings.Contains(msg, "已冲正") || !strings.Contains(msg, "100.00") {
		t.Fatalf("the POS says %q", msg)
	}
	if err := w.term.DismissNotices([]int64{ns[0].Serial}); err != nil {
		t.Fatal(err)
	}
	w.powerOn() // seen is seen, also after a power cycle
	if err := w.term.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if ns := w.term.Notices(); len(ns) != 0 {
		t.Fatalf("shown twice: %+v", ns)
	}
}

// A reversal that did not take the recharge back (the card got the money meanwhile: a
// conflict) is told loudly: the operator must not refund the cash, the card center decides.
func TestReversalThatCouldNotReverseIsAnAlarm(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.authorize()
	orig := w.timeout(50)
	// Further activity before the delay ends: the original is confirmed written.
	if _, err := w.site.Svc.Confirm(ctx, app.ConfirmRequest{DeviceID: "P1", Serial: 900, OrigSerial: orig,
		CardNo: apptest.UserCard(0), Amount: 50 * app.Yuan}); err != nil {
		t.Fatal(err)
	}
	w.applyDue()
	if err := w.term.CheckOutcomes(ctx); err != nil { // the idle POS asks
		t.Fatal(err)
	}
	ns := w.term.Notices()
	if len(ns) != 1 || !ns[0].Alarm || ns[0].Outcome != string(app.RevConflict) || ns[0].Code != app.CodeAlreadyWritten {
		t.Fatalf("notices %+v", ns)
	}
	for lang, want := range map[string]string{"zh": fmt.Sprintf("冲正 流水 %d 未能冲正,已转卡务中心异常处理,请勿退还现金(原充值 流水 %d", orig+1, orig),
		"en": fmt.Sprintf("reversal %d did not reverse the recharge; passed to the card center as an exception: do not refund the cash", orig+1)} {
		if msg := ns[0].Message(lang); !strings.Contains(msg, want) {
			t.Fatalf("%s: the POS says %q", lang, msg)
		}
	}
}

// The question is best effort: with no answer the reversals stay watched, and are asked
// about again later.
func TestReversalOutcomesWithNoAnswerStayWatched(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.authorize()
	w.timeout(20)
	w.applyDue()
	w.host.down = true
	if err := w.term.CheckOutcomes(ctx); !errors.Is(err, posapi.ErrNoAnswer) {
		t.Fatalf("want no answer, got %v", err)
	}
	if st := w.term.State(); len(st.Watched) != 1 || len(st.Notices) != 0 {
		t.Fatalf("after no answer: %+v", st)
	}
	w.host.down = false
	if err := w.term.CheckOutcomes(ctx); err != nil || len(w.term.Notices()) != 1 {
		t.Fatalf("asked again: %v %+v", err, w.term.Notices())
	}
}

// rewriteJournal edits the POS's journal as it is on disk and powers the POS on from it.
func (w *world) rewriteJournal(edit func(*pos.State)) {
	w.t.Helper()
	j, st, err := pos.OpenJournal(w.journal, "P1")
	if err != nil {
		w.t.Fatal(err)
	}
	edit(&st)
	if err := j.Save(st); err != nil {
		w.t.Fatal(err)
	}
	w.powerOn()
}

// A reversal the host sets aside on arrival (it does not match its original) is final at
// its acknowledgement: the alarm comes at once, with nothing left to watch. And a queued
// reversal the host refuses for its content (its serial was already used for another
// message) leaves the queue, so the POS is not blocked behind it for ever, but loudly.
func TestReversalSetAsideOrRefusedIsAnAlarmAtOnce(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	out := w.recharged(30)
	next := w.term.State().NextSerial
	w.rewriteJournal(func(st *pos.State) {
		st.Queue = []app.OfflineRecord{
			{Kind: app.OfflineReversal, Serial: next, OrigSerial: out.Serial, CardNo: out.CardNo, Amount: 70 * app.Yuan},
			{Kind: app.OfflineReversal, Serial: out.Serial, OrigSerial: out.Serial - 1, CardNo: out.CardNo, Amount: 30 * app.Yuan},
		}
		st.NextSerial = next + 1
	})
	if err := w.term.Start(ctx); err != nil {
		t.Fatal(err)
	}
	st := w.term.State()
	if len(st.Queue) != 0 || len(st.Watched) != 0 || len(st.Notices) != 2 {
		t.Fatalf("after start: %+v", st)
	}
	set, refused := st.Notices[0], st.Notices[1]
	if !set.Alarm || set.Outcome != string(app.RevException) || set.Code != app.CodeRecordMismatch {
		t.Fatalf("set aside: %+v", set)
	}
	if !refused.Alarm || refused.Outcome != "refused" || refused.Code != app.CodeDuplicateConflict || refused.ZH == "" {
		t.Fatalf("refused: %+v", refused)
	}
	if msg := refused.Message("zh"); !strings.Contains(msg, "请勿退还现金") || !strings.Contains(msg, "流水号重复且内容不同") {
		t.Fatalf("the POS says %q", msg)
	}
}

// truncatingHost answers a batch about all its records but the last, as a host that could
// not take them all would.
type truncatingHost struct{ pos.Host }

func (h truncatingHost) Batch(ctx context.Context, recs []app.OfflineRecord) (posapi.BatchResult, error) {
	res, err := h.Host.Batch(ctx, recs)
	if len(res.Items) > 0 {
		res.Items = res.Items[:len(res.Items)-1]
	}
	return res, err
}

// "3. 脱机批上送记录": a record leaves the queue only when its item says the host recorded it
// or refused it for its content; a record the answer says nothing about stays. Queues
// longer than one batch go in several.
func TestUploadDropsOnlyWhatTheHostRecordedOrRefused(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	out := w.recharged(30)
	next := w.term.State().NextSerial
	cancel := func(serial int64) app.OfflineRecord {
		return app.OfflineRecord{Kind: app.OfflineCancel, Serial: serial, OrigSerial: out.Serial, CardNo: out.CardNo, Amount: out.Amount}
	}
	queue := []app.OfflineRecord{cancel(out.Serial)} // reuses the recharge's serial: refused
	for i := range int64(pos.MaxBatch + 10) {
		queue = append(queue, cancel(next+i))
	}
	w.rewriteJournal(func(st *pos.State) { st.Queue, st.NextSerial = queue, next+int64(len(queue)) })
	w.term = pos.New(truncatingHost{w.host}, nil, mustJournal(t, w.journal), w.term.State(), w.clock)
	items, err := w.term.Upload(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st := w.term.State()
	// The first batch lost its last item: that record and every later one stay.
	if len(items) != pos.MaxBatch-1 || len(st.Queue) != len(queue)-(pos.MaxBatch-1) || st.Queue[0].Serial != queue[pos.MaxBatch-1].Serial {
		t.Fatalf("%d items, queue of %d starting %+v", len(items), len(st.Queue), st.Queue[0])
	}
	if len(st.Notices) != 1 || st.Notices[0].Code != app.CodeDuplicateConflict || st.Notices[0].Alarm {
		t.Fatalf("notices %+v", st.Notices)
	}
	w.term = pos.New(w.host, nil, mustJournal(t, w.journal), w.term.State(), w.clock)
	if _, err := w.term.Upload(ctx); err != nil || len(w.term.State().Queue) != 0 {
		t.Fatalf("second upload: %v, queue %d", err, len(w.term.State().Queue))
	}
	if n := w.site.Count(`SELECT COUNT(*) FROM cancels`); n != int64(len(queue)-1) {
		t.Fatalf("%d cancels recorded, want %d", n, len(queue)-1)
	}
}

func mustJournal(t *testing.T, path string) *pos.Journal {
	j, _, err := pos.OpenJournal(path, "P1")
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// A reversal that could not get through before its day was settled is applied late (it
// counts on the day it is processed): the POS learns that too, and says on which day.
func TestLateReversalOutcomeSaysTheDayItCountsOn(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.ready()
	w.host.dropNext = map[string]int{"recharge": 1}
	w.host.afterAnswer = func(kind string) { w.host.down = true } // the link breaks with the answer
	w.term.Wait = func(context.Context, int) error { return errors.New("offline") }
	if _, err := w.term.Recharge(ctx, 80); !errors.Is(err, pos.CodeTimeoutPending) {
		t.Fatalf("want RECHARGE_TIMEOUT_REVERSAL_PENDING, got %v", err)
	}
	day := w.site.Svc.Today()
	w.site.Clock.Advance(15 * time.Hour) // past midnight and the reversal delay: the day settles
	if res, err := w.site.Svc.Settle(ctx, w.site.Admin); err != nil || len(res.Settled) != 1 {
		t.Fatalf("settle: %+v %v", res, err)
	}
	w.host.down, w.host.afterAnswer = false, nil
	if err := w.term.Start(ctx); err != nil {
		t.Fatal(err)
	}
	w.applyDue()
	if err := w.term.CheckOutcomes(ctx); err != nil {
		t.Fatal(err)
	}
	ns := w.term.Notices()
	today := w.site.Svc.Today()
	if len(ns) != 1 || ns[0].Outcome != string(app.RevApplied) || ns[0].Alarm || !ns[0].Late || ns[0].Day != today || today == day {
		t.Fatalf("notices %+v (recharge day %s, today %s)", ns, day, today)
	}
	if msg := ns[0].Message("zh"); !strings.Contains(msg, "迟到冲正,计入 "+today) {
		t.Fatalf("the POS says %q", msg)
	}
}

// The journal stays bounded when the host is out of reach for days: the oldest watched
// reversal goes first, and an unshown alarm outlives every quiet notice.
func TestWatchedAndNoticesStayBounded(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.authorize()
	var full []pos.Watched
	for i := range int64(pos.MaxWatched) {
		full = append(full, pos.Watched{Serial: 1000 + i, OrigSerial: 999, CardNo: apptest.UserCard(0), Amount: app.Yuan})
	}
	var notices []pos.Notice
	for i := range int64(pos.MaxNotices) {
		notices = append(notices, pos.Notice{Kind: app.OfflineReversal, Serial: 2000 + i, Outcome: "applied", Alarm: i == 0})
	}
	w.rewriteJournal(func(st *pos.State) { st.Watched, st.Notices = full, notices })
	w.host.noOutcomes = true
	orig := w.timeout(10)
	st := w.term.State()
	if len(st.Watched) != pos.MaxWatched || st.Watched[0].Serial != 1001 || st.Watched[len(st.Watched)-1].OrigSerial != orig {
		t.Fatalf("watched %d, first %+v, last %+v", len(st.Watched), st.Watched[0], st.Watched[len(st.Watched)-1])
	}
	// One more notice: the first quiet one goes, the alarm stays.
	w.rewriteJournal(func(st *pos.State) { st.Watched = st.Watched[len(st.Watched)-1:] })
	w.host.noOutcomes = false
	w.applyDue()
	if err := w.term.CheckOutcomes(ctx); err != nil {
		t.Fatal(err)
	}
	ns := w.term.Notices()
	if len(ns) != pos.MaxNotices || !ns[0].Alarm || ns[1].Serial != 2002 || ns[len(ns)-1].OrigSerial != orig {
		t.Fatalf("%d notices, first %+v, second %+v, last %+v", len(ns), ns[0], ns[1], ns[len(ns)-1])
	}
}
