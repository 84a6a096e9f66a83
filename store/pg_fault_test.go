package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/store/pgtest"
)

// The server crashes under load (`pg_ctl restart -m immediate`) while two POS keep sending,
// each repeating a message until it gets an answer, as a POS does. Nothing acknowledged is
// lost: every recharge a POS heard approved is in the ledger, once, under its key, and a
// replay after the crash gets the first answer.
func TestPGCrashUnderLoadLosesNothingAcknowledged(t *testing.T) {
	c := pgtest.Private(t)
	s := apptest.New(t, apptest.Options{Path: c.DSN("crash"), Cards: 8})
	ctx := context.Background()
	type acked struct {
		req app.RechargeRequest
		res app.RechargeResult
	}
	var mu sync.Mutex
	var got []acked
	var failures atomic.Int64
	const perPOS = 150
	var wg sync.WaitGroup
	started := make(chan struct{}, 2)
	for i, dev := range []string{"P1", "P2"} {
		sess := s.Authorize(dev, i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range perPOS {
				if n == 20 {
					started <- struct{}{}
				}
				req := app.RechargeRequest{DeviceID: dev, Serial: int64(1000 + n), BatchNo: sess.BatchNo, AuthCode: sess.AuthCode,
					CardNo: apptest.UserCard(i*4 + n%4), CardCounter: int64(n), Amount: 10 * app.Yuan}
				deadline := time.Now().Add(90 * time.Second)
				for {
					res, err := s.Svc.Recharge(ctx, req)
					if err == nil {
						mu.Lock()
						got = append(got, acked{req, res})
						mu.Unlock()
						break
					}
					if _, refused := app.AsError(err); refused || time.Now().After(deadline) {
						t.Errorf("%s %d: %v", dev, req.Serial, err)
						return
					}
					failures.Add(1)
					time.Sleep(20 * time.Millisecond) // the POS waits, then sends the same message again
				}
			}
		}()
	}
	<-started
	<-started
	c.RestartImmediate()
	wg.Wait()
	if t.Failed() {
		return
	}
	if failures.Load() == 0 {
		t.Fatal("no message failed: the crash did not happen under load")
	}
	if n := s.Count(`SELECT COUNT(*) FROM recharges`); n != 2*perPOS || len(got) != 2*perPOS {
		t.Fatalf("%d recharges booked, %d acknowledged, want %d", n, len(got), 2*perPOS)
	}
	for _, a := range got {
		r, ok := s.RechargeByKey(a.req.DeviceID, a.req.Serial)
		if !ok || r.ID != a.res.RechargeID || r.Amount != a.req.Amount {
			t.Fatalf("acknowledged %+v, ledger %+v %v", a.res, r, ok)
		}
		again, err := s.Svc.Recharge(ctx, a.req)
		if err != nil || again != a.res {
			t.Fatalf("replay after the crash: %+v %v, first %+v", again, err, a.res)
		}
	}
	t.Logf("%d sends failed during the crash and were sent again", failures.Load())
}
