package store_test

import (
	"path/filepath"
	"testing"

	"cardcenter/store/pgtest"
	"cardcenter/store/storetest"
)

// The store contract on both engines (store/storetest).
func TestContractSQLite(t *testing.T) {
	storetest.Run(t, storetest.Backend{Name: "sqlite", NewPath: func(t *testing.T) string {
		return filepath.Join(t.TempDir(), "ledger.db")
	}})
}

func TestContractPostgres(t *testing.T) {
	pgtest.Require(t)
	storetest.Run(t, storetest.Backend{Name: "postgres", NewPath: func(t *testing.T) string { return pgtest.DSN(t) }})
}
