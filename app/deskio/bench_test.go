package deskio_test

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"sort"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/deskapi/deskapitest"
	"cardcenter/app/deskio"
	"cardcenter/cardio"
	"cardcenter/cardio/pcsctest"
	"cardcenter/cardio/vcard"
	"cardcenter/store"
)

// BenchmarkCardPlacedToVerdict measures what a clerk waits for: a card laid on the reader
// (pcscd + vpcd + a virtual card) until the desk has read it and shown its recharges
// awaiting the desk with their verdicts, on a generated ledger (CARDCENTER_BENCH_DB, e.g.
// 10,000,000 recharges from `cardcenter gen`): with the ledger in the desk's process, and
// with the desk a client of a host over loopback TLS (`desk --host`), logged in as a clerk
// of its own. Reports p50 and p99 in ms.
//
//	CARDCENTER_BENCH_DB=/tmp/bench10m.db go test -run '^$' -bench CardPlacedToVerdict -benchtime 200x ./app/deskio
func BenchmarkCardPlacedToVerdict(b *testing.B) {
	l := openBenchLedger(b)
	c := pcsctest.Stack(b)
	ctx := context.Background()
	key := cardio.NewSiteKey()
	chip, err := vcard.NewBlankChip(l.uid)
	if err != nil {
		b.Fatal(err)
	}
	card := vcard.NewReader(chip)
	if _, err := cardio.Issue(vcard.InProc{R: card}, key, cardio.Personal{CardNo: l.cardNo, Holder: "BENCH",
		Issued: time.Now().AddDate(-1, 0, 0), Expires: time.Now().AddDate(3, 0, 0)}); err != nil {
		b.Fatal(err)
	}
	pcsctest.Insert(b, c, card, pcsctest.Port0, pcsctest.Reader0)
	src := &deskio.PCSC{Keys: cardio.LocalKeys{Site: key}}
	src.Choose(pcsctest.Reader0)
	remote, clerk := l.remoteStaff(app.RoleClerk)
	for _, d := range []struct {
		name  string
		desk  app.Desk
		actor app.Actor
	}{
		// The generated ledger's own clerks have passwords this bench does not know.
		{"in-process", l.svc, app.SystemActor},
		{"host-tls", remote, clerk},
	} {
		b.Run(d.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			for b.Loop() {
				t0 := time.Now()
				// What the desk does when the reader reports a card: the state, then the read.
				if st, err := src.Watch(ctx, app.ReaderEmpty); err != nil || st != app.ReaderCard {
					b.Fatalf("watch: %v %v", st, err)
				}
				dc, err := app.LookAtCard(ctx, d.desk, d.actor, src.Reader())
				if err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
				if len(dc.Items) == 0 {
					b.Fatalf("card %s shows nothing awaiting (ledger has %d)", l.cardNo, l.items)
				}
			}
			reportLatency(b, lat)
		})
	}
}

// BenchmarkMonthReportViaHost measures a supervisor's month report (30 settled days and
// today) on the generated ledger, in process and through a host over loopback TLS.
//
//	CARDCENTER_BENCH_DB=/tmp/bench10m.db go test -run '^$' -bench MonthReportViaHost -benchtime 50x ./app/deskio
func BenchmarkMonthReportViaHost(b *testing.B) {
	l := openBenchLedger(b)
	remote, supervisor := l.remoteStaff(app.RoleSupervisor)
	ctx := context.Background()
	to := l.svc.Today()
	day, _ := time.Parse(time.DateOnly, to)
	from := day.AddDate(0, 0, -30).Format(time.DateOnly)
	for _, d := range []struct {
		name  string
		desk  app.Desk
		actor app.Actor
	}{{"in-process", l.svc, app.SystemActor}, {"host-tls", remote, supervisor}} {
		b.Run(d.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			for b.Loop() {
				t0 := time.Now()
				rep, err := d.desk.Report(ctx, d.actor, from, to)
				lat = append(lat, time.Since(t0))
				if err != nil || len(rep.Rows) == 0 {
					b.Fatalf("report %s..%s: %d rows, %v", from, to, len(rep.Rows), err)
				}
			}
			reportLatency(b, lat)
		})
	}
}

// BenchmarkLoginViaHost measures a desk's login through a host over loopback TLS on the
// generated ledger (the site's real password hash, argon2id).
//
//	CARDCENTER_BENCH_DB=/tmp/bench10m.db go test -run '^$' -bench LoginViaHost -benchtime 50x ./app/deskio
func BenchmarkLoginViaHost(b *testing.B) {
	l := openBenchLedger(b)
	remote, clerk := l.remoteStaff(app.RoleClerk)
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	for b.Loop() {
		t0 := time.Now()
		_, err := remote.Login(ctx, clerk.User, benchPassword(app.RoleClerk))
		lat = append(lat, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
	}
	reportLatency(b, lat)
}

// benchLedger is a generated ledger opened as a host opens it, and one card on it with a
// cancelled recharge awaiting the desk.
type benchLedger struct {
	b      testing.TB
	svc    *app.Service
	cardNo string
	uid    []byte
	items  int
}

func openBenchLedger(b testing.TB) *benchLedger {
	b.Helper()
	path := os.Getenv("CARDCENTER_BENCH_DB")
	if path == "" {
		b.Skip("set CARDCENTER_BENCH_DB to a generated ledger (cardcenter gen --recharges 10000000)")
	}
	var raw *sql.DB
	var err error
	if store.IsPostgres(path) {
		raw, err = store.OpenRaw(path)
	} else {
		raw, err = sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=10000")
	}
	if err != nil {
		b.Fatal(err)
	}
	l := &benchLedger{b: b}
	var uidHex string
	err = raw.QueryRow(`SELECT r.card_no, COALESCE(c.uid, ''), (SELECT COUNT(*) FROM recharges x WHERE x.card_no = r.card_no AND x.card_write IN ('pending','cancel_reported') AND x.booking = 'booked')
		FROM recharges r JOIN cards c ON c.card_no = r.card_no
		WHERE r.card_write = 'cancel_reported' AND r.booking = 'booked' AND c.status = 'normal' LIMIT 1`).Scan(&l.cardNo, &uidHex, &l.items)
	raw.Close()
	if err != nil {
		b.Fatalf("no card awaiting the desk in %s: %v", path, err)
	}
	if l.uid, err = hex.DecodeString(uidHex); err != nil || len(l.uid) != 4 {
		l.uid = []byte{0x5B, 0x00, 0x00, 0x01}
	}
	st, err := store.Open(path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	l.svc = app.New(st, app.SystemClock{}, app.DefaultConfig(), nil)
	return l
}

// remoteStaff starts a host on the ledger and logs a desk in to it as bench<role>, an
// account made on the bench's ledger the first time (a generated site's own staff have
// passwords nobody was told).
func (l *benchLedger) remoteStaff(role app.Role) (app.Desk, app.Actor) {
	l.b.Helper()
	ctx := context.Background()
	user, password := "bench"+string(role), benchPassword(role)
	err := l.svc.CreateStaff(ctx, app.SystemActor, user, "Bench "+string(role), role, password)
	if e := (*app.Error)(nil); errors.As(err, &e) && e.Code == app.CodeAlreadyExists {
		err = l.svc.ResetStaffPassword(ctx, app.SystemActor, user, password)
	}
	if err != nil {
		l.b.Fatalf("bench account %s: %v", user, err)
	}
	remote := deskapitest.Start(l.b, l.svc).Connect()
	actor, err := remote.Login(ctx, user, password)
	if err != nil {
		l.b.Fatalf("login %s: %v", user, err)
	}
	return remote, actor
}

func benchPassword(role app.Role) string { return "bench-pass-" + string(role) }

func reportLatency(b *testing.B, lat []time.Duration) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
