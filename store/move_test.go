package store

import (
	"context"
	"path/filepath"
	"testing"

	"cardcenter/app"
)

// The recount a move is verified by sees a difference in any of its figures: equal ledgers
// compare equal, and one changed count, one changed amount or one changed report row is
// reported.
func TestMoveFiguresSeeADifference(t *testing.T) {
	st, err := Open(filepath.Join(t.TempDir(), "l.db"), Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var a figures
	if err := st.View(context.Background(), func(tx app.ReadTx) error {
		a, err = moveFigures(tx.(*txn))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	b := a
	b.counts = map[string]int64{}
	for k, v := range a.counts {
		b.counts[k] = v
	}
	if d := a.diff(b); d != "" {
		t.Fatalf("equal figures differ: %s", d)
	}
	c := b
	c.counts = map[string]int64{}
	for k, v := range b.counts {
		c.counts[k] = v
	}
	c.counts["repairs finished"]++
	if a.diff(c) == "" {
		t.Fatal("a repair more went unseen")
	}
	c = b
	c.recount.Reversals.Amount += 100
	if a.diff(c) == "" {
		t.Fatal("a reversed yuan more went unseen")
	}
	c = b
	c.live = append([]app.ReportRow{{Day: "2026-03-02", OperatorID: 1}}, b.live...)
	if a.diff(c) == "" {
		t.Fatal("a report row more went unseen")
	}
}
