package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	sqlite3 "github.com/mattn/go-sqlite3"

	"cardcenter/app"
)

// fullDisk caps the writer's file a few pages above its size (PRAGMA max_page_count) so
// that a write needing many new pages fails with SQLITE_FULL. On SQLITE_FULL (as on IOERR
// and NOMEM) SQLite may roll back the whole transaction, not only the statement: this is
// how a real full disk looks to the group writer.
func fullDisk(t *testing.T, s *Store) {
	t.Helper()
	var pages int
	if err := s.write.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := s.write.Exec(fmt.Sprintf(`PRAGMA max_page_count = %d`, pages+4)); err != nil {
		t.Fatal(err)
	}
}

// tooBig needs about fifty new pages: refused with SQLITE_FULL once fullDisk is on.
func tooBig(tx app.Tx) error {
	_, err := tx.InsertCardholder(app.Cardholder{HolderNo: "BIG", Name: strings.Repeat("长", 70_000)})
	return err
}

// kept reopens the ledger (so only what reached the file counts) and says which audit
// subjects it holds.
func kept(t *testing.T, path string) map[string]bool {
	t.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	return auditSubjects(t, s)
}

// A caller is told "done" exactly when its work is durable: when a caller's error made
// SQLite roll back the whole shared transaction, the callers before it lost their work
// with it and the callers after it must not run outside any transaction (each of their
// statements would be committed on its own) only to be told "commit failed".
func TestGroupCommitCallersHearTheTruthWhenSQLiteRollsBackTheBatch(t *testing.T) {
	for failing := 0; failing < 4; failing++ {
		t.Run(fmt.Sprintf("caller %d fills the disk", failing), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "full.db")
			s, err := Open(path, Options{Create: true})
			if err != nil {
				t.Fatal(err)
			}
			fullDisk(t, s)
			var fns []func(app.Tx) error
			var names []string
			for i := 0; i < 4; i++ {
				name := fmt.Sprintf("caller-%d", i)
				names = append(names, name)
				if i == failing {
					fns = append(fns, func(tx app.Tx) error {
						if err := audit(name)(tx); err != nil {
							return err
						}
						return tooBig(tx)
					})
				} else {
					fns = append(fns, audit(name))
				}
			}
			errs := inOneBatch(t, s, fns...)
			var full sqlite3.Error
			if !errors.As(errs[failing], &full) || full.Code != sqlite3.ErrFull {
				t.Fatalf("the caller that filled the disk got %v, want SQLITE_FULL", errs[failing])
			}
			// The writer is usable again at once, and the next small write is kept.
			if err := s.Update(context.Background(), audit("next")); err != nil {
				t.Fatalf("write after the lost batch: %v", err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			got := kept(t, path)
			if !got["next"] {
				t.Error("the write after the lost batch was not kept")
			}
			for i, name := range names {
				if done := errs[i] == nil; done != got[name] {
					t.Errorf("%s: told err=%v, but its work is kept=%v", name, errs[i], got[name])
				}
			}
		})
	}
}

// The same when the caller is alone in its transaction and carries on after the error:
// what it writes next must not be committed statement by statement behind its back.
func TestGroupCommitLoneCallerCannotWriteAfterSQLiteRolledBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "full.db")
	s, err := Open(path, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	fullDisk(t, s)
	var afterErr error
	err = s.Update(context.Background(), func(tx app.Tx) error {
		if err := audit("first")(tx); err != nil {
			return err
		}
		if err := tooBig(tx); err == nil {
			return errors.New("the disk did not fill")
		}
		afterErr = audit("after the error")(tx) // a careless caller ignores the error
		return nil
	})
	if afterErr == nil {
		t.Error("a write after SQLite rolled the transaction back was taken")
	}
	if err == nil {
		t.Error("the caller was told its transaction committed")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := kept(t, path); len(got) != 0 {
		t.Fatalf("kept %v of a transaction that was reported failed", got)
	}
}
