package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cardcenter/app"
)

// bulkSite writes a device, an operator, a card and one authorization.
func bulkSite(t *testing.T, b *Bulk, at time.Time) {
	t.Helper()
	b.InsertDevice(app.Device{ID: "P001", Name: "一食堂充值机", Model: app.ModelRechargePOS, Enabled: true, Secret: []byte("k")})
	b.InsertCardholder(app.Cardholder{ID: 1, HolderNo: "2023000001", Name: "王芳"})
	b.InsertCard(app.Card{CardNo: "10000001", HolderID: 1, Status: app.CardNormal})
	b.InsertOperator(app.Operator{ID: 1, OpNo: "1001", Name: "李静", PINHash: "x", Enabled: true})
	b.InsertAuthorization(app.Authorization{ID: 1, DeviceID: "P001", OperatorID: 1, CardNo: "10000001", BatchNo: 1, AuthCodeHash: app.HashAuthCode("c"), StartedAt: at})
	if err := b.Err(); err != nil {
		t.Fatal(err)
	}
}

func bulkRecharge(id int64, amount app.Fen, card string, at time.Time) app.Recharge {
	return app.Recharge{ID: id, DeviceID: "P001", Serial: id + 1, AuthorizationID: 1, OperatorID: 1, CardNo: card, Amount: amount,
		BookedAt: at, SettleDay: "2026-03-02", Booking: app.Booked, CardWrite: app.WriteWritten}
}

// A bulk-loaded file ends with exactly the schema (indexes included) and the durable
// settings of a ledger made by Open, and holds what was loaded.
func TestBulkLoadEndsWithTheLedgersSchema(t *testing.T) {
	dir := t.TempDir()
	fresh := filepath.Join(dir, "fresh.db")
	s, err := Open(fresh, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	path := filepath.Join(dir, "bulk.db")
	b, err := BulkLoad(path, BulkOptions{TxRows: 3, SealKey: testSealKey})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	bulkSite(t, b, at)
	for i := int64(1); i <= 10; i++ {
		b.InsertRecharge(bulkRecharge(i, 100*app.Yuan, "10000001", at.Add(time.Duration(i)*time.Minute)))
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := schemaOf(t, path), schemaOf(t, fresh); got != want {
		t.Fatalf("schema after a bulk load:\n%s\nwant:\n%s", got, want)
	}
	st, err := Open(path, Options{SealKey: testSealKey}) // checks WAL and synchronous=FULL took
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rc, err := st.Recount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rc.Recharges != (app.Totals{Count: 10, Amount: 1000 * app.Yuan}) {
		t.Fatalf("recount %+v", rc)
	}
	err = st.View(context.Background(), func(tx app.ReadTx) error {
		rows, err := tx.LiveReport("2026-03-02", "2026-03-02")
		if err == nil && (len(rows) != 1 || rows[0].Recharges.Count != 10 || rows[0].OpNo != "1001") {
			t.Errorf("live report %+v", rows)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := BulkLoad(path, BulkOptions{}); !errors.Is(err, app.CodeAlreadyExists) {
		t.Fatalf("bulk load over an existing ledger: %v", err)
	}
}

// The schema's CHECKs, triggers and foreign keys hold during a bulk load: a bad row fails
// the load, and the half-written file is removed.
func TestBulkLoadKeepsTheSchemasGuards(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for _, c := range badBulkLoads(at) {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.db")
			c.check(t, path, at, c.sqlite)
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("the failed load left %s: %v", path, err)
			}
		})
	}
}

// badBulkLoad is a bulk load the schema's guards must refuse on either engine; sqlite and
// pg are what each engine's refusal says.
type badBulkLoad struct {
	name       string
	bad        func(b *Bulk)
	sqlite, pg string
}

func badBulkLoads(at time.Time) []badBulkLoad {
	return []badBulkLoad{
		{"jiao in an amount", func(b *Bulk) { b.InsertRecharge(bulkRecharge(2, 150, "10000001", at)) },
			"CHECK constraint failed", "violates check constraint"},
		{"unknown card", func(b *Bulk) { b.InsertRecharge(bulkRecharge(2, 100*app.Yuan, "99999999", at)) },
			"FOREIGN KEY constraint failed", "violates foreign key constraint"},
		{"key used twice", func(b *Bulk) {
			r := bulkRecharge(2, 100*app.Yuan, "10000001", at)
			r.Serial = 2 // recharge 1's
			b.InsertRecharge(r)
		}, "a recharge is never replaced", // SQLite: the guard against REPLACE speaks before the UNIQUE index
			"duplicate key value"},
		{"card write backwards", func(b *Bulk) { b.SetCardWrite(1, app.WritePending) },
			"card write state may only move forward", "card write state may only move forward"},
	}
}

// check loads the fixture site and a good recharge into target, then the bad row and one
// more (the first error sticks), and fails the test unless Close refuses saying want.
func (c badBulkLoad) check(t *testing.T, target string, at time.Time, want string) {
	t.Helper()
	b, err := BulkLoad(target, BulkOptions{SealKey: testSealKey})
	if err != nil {
		t.Fatal(err)
	}
	bulkSite(t, b, at)
	b.InsertRecharge(bulkRecharge(1, 100*app.Yuan, "10000001", at))
	c.bad(b)
	b.AppendAudit(app.AuditEntry{At: at, Actor: "t", Action: "after", Subject: "s"})
	if err := b.Close(); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("close after %s: %v, want %q", c.name, err, want)
	}
}

// testSealKey seals the secrets of the store's own tests.
var testSealKey = bytes.Repeat([]byte{0x5e}, SealKeyLen)
