package sqlite

import (
	"context"
	"path/filepath"
	"testing"
)

// BenchmarkWriterTransactionCheck is what the writer pays before each statement to make
// sure it is still inside the batch's transaction (sqlite3_get_autocommit through the
// driver): a Recharge runs about a dozen statements.
func BenchmarkWriterTransactionCheck(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "check.db"), Options{Create: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	tx, err := beginImmediate(context.Background(), s.write)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.rollback()
	for b.Loop() {
		if !tx.inTransaction() {
			b.Fatal("not in the transaction it began")
		}
	}
}
