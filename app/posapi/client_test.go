package posapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/posapi"
)

// skewedClock is a POS clock off the host's by a fixed step.
type skewedClock struct {
	host app.Clock
	skew time.Duration
}

func (c skewedClock) Now() time.Time { return c.host.Now().Add(c.skew) }

// counting wraps the host's handler and counts the requests that reach it.
func counting(h http.Handler, n *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1); h.ServeHTTP(w, r) })
}

// A POS whose clock stepped by hours: its first message gets a signed STALE_TIMESTAMP, the
// client learns the host's time from that answer and sends the same message again at once;
// the next messages are signed right the first time.
func TestClientLearnsTheHostsTimeFromASignedStaleTimestamp(t *testing.T) {
	for _, skew := range []time.Duration{-3 * time.Hour, 7 * time.Minute, 26 * time.Hour} {
		t.Run(skew.String(), func(t *testing.T) {
			s := apptest.New(t, apptest.Options{})
			var n atomic.Int64
			srv := httptest.NewServer(counting(posapi.NewServer(s.Svc, nil), &n))
			defer srv.Close()
			dev, _ := s.Svc.DeviceWithKey(context.Background(), "P1")
			c := &posapi.Client{BaseURL: srv.URL, DeviceID: "P1", Secret: dev.Secret, Clock: skewedClock{s.Clock, skew}}
			if _, err := c.Summary(context.Background()); !errors.Is(err, app.CodeNotAuthorized) {
				t.Fatalf("want the host's own answer (DEVICE_NOT_AUTHORIZED), got %v", err)
			}
			if n.Load() != 2 {
				t.Fatalf("%d requests, want 2 (refused as stale, then sent again)", n.Load())
			}
			if got := c.Offset(); (got + skew).Abs() > time.Second {
				t.Fatalf("offset %v, want %v", got, -skew)
			}
			if got := c.Now(); !got.Equal(s.Clock.Now()) {
				t.Fatalf("client's host time %v, host %v", got, s.Clock.Now())
			}
			if _, err := c.LastSerial(context.Background()); err != nil || n.Load() != 3 {
				t.Fatalf("next message: %v after %d requests, want one request", err, n.Load())
			}
		})
	}
}

// Only a verified answer teaches the clock: an unsigned STALE_TIMESTAMP (anyone on the path
// can send one) is no answer and leaves the offset alone.
func TestClientLearnsNoTimeFromAnUnsignedAnswer(t *testing.T) {
	h := newHost(t)
	strip := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(posapi.HeaderHostTime, strconv.FormatInt(h.site.Clock.Now().Add(time.Hour).UnixMilli(), 10))
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"ok":false,"code":"STALE_TIMESTAMP","zh":"报文时间超出允许范围,请校对时钟","en":"stale"}`)
	}))
	defer strip.Close()
	c := h.client(t, "P1")
	c.BaseURL = strip.URL
	_, err := c.Summary(context.Background())
	if !errors.Is(err, posapi.ErrNoAnswer) || !errors.Is(err, posapi.CodeStaleTimestamp) {
		t.Fatalf("want no answer (stale, unsigned), got %v", err)
	}
	if c.Offset() != 0 {
		t.Fatalf("learned offset %v from an unsigned answer", c.Offset())
	}
}

// signingHost is a stand-in host that answers every request with a body and status chosen
// by the test, signed as the real host signs (or not): for the answers the real host never
// gives, which the client must still classify.
func signingHost(t *testing.T, secret []byte, status int, body string, sign bool, hostTime func() string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sign {
			ht := hostTime()
			ms, _ := strconv.ParseInt(ht, 10, 64)
			w.Header().Set(posapi.HeaderHostTime, ht)
			w.Header().Set(posapi.HeaderSignature, posapi.SignResponse(secret, r.Header.Get(posapi.HeaderSignature), ms, []byte(body)))
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Every kind of answer, classified: only an approval, or a verified refusal about the
// message's content, is final; everything else is no answer, with a reason to show.
func TestClientClassifiesEveryAnswer(t *testing.T) {
	h := newHost(t)
	c := h.client(t, "P1")
	now := func() string { return strconv.FormatInt(h.site.Clock.Now().UnixMilli(), 10) }
	refusal := func(code app.Code) string {
		b, _ := json.Marshal(posapi.Answer{Code: code, ZH: "中文", EN: "english"})
		return string(b)
	}
	ok := `{"ok":true,"result":{"last_serial":7}}`
	cases := []struct {
		name   string
		status int
		body   string
		sign   bool
		time   func() string
		final  app.Code // "" = approved; "-" = no answer
		reason app.Code // the reason a no answer carries
	}{
		{"approval", 200, ok, true, now, "", ""},
		{"ledger refusal", 200, refusal(app.CodeOverCeiling), true, now, app.CodeOverCeiling, ""},
		{"duplicate conflict", 200, refusal(app.CodeDuplicateConflict), true, now, app.CodeDuplicateConflict, ""},
		{"malformed request", 400, refusal(posapi.CodeMalformed), true, now, posapi.CodeMalformed, ""},
		{"signed stale timestamp", 401, refusal(posapi.CodeStaleTimestamp), true, now, "-", posapi.CodeStaleTimestamp},
		{"signed device mismatch", 400, refusal(posapi.CodeDeviceMismatch), true, now, "-", posapi.CodeDeviceMismatch},
		{"signed unknown device", 200, refusal(app.CodeUnknownDevice), true, now, "-", app.CodeUnknownDevice},
		{"signed host unavailable", 503, refusal(posapi.CodeHostUnavailable), true, now, "-", posapi.CodeHostUnavailable},
		{"signed 500 with a ledger code", 500, refusal(app.CodeOverCeiling), true, now, "-", app.CodeOverCeiling},
		{"signed 502 approval", 502, ok, true, now, "-", posapi.CodeHostUnavailable},
		{"signed approval with 401", 401, ok, true, now, "-", posapi.CodeBadAnswer},
		{"signed ledger code with 401", 401, refusal(app.CodeOverCeiling), true, now, "-", app.CodeOverCeiling},
		{"signed refusal without a code", 200, `{"ok":false}`, true, now, "-", posapi.CodeBadAnswer},
		{"signed undecodable", 200, `<html>`, true, now, "-", posapi.CodeBadAnswer},
		{"signed undecodable result", 200, `{"ok":true,"result":{"last_serial":"x"}}`, true, now, "-", posapi.CodeBadAnswer},
		{"signed without host time", 200, ok, true, func() string { return "" }, "-", posapi.CodeBadAnswer},
		{"unsigned approval", 200, ok, false, nil, "-", posapi.CodeBadAnswer},
		{"unsigned ledger refusal", 200, refusal(app.CodeOverCeiling), false, nil, "-", app.CodeOverCeiling},
		{"unsigned 401", 401, refusal(posapi.CodeBadSignature), false, nil, "-", posapi.CodeBadSignature},
		{"gateway 502 page", 502, `<html>Bad Gateway</html>`, false, nil, "-", posapi.CodeBadAnswer},
		{"proxy 413 page", 413, `<html>Request Entity Too Large</html>`, false, nil, "-", posapi.CodeBadAnswer},
		{"proxy 404 page", 404, `404 page not found`, false, nil, "-", posapi.CodeBadAnswer},
	}
	for _, tc := range cases {
		srv := signingHost(t, c.Secret, tc.status, tc.body, tc.sign, tc.time)
		cl := h.client(t, "P1")
		cl.BaseURL = srv.URL
		n, err := cl.LastSerial(context.Background())
		switch tc.final {
		case "":
			if err != nil || n != 7 {
				t.Errorf("%s: %d %v, want approved", tc.name, n, err)
			}
		case "-":
			r := posapi.Reason(err)
			if !errors.Is(err, posapi.ErrNoAnswer) || r == nil || r.ZH == "" || r.EN == "" || r.Code != tc.reason {
				t.Errorf("%s: %v (reason %+v), want no answer for %s", tc.name, err, r, tc.reason)
			}
		default:
			if errors.Is(err, posapi.ErrNoAnswer) || !errors.Is(err, tc.final) {
				t.Errorf("%s: %v, want the final refusal %s", tc.name, err, tc.final)
			}
		}
	}
	// Nothing at all: the connection is refused.
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	cl := h.client(t, "P1")
	cl.BaseURL = gone.URL
	if _, err := cl.LastSerial(context.Background()); !errors.Is(err, posapi.ErrNoAnswer) || posapi.Reason(err).Code != posapi.CodeNoAnswer {
		t.Errorf("connection refused: %v", err)
	}
}

// The real host's signed DEVICE_MISMATCH (a body speaking for another device than the
// signer) says nothing about the record: no answer.
func TestHostsDeviceMismatchIsNoAnswer(t *testing.T) {
	h := newHost(t)
	c := h.client(t, "P1")
	_, err := c.Reverse(context.Background(), app.ReverseRequest{DeviceID: "P2", Serial: 5, OrigSerial: 4, CardNo: apptest.UserCard(0), Amount: 10 * app.Yuan})
	if !errors.Is(err, posapi.ErrNoAnswer) || !errors.Is(err, posapi.CodeDeviceMismatch) {
		t.Fatalf("want no answer (device mismatch), got %v", err)
	}
}

// Every signed answer carries the host's clock under its signature; a replay gets the first
// answer's bytes again with the time of now beside them.
func TestSignedAnswersCarryTheHostsTime(t *testing.T) {
	h := newHost(t)
	c := h.client(t, "P1")
	body := []byte(`{"device_id":"P1","serial":1,"card_no":"` + apptest.AuthCard(0) + `","pin":"000000"}`)
	reqSig := posapi.Sign(c.Secret, http.MethodPost, posapi.PathAuthorize, "P1", h.site.Clock.Now().UnixMilli(), body)
	_, _, first, b1 := h.post(t, posapi.PathAuthorize, "P1", c.Secret, h.site.Clock.Now(), body)
	h.site.Clock.Advance(time.Minute)
	_, _, again, b2 := h.post(t, posapi.PathAuthorize, "P1", c.Secret, h.site.Clock.Now(), body)
	if string(b1) != string(b2) {
		t.Fatalf("replay differs:\n%s\n%s", b1, b2)
	}
	t1, _ := strconv.ParseInt(first.Get(posapi.HeaderHostTime), 10, 64)
	t2, _ := strconv.ParseInt(again.Get(posapi.HeaderHostTime), 10, 64)
	if t2-t1 != time.Minute.Milliseconds() || t2 != h.site.Clock.Now().UnixMilli() {
		t.Fatalf("host times %d, %d; host clock %d", t1, t2, h.site.Clock.Now().UnixMilli())
	}
	// The host time is under the signature: with another time it does not verify.
	if sig := first.Get(posapi.HeaderSignature); sig != posapi.SignResponse(c.Secret, reqSig, t1, b1) ||
		sig == posapi.SignResponse(c.Secret, reqSig, t1+1, b1) {
		t.Fatal("the answer's signature does not cover exactly the host time")
	}
}

// POST /v1/reversal-outcomes: a POS learns, serial by serial, what became of its own
// reversals; never of another device's.
func TestReversalOutcomesAnswerTheDevicesOwnReversals(t *testing.T) {
	h := newHost(t)
	ctx := context.Background()
	c := h.client(t, "P1")
	// One reversal of an original that never came (a tombstone after the delay), one of P2.
	if _, err := c.Reverse(ctx, app.ReverseRequest{DeviceID: "P1", Serial: 3, OrigSerial: 2, CardNo: apptest.UserCard(0), Amount: 10 * app.Yuan}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.client(t, "P2").Reverse(ctx, app.ReverseRequest{DeviceID: "P2", Serial: 9, OrigSerial: 8, CardNo: apptest.UserCard(0), Amount: 10 * app.Yuan}); err != nil {
		t.Fatal(err)
	}
	res, err := c.ReversalOutcomes(ctx, []int64{3, 9})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 2 || res.Items[0] != (app.ReversalOutcome{Serial: 3, Status: app.RevPending}) ||
		res.Items[1] != (app.ReversalOutcome{Serial: 9, Status: app.RevNotFound, Final: true}) {
		t.Fatalf("before the delay: %+v", res.Items)
	}
	h.site.Clock.Advance(h.site.Cfg.ReversalDelay)
	if _, err := h.site.Svc.ApplyDueReversals(ctx); err != nil {
		t.Fatal(err)
	}
	res, err = c.ReversalOutcomes(ctx, []int64{3})
	if err != nil {
		t.Fatal(err)
	}
	it := res.Items[0]
	if it.Status != app.RevTombstone || !it.Final || it.Reason != app.CodeOriginalNotFound || !it.ProcessedAt.Equal(h.site.Clock.Now()) {
		t.Fatalf("after the delay: %+v", it)
	}
	many := make([]int64, app.MaxOutcomeSerials+1)
	for i := range many {
		many[i] = int64(i + 1)
	}
	// No list or too long a list is the strict decoder's to refuse; serials out of range the
	// use case's. Both are final answers about the question.
	for _, bad := range []struct {
		serials []int64
		code    app.Code
	}{{nil, posapi.CodeMalformed}, {many, posapi.CodeMalformed}, {[]int64{0}, app.CodeBadInput}, {[]int64{-4}, app.CodeBadInput}} {
		if _, err := c.ReversalOutcomes(ctx, bad.serials); !errors.Is(err, bad.code) || errors.Is(err, posapi.ErrNoAnswer) {
			t.Errorf("%d serials %v: %v, want a final %s", len(bad.serials), bad.serials[:min(len(bad.serials), 2)], err, bad.code)
		}
	}
}
