package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"cardcenter/app"
)

// privateFiles keeps the ledger's files readable by their owner only. Whoever reads them
// reads every card number, operator and recharge of the site (and, before secrets were
// sealed, could sign as any POS). SQLite creates a new database 0644 and gives its -wal and
// -shm files the database's own mode, so a new ledger is created here first, empty, 0600;
// an existing one that group or others can read or write is refused, as the site key is.
func privateFiles(path string, create bool) error {
	if create {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
		switch {
		case err == nil:
			if err := f.Close(); err != nil {
				return fmt.Errorf("create %s: %w", path, err)
			}
		case errors.Is(err, fs.ErrExist):
		default:
			return fmt.Errorf("create %s: %w", path, err)
		}
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("open %s: %w", p, err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			return app.E(app.CodeUnsafeFile, "%s has mode %v; the ledger must be readable by its owner only (chmod 600 %s*)", p, fi.Mode().Perm(), path)
		}
	}
	return nil
}
