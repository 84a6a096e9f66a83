package pcsc_test

import (
	"slices"
	"testing"
	"time"

	"cardcenter/cardio"
)

// Benchmarks over pcscd + vpcd + the virtual card (go test -run '^$' -bench . ./cardio/pcsc).
// Besides ns/op they report APDUs per operation and the median and 99th percentile, which
// is what docs/performance.md quotes.

func BenchmarkReadPCSC(b *testing.B) {
	c := needStack(b)
	r := blankReader(b, []byte{0x04, 0xBE, 0x00, 0x01})
	issue(b, c, r, "4000", 1000)
	insert(b, c, r, port0, reader0)
	conn := &cardio.CountingTransport{Transport: connect(b, c, reader0)}
	var ds []time.Duration
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if _, err := cardio.Read(conn, site); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(start))
	}
	report(b, ds, conn.N)
}

func BenchmarkCreditPCSC(b *testing.B) {
	c := needStack(b)
	r := blankReader(b, []byte{0x04, 0xBE, 0x00, 0x02})
	issue(b, c, r, "4001", 0)
	insert(b, c, r, port0, reader0)
	conn := &cardio.CountingTransport{Transport: connect(b, c, reader0)}
	var ds []time.Duration
	apdus := 0
	serial := int64(0)
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		card, err := cardio.Read(conn, site)
		if err != nil {
			b.Fatal(err)
		}
		if card.Purse.Balance > cardio.MaxBalance-100 {
			b.Fatal("card full: run fewer iterations")
		}
		serial++
		n := conn.N
		b.StartTimer()
		start := time.Now()
		if _, err := cardio.Credit(conn, site, card, recharge(serial, 1)); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(start))
		apdus += conn.N - n
	}
	report(b, ds, apdus)
}

func report(b *testing.B, ds []time.Duration, apdus int) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(float64(apdus)/float64(len(ds)), "apdus/op")
	b.ReportMetric(ms(ds[len(ds)/2]), "p50-ms")
	b.ReportMetric(ms(ds[len(ds)*99/100]), "p99-ms")
}
