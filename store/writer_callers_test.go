package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"cardcenter/app"
)

// callerKind is what one caller of the group-commit writer does in its transaction.
type callerKind int

const (
	callerWrites    callerKind = iota // two rows, reads its own write back, succeeds
	callerFails                       // two rows, then returns an error
	callerPanics                      // two rows, then panics
	callerViolates                    // one row, then a foreign-key violation (a statement error)
	callerAuditOnly                   // one row, succeeds
	callerCancelled                   // its context is cancelled while it waits in the queue
	callerKinds
)

var errCallerFailed = errors.New("caller failed on purpose")

// callerWork is caller i's transaction: it leaves rows named after i, so the survivors
// tell exactly whose work was committed.
func callerWork(i int, kind callerKind) func(app.Tx) error {
	return func(tx app.Tx) error {
		subject := fmt.Sprintf("caller-%d", i)
		if err := tx.AppendAudit(app.AuditEntry{At: time.UnixMilli(int64(i)), Actor: "writer-test", Action: "write",
			Subject: subject}); err != nil {
			return err
		}
		switch kind {
		case callerAuditOnly, callerCancelled:
			return nil
		case callerViolates:
			return tx.InsertCard(app.Card{CardNo: subject, HolderID: 1 << 40, Status: app.CardNormal})
		}
		id, err := tx.InsertCardholder(app.Cardholder{HolderNo: subject, Name: subject})
		if err != nil {
			return err
		}
		// Read-your-writes inside the caller's savepoint.
		if h, err := tx.Cardholder(id); err != nil || h.HolderNo != subject {
			return fmt.Errorf("own write not visible: %+v %v", h, err)
		}
		switch kind {
		case callerFails:
			return errCallerFailed
		case callerPanics:
			panic("caller bug")
		}
		return nil
	}
}

// TestGroupCommit_ManyConcurrentCallersFailAlone: hundreds of concurrent callers share
// commits; every kind of failure (an error, a panic, a failed statement, a context
// cancelled in the queue) loses that caller's work and nothing of the others'.
func TestGroupCommit_ManyConcurrentCallersFailAlone(t *testing.T) {
	const callers, maxBatch = 600, 32
	s, err := Open(filepath.Join(t.TempDir(), "callers.db"), Options{Create: true, MaxBatch: maxBatch})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	bg := context.Background()

	// A first caller holds the writer until a full batch is queued behind it, so that at
	// least one commit is known to mix every kind; the rest arrive while batches commit.
	held, release := make(chan struct{}), make(chan struct{})
	var gateErr error
	var gate sync.WaitGroup
	gate.Go(func() {
		gateErr = s.Update(bg, func(app.Tx) error { close(held); <-release; return nil })
	})
	<-held

	kinds := make([]callerKind, callers)
	errs := make([]error, callers)
	cancelCtx, cancel := context.WithCancel(bg)
	var wg sync.WaitGroup
	for i := range callers {
		kinds[i] = callerKind(i % int(callerKinds))
		ctx := bg
		if kinds[i] == callerCancelled {
			ctx = cancelCtx
		}
		wg.Go(func() { errs[i] = s.Update(ctx, callerWork(i, kinds[i])) })
	}
	for deadline := time.Now().Add(30 * time.Second); s.lite.Queued() < maxBatch; {
		if time.Now().After(deadline) {
			t.Fatalf("only %d callers queued", s.lite.Queued())
		}
		time.Sleep(time.Millisecond) // waiting for goroutines to queue, not for a clock
	}
	// Cancelled while queued (or, for a late goroutine, before it queued): either way it
	// must not be committed. The writer is held, so none of them has run yet.
	cancel()
	close(release)
	wg.Wait()
	gate.Wait()
	if gateErr != nil {
		t.Fatalf("gate caller: %v", gateErr)
	}

	var want []string
	for i, err := range errs {
		subject := fmt.Sprintf("caller-%d", i)
		switch kinds[i] {
		case callerWrites, callerAuditOnly:
			if err != nil {
				t.Errorf("caller %d (kind %d): %v", i, kinds[i], err)
			}
			want = append(want, subject)
		case callerFails:
			if !errors.Is(err, errCallerFailed) {
				t.Errorf("caller %d: err %v, want its own failure", i, err)
			}
		case callerPanics, callerViolates:
			if err == nil {
				t.Errorf("caller %d (kind %d) got no error", i, kinds[i])
			}
		case callerCancelled:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("caller %d: err %v, want context.Canceled", i, err)
			}
		}
	}
	sort.Strings(want)
	if got := rowsOf(t, s, `SELECT subject FROM audit_log WHERE actor = 'writer-test' ORDER BY subject`); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("audit rows committed:\n  %v\nwant exactly the successful callers':\n  %v", got, want)
	}
	var wantHolders []string
	for i := range callers {
		if kinds[i] == callerWrites {
			wantHolders = append(wantHolders, fmt.Sprintf("caller-%d", i))
		}
	}
	sort.Strings(wantHolders)
	if got := rowsOf(t, s, `SELECT holder_no FROM cardholders WHERE holder_no LIKE 'caller-%' ORDER BY holder_no`); fmt.Sprint(got) != fmt.Sprint(wantHolders) {
		t.Fatalf("cardholders committed:\n  %v\nwant:\n  %v", got, wantHolders)
	}
	if n := rowsOf(t, s, `SELECT card_no FROM cards`); len(n) != 0 {
		t.Fatalf("cards committed by violating callers: %v", n)
	}
	// Rolled-back work leaves its keys free, and the writer usable.
	if err := s.Update(bg, callerWork(1, callerWrites)); err != nil {
		t.Fatalf("redo of a failed caller's work: %v", err)
	}
}

func rowsOf(t *testing.T, s *Store, query string) []string {
	t.Helper()
	rows, err := s.read.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
