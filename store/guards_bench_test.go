package store

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"cardcenter/app"
)

// BenchmarkRechargeRowsUnderGuards is what the schema's guards cost the single writer on
// the hot path, apart from the fsync: the rows one recharge writes (its stored answer and
// the recharge) and the read the use case makes for the guard of point 9.9 (the last
// settled day), 64 recharges a transaction through the group writer, with
// synchronous=OFF so that the disk is out of it, on a ledger left at each schema version
// from 3 (before the guards) to the latest, in the same binary and the same run. The
// machine is shared, so it reports the process's CPU time per recharge as well:
// waiting for the other tenants' work does not count in it.
func BenchmarkRechargeRowsUnderGuards(b *testing.B) {
	for _, v := range []int{3, SchemaVersion} {
		b.Run(fmt.Sprintf("schema=%d", v), func(b *testing.B) {
			s, err := Open(filepath.Join(b.TempDir(), "guards.db"), Options{Create: true, migrateTo: v, bulkLoad: true, SealKey: testSealKey})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
			var authID, opID int64
			err = s.Update(ctx, func(tx app.Tx) error {
				h, err := tx.InsertCardholder(app.Cardholder{HolderNo: "S1", Name: "学生"})
				if err != nil {
					return err
				}
				if err := tx.InsertCard(app.Card{CardNo: "20000001", HolderID: h, Status: app.CardNormal}); err != nil {
					return err
				}
				if err := tx.InsertDevice(app.Device{ID: "P1", Name: "P1", Model: app.ModelRechargePOS, Enabled: true, Secret: []byte{1}}); err != nil {
					return err
				}
				if opID, err = tx.InsertOperator(app.Operator{OpNo: "OP01", Name: "x", PINHash: "x", Enabled: true}); err != nil {
					return err
				}
				authID, err = tx.InsertAuthorization(app.Authorization{DeviceID: "P1", OperatorID: opID, CardNo: "20000001",
					BatchNo: 1, AuthCodeHash: "sha256:x", StartedAt: at})
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			answer := []byte(`{"ok":true,"result":{"recharge_id":1,"operator_no":"OP01","amount":10000,"balance_after":11234}}`)
			cpu0 := cpuTime()
			b.ResetTimer()
			serial := int64(0)
			for b.Loop() {
				// 64 recharges a transaction, as the group writer commits them under load.
				err := s.Update(ctx, func(tx app.Tx) error {
					for range 64 {
						serial++
						if _, _, err := tx.LastSettledDay(); err != nil {
							return err
						}
						if _, err := tx.InsertRecharge(app.Recharge{DeviceID: "P1", Serial: serial, AuthorizationID: authID, OperatorID: opID,
							CardNo: "20000001", Amount: 100 * app.Yuan, BalanceBefore: 1234, CounterBefore: serial % 1000, BookedAt: at,
							SettleDay: "2026-03-02", Booking: app.Booked, CardWrite: app.WritePending}); err != nil {
							return err
						}
						if err := tx.InsertTerminalAnswer(app.StoredAnswer{DeviceID: "P1", Serial: serial, Kind: "recharge",
							RequestHash: []byte("0123456789abcdef0123456789abcdef"), Answer: answer, ReceivedAt: at}); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N)/64, "cpu-µs/recharge")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/64, "µs/recharge")
		})
	}
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
