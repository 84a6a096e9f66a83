package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"cardcenter/app"
)

// BenchmarkAuditExistsMillionRows is what one refused batch record costs the single writer
// (app.recordRefusedUpload asks AuditExists before it writes): the lookup of a fingerprint
// that is not there yet, inside a write transaction, on a ledger with 1,000,000 audit rows
// of assorted actions, a tenth of them earlier refused records.
func BenchmarkAuditExistsMillionRows(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "audit.db"), Options{Create: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.write.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
		INSERT INTO audit_log(at, actor, action, subject, detail)
		SELECT i, 'terminal:P' || (i % 200),
			CASE i % 10 WHEN 0 THEN 'batch_record_refused' WHEN 1 THEN 'duplicate_conflict' WHEN 2 THEN 'repair_intent'
				WHEN 3 THEN 'repair_written' ELSE 'operator_update' END,
			'P' || (i % 200) || '/' || i || '/' || printf('%012x', i * 2654435761 % 281474976710656), 'x'
		FROM n`); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		err := s.Update(ctx, func(tx app.Tx) error {
			seen, err := tx.AuditExists("batch_record_refused", fmt.Sprintf("P7/%d/%012x", 2_000_000+i, i))
			if err == nil && seen {
				err = fmt.Errorf("found a fingerprint that was never written")
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
