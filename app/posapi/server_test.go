package posapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/posapi"
)

type host struct {
	site *apptest.Site
	srv  *httptest.Server
}

func newHost(t *testing.T) *host {
	s := apptest.New(t, apptest.Options{})
	srv := httptest.NewServer(posapi.NewServer(s.Svc, nil)) // real loopback TCP
	t.Cleanup(srv.Close)
	return &host{site: s, srv: srv}
}

// authorizedHost is a new host with P1's client, its operator 0 authorized (authorize).
func authorizedHost(t *testing.T) (*host, *posapi.Client, app.AuthorizeResult) {
	t.Helper()
	h := newHost(t)
	c := h.client(t, "P1")
	return h, c, authorize(t, c)
}

// authorize authorizes operator 0 through c with serial 1, the first message of every
// fixture device, and fails the test if the host refuses.
func authorize(t *testing.T, c *posapi.Client) app.AuthorizeResult {
	t.Helper()
	auth, err := c.Authorize(context.Background(), app.AuthorizeRequest{DeviceID: c.DeviceID, Serial: 1, CardNo: apptest.AuthCard(0), PIN: apptest.PIN})
	if err != nil {
		t.Fatal(err)
	}
	return auth
}

func (h *host) client(t *testing.T, device string) *posapi.Client {
	d, err := h.site.Svc.DeviceWithKey(context.Background(), device)
	if err != nil {
		t.Fatal(err)
	}
	return &posapi.Client{BaseURL: h.srv.URL, DeviceID: device, Secret: d.Secret, Clock: h.site.Clock}
}

// post sends a hand-made request, for the tests of what a well-behaved client never sends.
func (h *host) post(t *testing.T, path, device string, secret []byte, at time.Time, body []byte) (int, posapi.Answer, http.Header, []byte) {
	t.Helper()
	return h.send(t, http.MethodPost, path, signedHeaders(secret, http.MethodPost, path, device, at.UnixMilli(), body), body)
}

// send sends a request with exactly the headers given (nil: none) and decodes the answer,
// failing the test if none came back or it is not JSON.
func (h *host) send(t *testing.T, method, path string, hdr map[string]string, body []byte) (int, posapi.Answer, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	blob, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	var a posapi.Answer
	if err := json.Unmarshal(blob, &a); err != nil {
		t.Fatalf("%s %s: answer %q is not JSON: %v", method, path, blob, err)
	}
	return resp.StatusCode, a, resp.Header, blob
}

func TestSignedRechargeFlowAndByteIdenticalReplay(t *testing.T) {
	h, c, auth := authorizedHost(t)
	ctx := context.Background()
	req := app.RechargeRequest{DeviceID: "P1", Serial: 2, BatchNo: auth.BatchNo, AuthCode: auth.AuthCode,
		CardNo: apptest.UserCard(0), CardBalance: 1000, CardCounter: 7, Amount: 100 * app.Yuan}
	res, err := c.Recharge(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.BalanceAfter != 1000+100*app.Yuan || res.CounterAfter != 8 {
		t.Fatalf("result %+v", res)
	}
	body, _ := json.Marshal(req)
	secret := c.Secret
	_, _, _, first := h.post(t, posapi.PathRecharge, "P1", secret, h.site.Clock.Now(), body)
	h.site.Clock.Advance(time.Minute)
	_, _, _, again := h.post(t, posapi.PathRecharge, "P1", secret, h.site.Clock.Now(), body)
	if !bytes.Equal(first, again) {
		t.Fatalf("replays differ:\n%s\n%s", first, again)
	}
	if _, err := c.Confirm(ctx, app.ConfirmRequest{DeviceID: "P1", Serial: 3, OrigSerial: 2, CardNo: req.CardNo, Amount: req.Amount}); err != nil {
		t.Fatal(err)
	}
	sum, err := c.Summary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Session.Recharges != (app.Totals{Count: 1, Amount: 100 * app.Yuan}) || sum.Session.Cash != 100*app.Yuan {
		t.Fatalf("summary %+v", sum)
	}
	// The same serial with other content is refused, and the first answer is not leaked.
	req.Amount = 200 * app.Yuan
	if _, err := c.Recharge(ctx, req); !errors.Is(err, app.CodeDuplicateConflict) {
		t.Fatalf("want DUPLICATE_CONFLICT, got %v", err)
	}
}

func TestRefusalsBeforeAnythingIsBooked(t *testing.T) {
	h, c, auth := authorizedHost(t)
	ctx := context.Background()
	good := app.RechargeRequest{DeviceID: "P1", Serial: 2, BatchNo: auth.BatchNo, AuthCode: auth.AuthCode,
		CardNo: apptest.UserCard(0), Amount: 50 * app.Yuan}
	body, _ := json.Marshal(good)
	now := h.site.Clock.Now()
	other, _ := h.site.Svc.DeviceWithKey(ctx, "P2")
	cases := []struct {
		name   string
		path   string
		device string
		secret []byte
		at     time.Time
		body   []byte
		status int
		code   app.Code
	}{
		{"bad MAC", posapi.PathRecharge, "P1", other.Secret, now, body, 401, posapi.CodeBadSignature},
		{"unknown device", posapi.PathRecharge, "P9", c.Secret, now, body, 401, app.CodeUnknownDevice},
		{"stale timestamp", posapi.PathRecharge, "P1", c.Secret, now.Add(-6 * time.Minute), body, 401, posapi.CodeStaleTimestamp},
		{"future timestamp", posapi.PathRecharge, "P1", c.Secret, now.Add(6 * time.Minute), body, 401, posapi.CodeStaleTimestamp},
		{"malformed body", posapi.PathRecharge, "P1", c.Secret, now, []byte(`{"device_id":"P1",`), 400, posapi.CodeMalformed},
		{"unknown field", posapi.PathRecharge, "P1", c.Secret, now, []byte(`{"device_id":"P1","serial":2,"amount_yuan":5}`), 400, posapi.CodeMalformed},
		{"two bodies", posapi.PathRecharge, "P1", c.Secret, now, append(append([]byte{}, body...), body...), 400, posapi.CodeMalformed},
		{"oversized", posapi.PathRecharge, "P1", c.Secret, now, bytes.Repeat([]byte(" "), posapi.MaxBody+1), 413, posapi.CodeBodyTooLarge},
		{"device mismatch", posapi.PathRecharge, "P2", other.Secret, now, body, 400, posapi.CodeDeviceMismatch},
		{"no endpoint", "/v1/refund", "P1", c.Secret, now, body, 404, posapi.CodeNotFoundPath},
	}
	for _, tc := range cases {
		status, ans, _, _ := h.post(t, tc.path, tc.device, tc.secret, tc.at, tc.body)
		if status != tc.status || ans.OK || ans.Code != tc.code || ans.ZH == "" || ans.EN == "" {
			t.Errorf("%s: HTTP %d %+v, want %d %s", tc.name, status, ans, tc.status, tc.code)
		}
	}
	rep, err := h.site.Svc.Report(ctx, app.SystemActor, h.site.Svc.Today(), h.site.Svc.Today())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total.Recharges.Count != 0 {
		t.Fatalf("refused messages booked %d recharges", rep.Total.Recharges.Count)
	}
	// And the good one still books after all that.
	if _, err := c.Recharge(ctx, good); err != nil {
		t.Fatal(err)
	}
}

func TestClientTreatsUnverifiableAnswersAsNoAnswer(t *testing.T) {
	h := newHost(t)
	c := h.client(t, "P1")
	c.Secret = []byte("not the device's secret")
	_, err := c.Authorize(context.Background(), app.AuthorizeRequest{DeviceID: "P1", Serial: 1, CardNo: apptest.AuthCard(0), PIN: apptest.PIN})
	if !errors.Is(err, posapi.ErrNoAnswer) || !errors.Is(err, posapi.CodeBadSignature) {
		t.Fatalf("want no answer (bad signature), got %v", err)
	}
	// A host that is gone: no answer.
	h.srv.Close()
	_, err = h.client(t, "P1").Summary(context.Background())
	if !errors.Is(err, posapi.ErrNoAnswer) {
		t.Fatalf("want no answer, got %v", err)
	}
}

func TestTamperedAnswerIsNoAnswer(t *testing.T) {
	h := newHost(t)
	// A man in the middle turns a refusal into an approval.
	mitm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequest(r.Method, h.srv.URL+r.URL.Path, r.Body)
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			w.WriteHeader(502)
			return
		}
		defer resp.Body.Close()
		blob, _ := io.ReadAll(resp.Body)
		w.Header().Set(posapi.HeaderSignature, resp.Header.Get(posapi.HeaderSignature))
		w.Write([]byte(strings.Replace(string(blob), `"ok":false`, `"ok":true`, 1)))
	}))
	defer mitm.Close()
	c := h.client(t, "P1")
	c.BaseURL = mitm.URL
	_, err := c.Authorize(context.Background(), app.AuthorizeRequest{DeviceID: "P1", Serial: 1, CardNo: apptest.AuthCard(0), PIN: "000000"})
	if !errors.Is(err, posapi.ErrNoAnswer) {
		t.Fatalf("want no answer for a tampered answer, got %v", err)
	}
}
