package deskio_test

import (
	"context"
	"database/sql"
	"encoding/hex"
	"os"
	"sort"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/deskio"
	"cardcenter/cardio"
	"cardcenter/cardio/pcsctest"
	"cardcenter/cardio/vcard"
	"cardcenter/store"
)

// BenchmarkCardPlacedToVerdict measures what a clerk waits for: a card laid on the reader
// (pcscd + vpcd + a virtual card) until the desk has read it and shown its recharges
// awaiting the desk with their verdicts, on a generated ledger (CARDCENTER_BENCH_DB, e.g.
// 10,000,000 recharges from `cardcenter gen`). Reports p50 and p99 in ms.
//
//	CARDCENTER_BENCH_DB=/tmp/bench10m.db go test -run '^$' -bench CardPlacedToVerdict -benchtime 200x ./app/deskio
func BenchmarkCardPlacedToVerdict(b *testing.B) {
	path := os.Getenv("CARDCENTER_BENCH_DB")
	if path == "" {
		b.Skip("set CARDCENTER_BENCH_DB to a generated ledger (cardcenter gen --recharges 10000000)")
	}
	c := pcsctest.Stack(b)
	ctx := context.Background()
	// A card with a cancelled recharge awaiting the desk, and its UID.
	raw, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		b.Fatal(err)
	}
	var cardNo, uidHex string
	var items int
	err = raw.QueryRow(`SELECT r.card_no, COALESCE(c.uid, ''), (SELECT COUNT(*) FROM recharges x WHERE x.card_no = r.card_no AND x.card_write IN ('pending','cancel_reported') AND x.booking = 'booked')
		FROM recharges r JOIN cards c ON c.card_no = r.card_no
		WHERE r.card_write = 'cancel_reported' AND r.booking = 'booked' AND c.status = 'normal' LIMIT 1`).Scan(&cardNo, &uidHex, &items)
	raw.Close()
	if err != nil {
		b.Fatalf("no card awaiting the desk in %s: %v", path, err)
	}
	uid, err := hex.DecodeString(uidHex)
	if err != nil || len(uid) != 4 {
		uid = []byte{0x5B, 0x00, 0x00, 0x01}
	}
	st, err := store.Open(path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	svc := app.New(st, app.SystemClock{}, app.DefaultConfig(), nil)
	key := cardio.NewSiteKey()
	chip, err := vcard.NewBlankChip(uid)
	if err != nil {
		b.Fatal(err)
	}
	card := vcard.NewReader(chip)
	if _, err := cardio.Issue(vcard.InProc{R: card}, key, cardio.Personal{CardNo: cardNo, Holder: "BENCH",
		Issued: time.Now().AddDate(-1, 0, 0), Expires: time.Now().AddDate(3, 0, 0)}); err != nil {
		b.Fatal(err)
	}
	pcsctest.Insert(b, c, card, pcsctest.Port0, pcsctest.Reader0)
	src := &deskio.PCSC{Keys: cardio.LocalKeys{Site: key}}
	src.Choose(pcsctest.Reader0)
	clerk := app.SystemActor // the generated ledger's own clerks have passwords this bench does not know
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		// What the desk does when the reader reports a card: the state, then the read.
		if st, err := src.Watch(ctx, app.ReaderEmpty); err != nil || st != app.ReaderCard {
			b.Fatalf("watch: %v %v", st, err)
		}
		dc, err := svc.LookAtCard(ctx, clerk, src.Reader())
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
		if len(dc.Items) == 0 {
			b.Fatalf("card %s shows nothing awaiting (ledger has %d)", cardNo, items)
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
