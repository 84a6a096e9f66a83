package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/store"
	"cardcenter/store/pgtest"
)

// BenchmarkRechargeDurablePostgres is BenchmarkRechargeDurable on PostgreSQL: durable
// recharges/s through app.Service, one POS per caller, every recharge acknowledged after
// its COMMIT is flushed (synchronous_commit=on, fsync on). hosts=2 splits the callers
// over two stores and two services on one database, as two serve processes would.
//
// mode=lock is what the store does (pg_advisory_xact_lock in every write transaction);
// mode=serializable is the alternative: SERIALIZABLE and the whole transaction again on a
// serialization failure, with the schema guards' own lock taken out (cc_writer_lock made a
// no-op on the benchmark's database), so that nothing serializes but PostgreSQL's SSI.
// retries/op is how many transactions ran again per recharge.
//
//	make bench   # or, with a server in $PG*: go test -run '^$' -bench RechargeDurable ./store
func BenchmarkRechargeDurablePostgres(b *testing.B) {
	for _, c := range []struct {
		mode           string
		hosts, callers int
	}{
		{"lock", 1, 1}, {"lock", 1, 16}, {"lock", 1, 64}, {"lock", 2, 16}, {"lock", 2, 64},
		{"serializable", 1, 16}, {"serializable", 1, 64}, {"serializable", 2, 64},
	} {
		b.Run(fmt.Sprintf("mode=%s/hosts=%d/callers=%d", c.mode, c.hosts, c.callers), func(b *testing.B) {
			pgtest.Require(b)
			so := store.Options{}
			if c.mode == "serializable" {
				so = store.PGSerializable(so)
			}
			s := apptest.New(b, apptest.Options{Operators: c.callers, Cards: 64, StoreOptions: so, Postgres: true})
			if c.mode == "serializable" {
				raw := s.RawDB()
				if _, err := raw.Exec(`CREATE OR REPLACE FUNCTION cc_writer_lock() RETURNS void LANGUAGE sql VOLATILE AS 'SELECT'`); err != nil {
					b.Fatal(err)
				}
			}
			ctx := context.Background()
			svcs := []*app.Service{s.Svc}
			stores := []*store.Store{s.Store}
			if c.hosts == 2 {
				so.SealKey = apptest.SealKey
				other, err := store.Open(s.Path, so)
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { other.Close() })
				svcs = append(svcs, app.New(other, s.Clock, s.Cfg, nil))
				stores = append(stores, other)
			}
			sessions := make([]apptest.Session, c.callers)
			serial := make([]atomic.Int64, c.callers)
			for i := range c.callers {
				id := fmt.Sprintf("B%03d", i+1)
				if _, _, err := s.Svc.RegisterDevice(ctx, s.Admin, app.DeviceInput{ID: id, Name: "充值机" + id, Model: app.ModelRechargePOS}); err != nil {
					b.Fatal(err)
				}
				sessions[i] = s.Authorize(id, i)
				serial[i].Store(1000)
			}
			var next atomic.Int64
			var wg sync.WaitGroup
			errs := make(chan error, c.callers)
			b.ResetTimer()
			start := time.Now()
			for i := range c.callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					svc := svcs[i%len(svcs)]
					sess := sessions[i]
					for {
						n := next.Add(1)
						if n > int64(b.N) {
							return
						}
						_, err := svc.Recharge(ctx, app.RechargeRequest{DeviceID: sess.Device, Serial: serial[i].Add(1),
							BatchNo: sess.BatchNo, AuthCode: sess.AuthCode, CardNo: apptest.UserCard(int(n) % 64),
							CardBalance: 1234, CardCounter: n, Amount: 100 * app.Yuan})
						if err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "recharges/s")
			var retries int64
			for _, st := range stores {
				retries += st.PGRetries()
			}
			b.ReportMetric(float64(retries)/float64(b.N), "retries/op")
			if got := s.Count(`SELECT COUNT(*) FROM recharges`); got != int64(b.N) {
				b.Fatalf("%d recharges booked, want %d", got, b.N)
			}
		})
	}
}
