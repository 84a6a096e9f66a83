package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"cardcenter/app"
)

func openTestStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "w.db"), Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func audit(subject string) func(app.Tx) error {
	return func(tx app.Tx) error {
		return tx.AppendAudit(app.AuditEntry{At: time.UnixMilli(1), Actor: "t", Action: "a", Subject: subject})
	}
}

func auditSubjects(t *testing.T, s *Store) map[string]bool {
	t.Helper()
	got := map[string]bool{}
	err := s.View(context.Background(), func(tx app.ReadTx) error {
		es, err := tx.Audit(1000)
		for _, e := range es {
			got[e.Subject] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// inOneBatch holds the writer busy with a first caller until every fn is queued, in the
// order given, so that they are all committed together and run in that order, and returns
// each fn's error.
func inOneBatch(t *testing.T, s *Store, fns ...func(app.Tx) error) []error {
	t.Helper()
	ctx := context.Background()
	release := make(chan struct{})
	held := make(chan struct{})
	blocked := make(chan error, 1)
	go func() {
		blocked <- s.Update(ctx, func(app.Tx) error { close(held); <-release; return nil })
	}()
	select {
	case <-held:
	case err := <-blocked:
		t.Fatalf("the writer is not usable: %v", err)
	}
	defer func() { <-blocked }()
	var wg sync.WaitGroup
	errs := make([]error, len(fns))
	for i, fn := range fns {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = s.Update(ctx, fn) }()
		for deadline := time.Now().Add(10 * time.Second); s.lite.Queued() < i+1; {
			if time.Now().After(deadline) {
				close(release)
				t.Fatalf("only %d of %d callers queued", s.lite.Queued(), len(fns))
			}
			time.Sleep(100 * time.Microsecond) // waiting for a goroutine to queue, not for a clock
		}
	}
	close(release)
	wg.Wait()
	return errs
}

func TestGroupCommitFailedCallerRollsBackAlone(t *testing.T) {
	s := openTestStore(t)
	boom := errors.New("boom")
	errs := inOneBatch(t, s,
		audit("a"),
		func(tx app.Tx) error { audit("b")(tx); return boom },
		audit("c"),
		func(tx app.Tx) error { audit("d")(tx); panic("caller bug") },
		audit("e"),
	)
	for i, want := range []bool{true, false, true, false, true} {
		if (errs[i] == nil) != want {
			t.Errorf("caller %d: err = %v", i, errs[i])
		}
	}
	if !errors.Is(errs[1], boom) {
		t.Errorf("caller 1: err = %v, want boom", errs[1])
	}
	got := auditSubjects(t, s)
	want := map[string]bool{"a": true, "c": true, "e": true}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("kept %v, want %v", got, want)
	}
}

// deferredFKViolation makes COMMIT itself fail: a foreign key checked only at commit.
func deferredFKViolation(tx app.Tx) error {
	t := tx.(*txn)
	if _, err := t.exec(`PRAGMA defer_foreign_keys = ON`); err != nil {
		return err
	}
	_, err := t.exec(`INSERT INTO cards(card_no, holder_id, status) VALUES ('ORPHAN', 424242, 'normal')`)
	return err
}

// A failed COMMIT leaves SQLite's transaction open; the writer must roll it back, or every
// later write would fail ("cannot start a transaction within a transaction") and the
// failed batch's work could be committed by the next one.
func TestGroupCommitFailedCommitLeavesWriterUsable(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	err := s.Update(ctx, func(tx app.Tx) error {
		if err := audit("alone")(tx); err != nil {
			return err
		}
		return deferredFKViolation(tx)
	})
	if err == nil {
		t.Fatal("commit with a deferred foreign key violation succeeded")
	}
	errs := inOneBatch(t, s, audit("x"), deferredFKViolation, audit("y"))
	for i, err := range errs {
		if err == nil {
			t.Errorf("caller %d of a batch whose COMMIT failed got no error", i)
		}
	}
	if err := s.Update(ctx, audit("after")); err != nil {
		t.Fatalf("write after a failed commit: %v", err)
	}
	got := auditSubjects(t, s)
	if fmt.Sprint(got) != fmt.Sprint(map[string]bool{"after": true}) {
		t.Fatalf("kept %v, want only the write after the failures", got)
	}
	err = s.View(ctx, func(tx app.ReadTx) error {
		_, err := tx.Card("ORPHAN")
		return err
	})
	if !errors.Is(err, app.ErrNoRow) {
		t.Fatalf("orphan card: %v, want no row", err)
	}
}
