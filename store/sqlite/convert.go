package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"cardcenter/app"
)

// Sealer seals a ledger's secrets with the site's key (the store's sealer, store/seal.go):
// the conversions of a ledger written before secrets were sealed need it.
type Sealer interface {
	SealDeviceSecret(id string, secret []byte) ([]byte, error)
	SealAuthorizeAnswer(device string, serial int64, answer []byte) ([]byte, error)
}

// The migration that seals secrets at rest cannot do its work in SQL: sealing needs the
// key, which the database never holds. So it leaves a row in pending_conversions, and
// every open runs the conversions still pending, each in one transaction that also deletes
// its row: a crash in between runs it again, and a converted ledger never pays for it.
var conversions = map[string]func(ctx context.Context, tx *sql.Tx, s Sealer) error{
	"seal_secrets_v1": sealLegacySecrets,
}

func runConversions(db *sql.DB, s Sealer) error {
	ctx := context.Background()
	var exists int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'pending_conversions'`).Scan(&exists); err != nil {
		return err
	}
	if exists == 0 {
		return nil // a ledger stopped at an earlier version by a test
	}
	rows, err := db.QueryContext(ctx, `SELECT name FROM pending_conversions ORDER BY name`)
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, name := range names {
		conv, ok := conversions[name]
		if !ok {
			return app.E(app.CodeDatabaseTooOld, "pending conversion %q unknown to this program", name)
		}
		if err := runConversion(ctx, db, name, conv, s); err != nil {
			return fmt.Errorf("conversion %s: %w", name, err)
		}
	}
	return nil
}

func runConversion(ctx context.Context, db *sql.DB, name string, conv func(context.Context, *sql.Tx, Sealer) error, s Sealer) error {
	// Overwrite what a conversion frees, so that the plaintext it replaces is not left in
	// free pages; the checkpoint after it empties the WAL of the old page images.
	if _, err := db.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return err
	}
	defer db.ExecContext(ctx, `PRAGMA secure_delete = OFF`)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	// The money tables' guards (migration 5) refuse any rewrite of a kept answer or of an
	// authorization, this one included: lift the two it needs for its own transaction only,
	// and put them back as they were before it commits.
	restore, err := liftGuards(ctx, tx, "terminal_answers_no_update", "authorizations_end_once")
	if err != nil {
		tx.Rollback()
		return err
	}
	if err := conv(ctx, tx, s); err != nil {
		tx.Rollback()
		return err
	}
	if err := restore(); err != nil {
		tx.Rollback()
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM pending_conversions WHERE name = ?`, name); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

// sealLegacySecrets converts a ledger written before secrets were sealed: device secrets
// and authorization answers are sealed, authorization codes replaced by their hashes. A
// ledger that holds secrets in the clear cannot be converted without the key: it is refused
// (SITE_KEY_NEEDED) rather than left readable, and converted by the first open that has it.
func sealLegacySecrets(ctx context.Context, tx *sql.Tx, s Sealer) error {
	type devRow struct {
		id     string
		secret []byte
	}
	devs, err := collect(ctx, tx, `SELECT id, secret FROM devices WHERE substr(secret, 1, 4) <> X'63637331'`,
		func(r *sql.Rows) (devRow, error) {
			var d devRow
			return d, r.Scan(&d.id, &d.secret)
		})
	if err != nil {
		return err
	}
	type ansRow struct {
		device string
		serial int64
		answer []byte
	}
	answers, err := collect(ctx, tx, `SELECT device_id, serial, answer FROM terminal_answers
		WHERE kind = 'authorize' AND substr(answer, 1, 4) <> X'63637331'`,
		func(r *sql.Rows) (ansRow, error) {
			var a ansRow
			return a, r.Scan(&a.device, &a.serial, &a.answer)
		})
	if err != nil {
		return err
	}
	if s == nil && (len(devs) > 0 || len(answers) > 0) {
		return app.E(app.CodeSiteKeyNeeded, "this ledger, written by an earlier version, holds %d device secrets and %d authorization answers in the clear; open it once with the site key (serve or desk) to seal them",
			len(devs), len(answers))
	}
	for _, d := range devs {
		sealed, err := s.SealDeviceSecret(d.id, d.secret)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE devices SET secret = ? WHERE id = ?`, sealed, d.id); err != nil {
			return fmt.Errorf("seal secret of %s: %w", d.id, err)
		}
	}
	for _, a := range answers {
		sealed, err := s.SealAuthorizeAnswer(a.device, a.serial, a.answer)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE terminal_answers SET answer = ? WHERE device_id = ? AND serial = ?`, sealed, a.device, a.serial); err != nil {
			return fmt.Errorf("seal answer %s/%d: %w", a.device, a.serial, err)
		}
	}
	type authRow struct {
		id   int64
		code string
	}
	auths, err := collect(ctx, tx, `SELECT id, auth_code FROM authorizations WHERE auth_code NOT GLOB 'sha256:*'`,
		func(r *sql.Rows) (authRow, error) {
			var a authRow
			return a, r.Scan(&a.id, &a.code)
		})
	if err != nil {
		return err
	}
	for _, a := range auths {
		if _, err := tx.ExecContext(ctx, `UPDATE authorizations SET auth_code = ? WHERE id = ?`, app.HashAuthCode(a.code), a.id); err != nil {
			return fmt.Errorf("hash auth code of authorization %d: %w", a.id, err)
		}
	}
	return nil
}

func collect[T any](ctx context.Context, tx *sql.Tx, query string, scan func(*sql.Rows) (T, error)) ([]T, error) {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// liftGuards drops the named triggers inside tx and returns what re-creates them from
// their own stored SQL, so the schema after is byte for byte the schema before.
func liftGuards(ctx context.Context, tx *sql.Tx, names ...string) (func() error, error) {
	var ddl []string
	for _, n := range names {
		var q string
		err := tx.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?`, n).Scan(&q)
		if errors.Is(err, sql.ErrNoRows) {
			continue // a ledger before the guards
		} else if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `DROP TRIGGER `+n); err != nil {
			return nil, fmt.Errorf("lift %s: %w", n, err)
		}
		ddl = append(ddl, q)
	}
	return func() error {
		for _, q := range ddl {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("restore guard: %w", err)
			}
		}
		return nil
	}, nil
}
