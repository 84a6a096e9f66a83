package posapi_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/posapi"
)

// recorder is one host's HTTP client that keeps the bytes of every answer it received, as
// they came off the socket (the signed bytes).
type recorder struct {
	mu      sync.Mutex
	answers [][]byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.answers = append(r.answers, b)
	r.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

func (r *recorder) count() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.answers) }

func (r *recorder) last() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.answers[len(r.answers)-1]
}

// deadURL is a loopback address where nothing listens: a host that was killed.
func deadURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + ln.Addr().String()
	ln.Close()
	return u
}

// Issue 12.3: a POS with a list of hosts. The first host on its list is dead (connection
// refused), so it talks to A; then A dies after it approved a recharge and before the POS
// took its answer as final, and the POS sends the same message to B. B's answer is A's,
// byte for byte (the signed envelope as it came off the socket), the ledger holds one
// recharge, and the POS stays on B afterwards. A final refusal is never sent to another
// host.
func TestPOSFailsOverAndTheOtherHostReplaysTheSameBytes(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	ctx := context.Background()
	// Two hosts on one ledger, as two serve processes on one database.
	srvA := httptest.NewServer(posapi.NewServer(s.Svc, nil))
	srvB := httptest.NewServer(posapi.NewServer(s.Svc, nil))
	t.Cleanup(srvA.Close)
	t.Cleanup(srvB.Close)
	d, err := s.Svc.DeviceWithKey(ctx, "P1")
	if err != nil {
		t.Fatal(err)
	}
	dead, recA, recB := deadURL(t), &recorder{}, &recorder{}
	c := &posapi.Client{DeviceID: "P1", Secret: d.Secret, Clock: s.Clock, Hosts: []posapi.Host{
		{URL: dead}, {URL: srvA.URL, HTTP: &http.Client{Transport: recA}}, {URL: srvB.URL, HTTP: &http.Client{Transport: recB}},
	}}

	auth := authorize(t, c)
	if c.Current() != srvA.URL || recA.count() != 1 || recB.count() != 0 {
		t.Fatalf("after the dead host: current %s, A %d answers, B %d", c.Current(), recA.count(), recB.count())
	}
	req := app.RechargeRequest{DeviceID: "P1", Serial: 2, BatchNo: auth.BatchNo, AuthCode: auth.AuthCode,
		CardNo: apptest.UserCard(0), CardBalance: 1200, CardCounter: 3, Amount: 20 * app.Yuan}
	first, err := c.Recharge(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	fromA := recA.last()

	srvA.Close() // host A is gone; its approval is in the ledger
	again, err := c.Recharge(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if c.Current() != srvB.URL || recB.count() != 1 {
		t.Fatalf("after A died: current %s, B %d answers", c.Current(), recB.count())
	}
	if fromB := recB.last(); !bytes.Equal(fromA, fromB) {
		t.Fatalf("host B's answer is not host A's:\nA %s\nB %s", fromA, fromB)
	}
	if again != first {
		t.Fatalf("replayed result %+v, first %+v", again, first)
	}
	rc, err := s.Store.Recount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rc.Recharges.Count != 1 || rc.Recharges.Amount != 20*app.Yuan {
		t.Fatalf("ledger after the failover: %+v", rc.Recharges)
	}

	// A final refusal is the answer: the same serial with other content is refused by B
	// and not sent on (the dead host after B would only cost a try; it must not get one).
	before := recB.count()
	req.Amount = 30 * app.Yuan
	if _, err := c.Recharge(ctx, req); !errors.Is(err, app.CodeDuplicateConflict) {
		t.Fatalf("want DUPLICATE_CONFLICT, got %v", err)
	}
	if recB.count() != before+1 || c.Current() != srvB.URL {
		t.Fatalf("the refusal went on: B %d answers (was %d), current %s", recB.count(), before, c.Current())
	}
}

// With every host dead the outcome is no answer (the POS reverses a recharge, rule 5),
// and the error names the last host tried.
func TestPOSWithEveryHostDeadHasNoAnswer(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	d, err := s.Svc.DeviceWithKey(context.Background(), "P1")
	if err != nil {
		t.Fatal(err)
	}
	a, b := deadURL(t), deadURL(t)
	c := &posapi.Client{DeviceID: "P1", Secret: d.Secret, Clock: s.Clock, Hosts: []posapi.Host{{URL: a}, {URL: b}}}
	_, err = c.Authorize(context.Background(), app.AuthorizeRequest{DeviceID: "P1", Serial: 1, CardNo: apptest.AuthCard(0), PIN: apptest.PIN})
	var na *posapi.NoAnswerError
	if !errors.As(err, &na) || na.Status != 0 || !strings.Contains(err.Error(), strings.TrimPrefix(b, "http://")) {
		t.Fatalf("want no answer from the last host %s, got %v", b, err)
	}
	if c.Current() != a {
		t.Fatalf("after a full round the next try starts at %s, want %s", c.Current(), a)
	}
}
