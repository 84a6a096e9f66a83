package store_test

import (
	"path/filepath"
	"testing"

	"cardcenter/app/apptest"
)

// Migration 10: a desk account is disabled, never deleted, renamed or replaced (the audit
// log and allow() know it by name), and its lock columns hold what they stand for.
func TestStaffAccountsAreNeverDeletedRenamedOrReplaced(t *testing.T) {
	// A SQLite file whatever CARDCENTER_TEST_DB says: these are SQLite's statements (INSERT
	// OR REPLACE, its typing). PostgreSQL's staff guards: TestMoneyTablesRefuseRewritesThroughPostgreSQL.
	s := apptest.New(t, apptest.Options{Path: filepath.Join(t.TempDir(), "ledger.db")})
	db := s.RawDB()
	for _, q := range []string{
		`DELETE FROM staff WHERE username = 'clerk1'`,
		`UPDATE staff SET username = 'clerk9' WHERE username = 'clerk1'`,
		`INSERT OR REPLACE INTO staff(username, display_name, role, password_hash, enabled) VALUES ('clerk1', 'x', 'admin', 'x', 1)`,
		`UPDATE staff SET wrong_tries = -1 WHERE username = 'clerk1'`,
		`UPDATE staff SET wrong_tries = 'many' WHERE username = 'clerk1'`,
		`UPDATE staff SET locked_at = 'now' WHERE username = 'clerk1'`,
		`INSERT INTO staff(username, display_name, role, password_hash, enabled, wrong_tries) VALUES ('c9', 'x', 'clerk', 'x', 1, 2.5)`,
	} {
		before := s.Ledger()
		if _, err := db.Exec(q); err == nil {
			t.Errorf("%s: taken", q)
		}
		if after := s.Ledger(); after != before {
			t.Errorf("%s changed the staff", q)
		}
	}
	// What the use cases do is taken.
	for _, q := range []string{
		`UPDATE staff SET wrong_tries = 3, locked_at = 1767225600000 WHERE username = 'clerk1'`,
		`UPDATE staff SET wrong_tries = 0, locked_at = NULL, enabled = 0, role = 'supervisor' WHERE username = 'clerk1'`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
}
