package cli

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/posapi"
	"cardcenter/store"
	"cardcenter/store/pgtest"
)

// Two `cardcenter serve` processes' worth of hosts (in-process, each with its own store)
// on one PostgreSQL ledger. Two POS send every message to one host or the other, each
// reversal to the other host than its recharge, and replay some messages to the other
// host; half-way one host is stopped and the POS carry on with the survivor. Every approved
// recharge is booked once, a replay on the other host is the first answer, and every
// acknowledged reversal is applied exactly once by the two hosts' workers.
func TestServeTwoHostsOnOnePostgres(t *testing.T) {
	pgtest.Require(t)
	s := apptest.New(t, apptest.Options{Postgres: true, Cards: 8})
	ctx := context.Background()
	secrets := map[string][]byte{}
	for _, id := range []string{"P1", "P2"} {
		d, err := s.Svc.DeviceWithKey(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		secrets[id] = d.Secret
	}
	s.Store.Close()
	flags := []string{"--worker-interval", "20ms", "--reversal-delay", "50ms"}
	urlA, stopA := startServe(t, s.Path, flags...)
	urlB, stopB := startServe(t, s.Path, flags...)
	stoppedA := false
	defer func() {
		if !stoppedA {
			stopA()
		}
		stopB()
	}()

	const perPOS = 24
	var mu sync.Mutex
	booked, reversals := 0, 0
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	half := make(chan struct{})
	var halfOnce sync.Once
	for i, dev := range []string{"P1", "P2"} {
		clients := []*posapi.Client{{BaseURL: urlA, DeviceID: dev, Secret: secrets[dev]}, {BaseURL: urlB, DeviceID: dev, Secret: secrets[dev]}}
		wg.Add(1)
		go func() {
			defer wg.Done()
			// send tries the host, then (a POS with a list of hosts) the other one.
			send := func(n int, f func(c *posapi.Client) error) error {
				err := f(clients[n%2])
				if errors.Is(err, posapi.ErrNoAnswer) {
					err = f(clients[1])
				}
				return err
			}
			auth, err := clients[i].Authorize(ctx, app.AuthorizeRequest{DeviceID: dev, Serial: 1, CardNo: apptest.AuthCard(i), PIN: apptest.PIN})
			if err != nil {
				errs <- err
				return
			}
			serial := int64(1)
			for n := range perPOS {
				if n == perPOS/2 {
					halfOnce.Do(func() { close(half) })
				}
				serial++
				req := app.RechargeRequest{DeviceID: dev, Serial: serial, BatchNo: auth.BatchNo, AuthCode: auth.AuthCode,
					CardNo: apptest.UserCard(i*4 + n%4), CardBalance: 0, CardCounter: int64(n), Amount: app.Fen(10+n) * app.Yuan}
				var first, again app.RechargeResult
				if err := send(n, func(c *posapi.Client) (err error) { first, err = c.Recharge(ctx, req); return }); err != nil {
					errs <- fmt.Errorf("%s recharge %d: %w", dev, serial, err)
					return
				}
				if err := send(n+1, func(c *posapi.Client) (err error) { again, err = c.Recharge(ctx, req); return }); err != nil || again != first {
					errs <- fmt.Errorf("%s replay of %d on the other host: %+v %v, first %+v", dev, serial, again, err, first)
					return
				}
				mu.Lock()
				booked++
				mu.Unlock()
				if n%3 == 0 {
					serial++
					rv := app.ReverseRequest{DeviceID: dev, Serial: serial, OrigSerial: req.Serial, CardNo: req.CardNo, Amount: req.Amount}
					if err := send(n+1, func(c *posapi.Client) error { _, err := c.Reverse(ctx, rv); return err }); err != nil {
						errs <- fmt.Errorf("%s reverse %d: %w", dev, serial, err)
						return
					}
					mu.Lock()
					reversals++
					mu.Unlock()
				}
			}
		}()
	}
	<-half
	if code := stopA(); code != 0 {
		t.Fatalf("host A exit %d", code)
	}
	stoppedA = true
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	st, err := store.Open(s.Path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		rc, err := st.Recount(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rc.Recharges.Count != int64(booked) {
			t.Fatalf("%d recharges booked, %d approved", rc.Recharges.Count, booked)
		}
		if rc.Reversals.Count == int64(reversals) && rc.Reversed == int64(reversals) {
			break
		}
		if rc.Reversals.Count > int64(reversals) || time.Now().After(deadline) {
			t.Fatalf("%+v: want %d reversals applied exactly once", rc, reversals)
		}
		time.Sleep(50 * time.Millisecond) // the surviving host's worker, in another goroutine
	}
}
