package pos_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"testing"

	"cardcenter/app"
	"cardcenter/app/pos"
	"cardcenter/app/posapi"
)

// faultProxy stands on the loopback path between the POS and the host (as a gateway or a
// middlebox would) and spoils the next faults[path] exchanges on path with one kind of
// trouble; every other exchange passes untouched.
type faultProxy struct {
	mu     sync.Mutex
	kind   string
	faults map[string]int
	srv    *httptest.Server
	host   *url.URL
}

// The kinds of "no answer" a POS meets, and the reason the POS must show for each.
// noAnswerKind is a way a message gets no answer the POS can trust, and the reason the POS
// then gives.
type noAnswerKind struct {
	kind   string
	reason app.Code
}

var noAnswerKinds = []noAnswerKind{
	{"gateway 502", posapi.CodeBadAnswer},                 // a proxy's error page, unsigned
	{"answer unsigned", posapi.CodeBadAnswer},             // the host's approval with its signature stripped
	{"answer tampered", posapi.CodeBadAnswer},             // one byte of the answer changed on the way
	{"no such endpoint", posapi.CodeNotFoundPath},         // the host's own 404 (an older host)
	{"body too large", posapi.CodeBadAnswer},              // a proxy's 413 page
	{"request signature spoilt", posapi.CodeBadSignature}, // the host's own BAD_SIGNATURE
	{"unknown device", app.CodeUnknownDevice},             // the host's own UNKNOWN_DEVICE
}

func newFaultProxy(t *testing.T, hostURL string) *faultProxy {
	u, err := url.Parse(hostURL)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{host: u, faults: map[string]int{}}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *faultProxy) arm(kind, path string, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.kind, p.faults[path] = kind, n
}

func (p *faultProxy) take(path string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.faults[path] > 0 {
		p.faults[path]--
		return p.kind
	}
	return ""
}

func (p *faultProxy) serve(w http.ResponseWriter, r *http.Request) {
	rp := httputil.NewSingleHostReverseProxy(p.host)
	switch p.take(r.URL.Path) {
	case "gateway 502":
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html><body>502 Bad Gateway</body></html>")
		return
	case "body too large":
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		io.WriteString(w, "<html><body>413 Request Entity Too Large</body></html>")
		return
	case "answer unsigned":
		rp.ModifyResponse = func(resp *http.Response) error { resp.Header.Del(posapi.HeaderSignature); return nil }
	case "answer tampered":
		rp.ModifyResponse = func(resp *http.Response) error {
			b, _ := io.ReadAll(resp.Body)
			b = bytes.Replace(b, []byte(`"ok":true`), []byte(`"ok":true `), 1)
			resp.Body = io.NopCloser(bytes.NewReader(b))
			resp.ContentLength = int64(len(b))
			resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
			return nil
		}
	case "no such endpoint":
		r.URL.Path += "-v0"
	case "request signature spoilt":
		// Flip the first hex digit (writing "00" over it left one signature in 256 as it was).
		sig := []byte(r.Header.Get(posapi.HeaderSignature))
		sig[0] = map[bool]byte{true: '1', false: '0'}[sig[0] == '0']
		r.Header.Set(posapi.HeaderSignature, string(sig))
	case "unknown device":
		r.Header.Set(posapi.HeaderDevice, "P9")
	}
	rp.ServeHTTP(w, r)
}

// proxied is a world whose POS reaches the host through a faultProxy, and whose retries
// record what the POS said it was waiting for.
// eachNoAnswer runs test once for every kind of "no answer", each in a world of its own
// behind a fault proxy (proxied).
func eachNoAnswer(t *testing.T, test func(t *testing.T, k noAnswerKind, w *world, p *faultProxy, seen *[]pos.Waiting)) {
	for _, k := range noAnswerKinds {
		t.Run(k.kind, func(t *testing.T) {
			w, p, seen := proxied(t)
			test(t, k, w, p, seen)
		})
	}
}

func proxied(t *testing.T) (*world, *faultProxy, *[]pos.Waiting) {
	w := newWorld(t)
	c := w.host.Host.(*posapi.Client)
	p := newFaultProxy(t, c.BaseURL)
	c.BaseURL = p.srv.URL
	var seen []pos.Waiting
	w.term.Wait = func(ctx context.Context, attempt int) error {
		wt, ok := w.term.Progress()
		if !ok {
			t.Fatalf("retry %d without saying what the POS waits for", attempt)
		}
		seen = append(seen, wt)
		if attempt > 10 {
			return errors.New("gave up")
		}
		return nil
	}
	return w, p, &seen
}

func checkWaited(t *testing.T, seen []pos.Waiting, kind app.OfflineKind, serial int64, reason app.Code, n int) {
	t.Helper()
	if len(seen) != n {
		t.Fatalf("waited %d times, want %d: %+v", len(seen), n, seen)
	}
	for i, wt := range seen {
		if wt.Kind != kind || wt.Serial != serial || wt.Reason == nil || wt.Reason.Code != reason || wt.Attempts != i+1 {
			t.Fatalf("wait %d: %+v (reason %v), want %s %d for %s", i, wt, wt.Reason, kind, serial, reason)
		}
	}
	if msg := seen[0].Message("zh"); !bytes.Contains([]byte(msg), []byte(fmt.Sprintf("流水 %d", serial))) || seen[0].Reason.ZH == "" {
		t.Fatalf("the POS says %q", msg)
	}
}

// A queued reversal whose answers are each kind of "no answer" stays queued, the POS says
// what it waits for and why, and once the path heals the host records it.
func TestQueuedReversalIsKeptOnEveryKindOfNoAnswer(t *testing.T) {
	eachNoAnswer(t, func(t *testing.T, k noAnswerKind, w *world, p *faultProxy, seen *[]pos.Waiting) {
		ctx := context.Background()
		w.ready()
		rechargeSerial := w.term.State().NextSerial
		w.host.dropNext = map[string]int{"recharge": 1}
		p.arm(k.kind, posapi.PathReverse, 3)
		if _, err := w.term.Recharge(ctx, 100); !errors.Is(err, pos.CodeTimeout) {
			t.Fatalf("want RECHARGE_TIMEOUT, reversal acknowledged; got %v", err)
		}
		checkWaited(t, *seen, app.OfflineReversal, rechargeSerial+1, k.reason, 3)
		if _, ok := w.term.Progress(); ok {
			t.Fatal("still says it is waiting after the reversal was acknowledged")
		}
		if n := w.site.Count(`SELECT COUNT(*) FROM reversals WHERE device_id = 'P1' AND orig_serial = ?`, rechargeSerial); n != 1 {
			t.Fatalf("the host holds %d reversals", n)
		}
	})
}

// The same for a cancel record.
func TestQueuedCancelIsKeptOnEveryKindOfNoAnswer(t *testing.T) {
	eachNoAnswer(t, func(t *testing.T, k noAnswerKind, w *world, p *faultProxy, seen *[]pos.Waiting) {
		ctx := context.Background()
		w.tornRecharge(40)
		cancelSerial := w.term.State().NextSerial
		p.arm(k.kind, posapi.PathCancel, 2)
		if err := w.term.CancelRetap(ctx); err != nil {
			t.Fatal(err)
		}
		checkWaited(t, *seen, app.OfflineCancel, cancelSerial, k.reason, 2)
		if r := w.report(); r.Total.Cancels != 1 {
			t.Fatalf("the host holds %d cancels", r.Total.Cancels)
		}
	})
}

// The same for a confirm: the one sent right after the card write, and then the retries of
// the next operation.
func TestConfirmIsKeptOnEveryKindOfNoAnswer(t *testing.T) {
	eachNoAnswer(t, func(t *testing.T, k noAnswerKind, w *world, p *faultProxy, seen *[]pos.Waiting) {
		ctx := context.Background()
		w.ready()
		serial := w.term.State().NextSerial
		p.arm(k.kind, posapi.PathConfirm, 3)
		if _, err := w.term.Recharge(ctx, 60); err != nil {
			t.Fatal(err)
		}
		if u := w.term.State().Unconfirmed; len(u) != 1 {
			t.Fatalf("confirm not kept: %+v", u)
		}
		if _, err := w.term.Summary(ctx); err != nil {
			t.Fatal(err)
		}
		checkWaited(t, *seen, "confirm", serial+1, k.reason, 2)
		if r, _ := w.site.RechargeByKey("P1", serial); r.CardWrite != app.WriteWritten {
			t.Fatalf("card write %q", r.CardWrite)
		}
	})
}

// "3. 脱机批上送记录" meets the same: a batch that gets no answer keeps every record.
func TestUploadKeepsTheQueueOnEveryKindOfNoAnswer(t *testing.T) {
	eachNoAnswer(t, func(t *testing.T, k noAnswerKind, w *world, p *faultProxy, seen *[]pos.Waiting) {
		ctx := context.Background()
		w.cancelQueuedOffline()
		w.host.down = false
		p.arm(k.kind, posapi.PathBatch, 1)
		if _, err := w.term.Upload(ctx); !errors.Is(err, posapi.ErrNoAnswer) || posapi.Reason(err).Code != k.reason {
			t.Fatalf("upload through %s: %v", k.kind, err)
		}
		if q := w.term.State().Queue; len(q) != 1 {
			t.Fatalf("queue after a batch with no answer: %+v", q)
		}
		items, err := w.term.Upload(ctx)
		if err != nil || len(items) != 1 || !items[0].Accepted || len(w.term.State().Queue) != 0 {
			t.Fatalf("upload after the path healed: %+v %v, queue %+v", items, err, w.term.State().Queue)
		}
	})
}

// failingHost fails the next Reverse with an error that is neither an answer nor "no
// answer" (a client that could not even build the request).
type failingHost struct {
	pos.Host
	fail int
}

func (h *failingHost) Reverse(ctx context.Context, r app.ReverseRequest) (app.ReverseResult, error) {
	if h.fail > 0 {
		h.fail--
		return app.ReverseResult{}, errors.New("cannot build the request")
	}
	return h.Host.Reverse(ctx, r)
}

// Only an answer about the record removes it: an error that is not one keeps it for the
// next operation.
func TestQueuedRecordIsKeptOnAnErrorThatIsNotAnAnswer(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.ready()
	w.host.dropNext = map[string]int{"recharge": 1}
	j := mustJournal(t, w.journal)
	w.term = pos.New(&failingHost{Host: w.host, fail: 1}, w.reader, j, w.term.State(), w.clock)
	if _, err := w.term.Recharge(ctx, 10); err == nil || errors.Is(err, pos.CodeTimeout) {
		t.Fatalf("want the failure, got %v", err)
	}
	if q := w.term.State().Queue; len(q) != 1 || q[0].Kind != app.OfflineReversal {
		t.Fatalf("reversal not kept: %+v", q)
	}
	if err := w.term.Start(ctx); err != nil || len(w.term.State().Queue) != 0 {
		t.Fatalf("start: %v, queue %+v", err, w.term.State().Queue)
	}
}
