package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/store/pgtest"
	"cardcenter/store/postgres"
)

// pgSchemaOf lists a PostgreSQL ledger's indexes and triggers, as schemaOf lists a file's.
func pgSchemaOf(t *testing.T, dsn string) string {
	t.Helper()
	db, err := OpenRaw(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()
		UNION ALL SELECT tgrelid::regclass || ' ' || tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if len(out) < 20 {
		t.Fatalf("schema of %d indexes and triggers", len(out))
	}
	return strings.Join(out, "\n")
}

// A bulk load into PostgreSQL (COPY, one transaction) ends with exactly the schema Open
// makes (the indexes dropped for the load are back), the identities after the loaded ids,
// the planner's statistics gathered, and holds what was loaded.
func TestPGBulkLoadEndsWithTheLedgersSchema(t *testing.T) {
	fresh := pgtest.DSN(t)
	s, err := Open(fresh, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	dsn := pgtest.DSN(t)
	b, err := BulkLoad(dsn, BulkOptions{TxRows: 3, SealKey: testSealKey})
	if err != nil {
		t.Fatal(err)
	}
	pb, ok := b.eng.(*postgres.Bulk)
	if !ok || len(pb.Deferred()) != 3 {
		t.Fatalf("bulk load on PostgreSQL: %T", b.eng)
	}
	pb.HoldAtMost(4) // several flushes, and updates between them
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	bulkSite(t, b, at)
	for i := int64(1); i <= 10; i++ {
		r := bulkRecharge(i, 100*app.Yuan, "10000001", at.Add(time.Duration(i)*time.Minute))
		if i == 10 {
			r.CardWrite = app.WritePending
		}
		b.InsertRecharge(r)
	}
	b.SetCardWrite(10, app.WriteCancelReported) // an update of a row still held: it is sent first
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := pgSchemaOf(t, dsn), pgSchemaOf(t, fresh); got != want {
		t.Fatalf("schema after a bulk load:\n%s\nwant:\n%s", got, want)
	}
	st, err := Open(dsn, Options{SealKey: testSealKey})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	rc, err := st.Recount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rc.Recharges != (app.Totals{Count: 10, Amount: 1000 * app.Yuan}) {
		t.Fatalf("recount %+v", rc)
	}
	var next, tuples int64
	var write string
	if err := st.pg.Pool().QueryRow(`SELECT nextval(pg_get_serial_sequence('recharges', 'id')),
		(SELECT reltuples::bigint FROM pg_class WHERE relname = 'recharges'),
		(SELECT card_write FROM recharges WHERE id = 10)`).Scan(&next, &tuples, &write); err != nil {
		t.Fatal(err)
	}
	if next != 11 || tuples != 10 || write != string(app.WriteCancelReported) {
		t.Fatalf("next recharge id %d (want 11), planner's row count %d (want 10, ANALYZE), card write %s", next, tuples, write)
	}
	if _, err := BulkLoad(dsn, BulkOptions{}); !errors.Is(err, app.CodeTargetNotEmpty) {
		t.Fatalf("bulk load over a full ledger: %v", err)
	}
}

// The schema's CHECKs, triggers and foreign keys hold during a load by COPY: a bad row
// fails the load, and the load is rolled back whole, leaving a database another load
// accepts.
func TestPGBulkLoadKeepsTheSchemasGuards(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for _, c := range badBulkLoads(at) {
		t.Run(c.name, func(t *testing.T) {
			dsn := pgtest.DSN(t)
			c.check(t, dsn, at, c.pg)
			if err := pgRefuseNonEmpty(context.Background(), dsn); err != nil {
				t.Fatalf("the failed load left rows: %v", err)
			}
		})
	}
}
