package deskapi_test

import (
	"context"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/deskapi"
	"cardcenter/app/deskapi/deskapitest"
	"cardcenter/app/deskio"
	"cardcenter/app/sitecert"
)

// BenchmarkCardPlacedToVerdict measures what a clerk waits for once the card is on the
// reader: LookAtCard (the full card read on a virtual card in process, CardQuestions,
// ReadCard), in process and through the host over loopback TLS (kept-alive connections, and
// a new TLS connection per call, as after an idle gap). The difference is what the network
// face costs; the card over pcscd + vpcd and a large ledger are app/deskio's benchmark.
// host-tls-keys is the desk of a host as it runs (issue 11.4): no site key, the card's key A
// asked of the host for every card placed (one more round trip, and its audit row).
// Reports p50 and p99 in ms.
//
//	go test -run '^$' -bench CardPlacedToVerdict -benchtime 500x -count 3 ./app/deskapi
func BenchmarkCardPlacedToVerdict(b *testing.B) {
	w := newWorld(b)
	w.cancelled(50 * app.Yuan)
	rd := w.reader(w.card, new(sync.Mutex))
	ctx := context.Background()
	pin := w.host.Pin
	fresh := sitecert.PinnedClient(&pin, 0)
	fresh.Transport.(*http.Transport).DisableKeepAlives = true
	freshDesk, err := deskapi.Connect(ctx, w.host.URL, deskapi.Options{HTTP: fresh, Clock: w.site.Clock})
	if err != nil {
		b.Fatal(err)
	}
	remote, ra := w.host.Login("clerk1")
	w.site.Svc.ServeCardKeys(w.key)
	keyed := func() app.DeskReader { // a new card placed: nothing held yet
		return w.hostKeyedReader(w.card, deskio.HostKeys(remote, func() app.Actor { return ra }))
	}
	local := func() app.DeskReader { return rd }
	for _, c := range []struct {
		name   string
		desk   app.Desk
		actor  app.Actor
		reader func() app.DeskReader
	}{
		{"in-process", w.site.Svc, w.site.Clerk, local},
		{"host-tls-keepalive", remote, ra, local},
		{"host-tls-new-connection", freshDesk, ra, local},
		{"host-tls-keys", remote, ra, keyed},
	} {
		b.Run(c.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			for b.Loop() {
				r := c.reader()
				t0 := time.Now()
				dc, err := app.LookAtCard(ctx, c.desk, c.actor, r)
				lat = append(lat, time.Since(t0))
				if err != nil || len(dc.Items) != 1 {
					b.Fatalf("%+v %v", dc.Items, err)
				}
			}
			report(b, lat)
		})
	}
}

// BenchmarkLogin measures a desk's login with the site's real password hash (argon2id,
// app.DefaultHasher), in process and through the host over loopback TLS; the difference is
// the network face's, the rest is the hash (and the session's insert).
//
//	go test -run '^$' -bench Login -benchtime 50x -count 3 ./app/deskapi
func BenchmarkLogin(b *testing.B) {
	s := apptest.New(b, apptest.Options{Config: func(c *app.Config) { c.Hasher = app.DefaultHasher() }})
	host := deskapitest.Start(b, s.Svc)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		desk app.Desk
	}{{"in-process", s.Svc}, {"host-tls", host.Connect()}} {
		b.Run(c.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			for b.Loop() {
				t0 := time.Now()
				_, err := c.desk.Login(ctx, "clerk1", deskapitest.Password("clerk1"))
				lat = append(lat, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
			}
			report(b, lat)
		})
	}
}

func report(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
