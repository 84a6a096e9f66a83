package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/store"
)

// benchSite is a durable ledger (WAL, synchronous=FULL, the real store.Open) with one
// authorized recharge POS per concurrent caller: a POS does one recharge at a time, so
// concurrency in the field means many POS at once.
type benchSite struct {
	site     *apptest.Site
	sessions []apptest.Session
	serial   []atomic.Int64
	cards    int
}

func newBenchSite(b *testing.B, devices, maxBatch int) *benchSite {
	b.Helper()
	const cards = 64
	s := apptest.New(b, apptest.Options{Operators: devices, Cards: cards, StoreOptions: store.Options{MaxBatch: maxBatch},
		Path: filepath.Join(b.TempDir(), "ledger.db")})
	ctx := context.Background()
	bs := &benchSite{site: s, serial: make([]atomic.Int64, devices), cards: cards}
	for i := 0; i < devices; i++ {
		id := fmt.Sprintf("B%03d", i+1)
		if _, _, err := s.Svc.RegisterDevice(ctx, s.Admin, app.DeviceInput{ID: id, Name: "充值机" + id, Model: app.ModelRechargePOS}); err != nil {
			b.Fatal(err)
		}
		bs.sessions = append(bs.sessions, s.Authorize(id, i))
		bs.serial[i].Store(1000) // the authorization used a low serial
	}
	return bs
}

// recharge books 100 yuan on device i's session.
func (bs *benchSite) recharge(ctx context.Context, i int, n int64) error {
	sess := bs.sessions[i]
	_, err := bs.site.Svc.Recharge(ctx, app.RechargeRequest{DeviceID: sess.Device, Serial: bs.serial[i].Add(1),
		BatchNo: sess.BatchNo, AuthCode: sess.AuthCode, CardNo: apptest.UserCard(int(n) % bs.cards),
		CardBalance: 1234, CardCounter: n, Amount: 100 * app.Yuan})
	return err
}

// BenchmarkRechargeDurable is the durable Recharge throughput through app.Service: every
// recharge is acknowledged only after the COMMIT that holds it is fsync'd. callers=1 is one
// POS at a time (one fsync per recharge); more callers share commits (group commit), up to
// the store's default batch; batch=1 turns group commit off, to show what it buys.
func BenchmarkRechargeDurable(b *testing.B) {
	for _, c := range []struct{ callers, batch int }{{1, 0}, {4, 0}, {16, 0}, {64, 0}, {64, 1}} {
		name := fmt.Sprintf("callers=%d", c.callers)
		if c.batch != 0 {
			name += fmt.Sprintf("/batch=%d", c.batch)
		}
		callers := c.callers
		b.Run(name, func(b *testing.B) {
			bs := newBenchSite(b, callers, c.batch)
			ctx := context.Background()
			var next atomic.Int64
			var wg sync.WaitGroup
			errs := make(chan error, callers)
			b.ResetTimer()
			start := time.Now()
			for c := 0; c < callers; c++ {
				wg.Add(1)
				go func(c int) {
					defer wg.Done()
					for {
						n := next.Add(1)
						if n > int64(b.N) {
							return
						}
						if err := bs.recharge(ctx, c, n); err != nil {
							errs <- err
							return
						}
					}
				}(c)
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "recharges/s")
			if got := bs.site.Count(`SELECT COUNT(*) FROM recharges`); got != int64(b.N) {
				b.Fatalf("%d recharges booked, want %d", got, b.N)
			}
		})
	}
}
