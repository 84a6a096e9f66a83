package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"time"

	"cardcenter/app"
	"cardcenter/store/postgres"
	"cardcenter/store/sqlite"
)

// Bulk writes the whole history of a new ledger in one pass, for a generator of realistic
// sites (cardcenter gen). Rows go in as they are, ids included, through prepared statements
// in large transactions, with synchronous=OFF and the rollback journal in memory: a crash
// during the load loses the file, which is why BulkLoad only ever creates a new one. Every
// CHECK, trigger, unique index and foreign key of the schema still applies to every row.
// The plain indexes of recharges are built at Close, by one sort each, rather than kept up
// to date row by row: a card's recharges are spread over the whole history, so its index
// takes every insert at a random place. Close puts the file back to WAL, with exactly the
// schema Open makes; open it with Open for the durable settings.
type Bulk struct {
	path   string
	db     *sql.DB
	tx     *sql.Tx
	stmts  map[string]*sql.Stmt
	rows   int
	txRows int
	err    error
	seal   *sealer
	// pg is the load of a PostgreSQL ledger (store/postgres/bulk.go); db and tx are then nil.
	pg *postgres.Bulk
	// deferred are the CREATE statements of the indexes dropped for the load.
	deferred []string
}

// BulkOptions tune a bulk load. Zero values mean the defaults.
type BulkOptions struct {
	// TxRows is how many rows go into one transaction.
	TxRows int
	// CacheMiB is the page cache of the loading connection.
	CacheMiB int
	// SealKey seals device secrets and authorization answers, as Options.SealKey.
	SealKey []byte
}

// BulkLoad creates a new ledger at path with the current schema and opens it for a bulk
// load. An existing file is refused. For a postgres:// address the database must be
// empty, as for cardcenter migrate (store/postgres/bulk.go).
func BulkLoad(path string, opt BulkOptions) (*Bulk, error) {
	if IsPostgres(path) {
		return pgBulkLoad(path, opt)
	}
	if _, err := os.Stat(path); err == nil {
		return nil, app.E(app.CodeAlreadyExists, "%s", path)
	}
	seal, err := newSealer(opt.SealKey)
	if err != nil {
		return nil, err
	}
	st, err := Open(path, Options{Create: true, SealKey: opt.SealKey})
	if err != nil {
		return nil, err
	}
	if err := st.Close(); err != nil {
		return nil, err
	}
	if opt.TxRows <= 0 {
		opt.TxRows = 500_000
	}
	if opt.CacheMiB <= 0 {
		opt.CacheMiB = 1024
	}
	// One goroutine uses the connection: SQLite's own mutexes (taken on every call) are
	// not needed.
	db, err := sql.Open("sqlite3", sqlite.DSN(path, true, true)+"&_mutex=no")
	if err != nil {
		return nil, fmt.Errorf("bulk open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	b := &Bulk{path: path, db: db, txRows: opt.TxRows, seal: seal}
	for _, p := range []string{
		`PRAGMA journal_mode = MEMORY`, // each page is written once, not to the WAL and again
		`PRAGMA synchronous = OFF`,
		fmt.Sprintf(`PRAGMA cache_size = %d`, -opt.CacheMiB*1024),
		`PRAGMA temp_store = MEMORY`,
		`PRAGMA locking_mode = EXCLUSIVE`,
	} {
		if _, err := db.Exec(p); err != nil {
			db.Close()
			return nil, fmt.Errorf("bulk %s: %w", p, err)
		}
	}
	if err := b.deferIndexes(); err != nil {
		db.Close()
		return nil, err
	}
	if err := b.begin(); err != nil {
		db.Close()
		return nil, err
	}
	return b, nil
}

// pgBulkLoad opens a bulk load into an empty PostgreSQL database: the schema is made (and
// the seal key checked) as Open makes it, then the rows go in by COPY.
func pgBulkLoad(dsn string, opt BulkOptions) (*Bulk, error) {
	seal, err := newSealer(opt.SealKey)
	if err != nil {
		return nil, err
	}
	if err := pgRefuseNonEmpty(context.Background(), dsn); err != nil {
		return nil, err
	}
	st, err := Open(dsn, Options{Create: true, SealKey: opt.SealKey})
	if err != nil {
		return nil, err
	}
	if err := st.Close(); err != nil {
		return nil, err
	}
	p, err := postgres.NewBulk(dsn, moveOrder)
	if err != nil {
		return nil, err
	}
	return &Bulk{path: postgres.RedactDSN(dsn), pg: p, seal: seal, txRows: opt.TxRows}, nil
}

// deferIndexes drops the non-unique, non-partial indexes of recharges (unique ones are
// constraints and stay) and keeps their definitions for Close.
func (b *Bulk) deferIndexes() error {
	rows, err := b.db.Query(`SELECT m.name, m.sql FROM sqlite_master m JOIN pragma_index_list('recharges') l ON l.name = m.name
		WHERE m.type = 'index' AND l."unique" = 0 AND l.partial = 0 AND l.origin = 'c' ORDER BY m.name`)
	if err != nil {
		return fmt.Errorf("bulk: list indexes: %w", err)
	}
	var names []string
	for rows.Next() {
		var name, create string
		if err := rows.Scan(&name, &create); err != nil {
			rows.Close()
			return fmt.Errorf("bulk: list indexes: %w", err)
		}
		names, b.deferred = append(names, name), append(b.deferred, create)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("bulk: list indexes: %w", err)
	}
	for _, name := range names {
		if _, err := b.db.Exec(`DROP INDEX ` + name); err != nil {
			return fmt.Errorf("bulk: drop index %s: %w", name, err)
		}
	}
	return nil
}

func (b *Bulk) begin() error {
	tx, err := b.db.BeginTx(context.Background(), nil)
	if err != nil {
		return fmt.Errorf("bulk begin: %w", err)
	}
	b.tx, b.stmts, b.rows = tx, map[string]*sql.Stmt{}, 0
	return nil
}

// exec runs one insert; the first error sticks and every later call returns it.
func (b *Bulk) exec(what, query string, args ...any) error {
	return b.run(false, what, query, args...)
}

// update runs an update that must change exactly one row.
func (b *Bulk) update(what, query string, args ...any) error {
	return b.run(true, what, query, args...)
}

func (b *Bulk) run(one bool, what, query string, args ...any) error {
	if b.err != nil {
		return b.err
	}
	if b.pg != nil {
		return b.pgRun(one, what, query, args)
	}
	st, ok := b.stmts[query]
	if !ok {
		var err error
		if st, err = b.tx.Prepare(query); err != nil {
			b.err = fmt.Errorf("bulk prepare %s: %w", what, err)
			return b.err
		}
		b.stmts[query] = st
	}
	res, err := st.Exec(args...)
	if err != nil {
		b.err = fmt.Errorf("bulk %s: %w", what, err)
		return b.err
	}
	if one {
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			b.err = fmt.Errorf("bulk %s %v: %d rows changed (%v)", what, args, n, err)
			return b.err
		}
	}
	if b.rows++; b.rows >= b.txRows {
		return b.Commit()
	}
	return nil
}

// pgRun is run on PostgreSQL: an insert is held for COPY, an update runs at once.
func (b *Bulk) pgRun(one bool, what, query string, args []any) error {
	if !one {
		if err := b.pg.Insert(query, args); err != nil {
			b.err = fmt.Errorf("bulk %s: %w", what, err)
		}
		return b.err
	}
	if n, err := b.pg.Update(query, args); err != nil || n != 1 {
		b.err = fmt.Errorf("bulk %s %v: %d rows changed (%v)", what, args, n, err)
	}
	return b.err
}

// Commit ends the current transaction and starts the next. On PostgreSQL the load is one
// transaction (store/postgres/bulk.go): Commit sends the rows held so far.
func (b *Bulk) Commit() error {
	if b.err != nil {
		return b.err
	}
	if b.pg != nil {
		if err := b.pg.Flush(); err != nil {
			b.err = err
		}
		return b.err
	}
	if err := b.tx.Commit(); err != nil {
		b.err = fmt.Errorf("bulk commit: %w", err)
		return b.err
	}
	if err := b.begin(); err != nil {
		b.err = err
	}
	return b.err
}

// Close builds the deferred indexes, commits, puts the file back into WAL mode and closes
// it.
func (b *Bulk) Close() error {
	if b.err != nil {
		b.Abort()
		return b.err
	}
	if b.pg != nil {
		if err := b.pg.Close(); err != nil {
			b.Abort()
			return fmt.Errorf("bulk close %s: %w", b.path, err)
		}
		return nil
	}
	var err error
	for _, create := range b.deferred {
		if _, err = b.tx.Exec(create); err != nil {
			err = fmt.Errorf("bulk: %s: %w", create, err)
			break
		}
	}
	if err == nil {
		err = b.tx.Commit()
	}
	if err == nil {
		// locking_mode=EXCLUSIVE must be left before WAL can be entered again.
		_, err = b.db.Exec(`PRAGMA locking_mode = NORMAL`)
	}
	if err == nil {
		var mode string
		if err = b.db.QueryRow(`PRAGMA journal_mode = WAL`).Scan(&mode); err == nil && mode != "wal" {
			err = fmt.Errorf("journal_mode is %s, want wal", mode)
		}
	}
	if err == nil {
		err = b.db.Close()
	}
	if err != nil {
		b.Abort()
		return fmt.Errorf("bulk close %s: %w", b.path, err)
	}
	return nil
}

// Abort gives up the load and removes the file (on PostgreSQL: rolls the load back).
func (b *Bulk) Abort() {
	if b.pg != nil {
		b.pg.Abort()
		return
	}
	if b.tx != nil {
		b.tx.Rollback()
	}
	b.db.Close()
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		os.Remove(b.path + suffix)
	}
}

// Err is the first error of the load, if any.
func (b *Bulk) Err() error { return b.err }

func (b *Bulk) InsertCardholder(h app.Cardholder) error {
	return b.exec("cardholder", `INSERT INTO cardholders(id, holder_no, name, dept) VALUES (?, ?, ?, ?)`,
		h.ID, h.HolderNo, h.Name, h.Dept)
}

func (b *Bulk) InsertCard(c app.Card) error {
	return b.exec("card", `INSERT INTO cards(card_no, uid, holder_id, status) VALUES (?, ?, ?, ?)`,
		c.CardNo, nullStr(c.UID), c.HolderID, c.Status)
}

func (b *Bulk) InsertDevice(d app.Device) error {
	sealed, err := b.seal.seal(d.Secret, deviceAD(d.ID))
	if err != nil {
		return err
	}
	return b.exec("device", `INSERT INTO devices(id, name, model, location, enabled, secret) VALUES (?, ?, ?, ?, ?, ?)`,
		d.ID, d.Name, d.Model, d.Location, b2i(d.Enabled), sealed)
}

// SetNextBatch records the batch number the device's next authorization will take.
func (b *Bulk) SetNextBatch(deviceID string, next int64) error {
	return b.update("device next batch", `UPDATE devices SET next_batch = ? WHERE id = ?`, next, deviceID)
}

func (b *Bulk) InsertOperator(o app.Operator) error {
	return b.exec("operator", `INSERT INTO operators(id, op_no, name, pin_hash, daily_max, designated_device, merchant, enabled, wrong_pins)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, o.ID, o.OpNo, o.Name, o.PINHash, o.DailyMax, nullStr(o.DesignatedDevice),
		b2i(o.Merchant), b2i(o.Enabled), o.WrongPINs)
}

func (b *Bulk) InsertBinding(x app.Binding) error {
	return b.exec("binding", `INSERT INTO auth_cards(operator_id, card_no, bound_at, bound_by) VALUES (?, ?, ?, ?)`,
		x.OperatorID, x.CardNo, ms(x.BoundAt), x.BoundBy)
}

func (b *Bulk) InsertStaff(s app.Staff) error {
	return b.exec("staff", `INSERT INTO staff(username, display_name, role, password_hash, enabled) VALUES (?, ?, ?, ?, ?)`,
		s.Username, s.DisplayName, s.Role, s.PasswordHash, b2i(s.Enabled))
}

func (b *Bulk) AppendAudit(e app.AuditEntry) error {
	return b.exec("audit", `INSERT INTO audit_log(at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)`,
		ms(e.At), e.Actor, e.Action, e.Subject, e.Detail)
}

func (b *Bulk) InsertAuthorization(a app.Authorization) error {
	return b.exec("authorization", `INSERT INTO authorizations(id, device_id, operator_id, card_no, batch_no, auth_code, started_at, ended_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, a.DeviceID, a.OperatorID, a.CardNo, a.BatchNo, a.AuthCodeHash, ms(a.StartedAt), ms(a.EndedAt))
}

// EndAuthorization ends a device's open authorization, as the next one begins.
func (b *Bulk) EndAuthorization(id int64, at time.Time) error {
	return b.update("end authorization", `UPDATE authorizations SET ended_at = ? WHERE id = ? AND ended_at IS NULL`, ms(at), id)
}

func (b *Bulk) InsertTerminalAnswer(a app.StoredAnswer) error {
	blob, err := b.seal.sealAnswer(a)
	if err != nil {
		return err
	}
	a.Answer = blob
	return b.exec("terminal answer", `INSERT INTO terminal_answers(device_id, serial, kind, request_hash, answer, received_at)
		VALUES (?, ?, ?, ?, ?, ?)`, a.DeviceID, a.Serial, a.Kind, a.RequestHash, a.Answer, ms(a.ReceivedAt))
}

// InsertRecharge writes a recharge as it stands at the end of the load: its booking, card
// write and the ids of its reversal, cancel and repair.
func (b *Bulk) InsertRecharge(r app.Recharge) error {
	if r.Booking == app.Reversed && r.ReversalDay == "" {
		r.ReversalDay = r.SettleDay
	}
	return b.exec("recharge", `INSERT INTO recharges(id, device_id, serial, authorization_id, operator_id, card_no, amount,
		balance_before, counter_before, booked_at, settle_day, booking, card_write, reversal_id, reversal_day, cancel_id, repair_id,
		confirmed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.DeviceID, r.Serial, r.AuthorizationID, r.OperatorID, r.CardNo, r.Amount, r.BalanceBefore, r.CounterBefore,
		ms(r.BookedAt), r.SettleDay, r.Booking, r.CardWrite, nullID(r.ReversalID), nullStr(r.ReversalDay), nullID(r.CancelID),
		nullID(r.RepairID), ms(r.ConfirmedAt))
}

// LinkRepair and SetCardWrite move a recharge on at the desk, through the same guards
// (triggers) as the use cases' updates.
func (b *Bulk) LinkRepair(rechargeID, repairID int64) error {
	return b.update("link repair", `UPDATE recharges SET repair_id = ? WHERE id = ? AND repair_id IS NULL`, repairID, rechargeID)
}

func (b *Bulk) SetCardWrite(rechargeID int64, to app.CardWrite) error {
	return b.update("set card write", `UPDATE recharges SET card_write = ? WHERE id = ?`, to, rechargeID)
}

func (b *Bulk) InsertReversal(r app.Reversal) error {
	return b.exec("reversal", `INSERT INTO reversals(id, device_id, serial, orig_device_id, orig_serial, card_no, amount,
		received_at, apply_after, status, reason, recharge_id, processed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.DeviceID, r.Serial, r.OrigDeviceID, r.OrigSerial, r.CardNo, r.Amount, ms(r.ReceivedAt), ms(r.ApplyAfter),
		r.Status, r.Reason, nullID(r.RechargeID), ms(r.ProcessedAt))
}

// InsertCardMemory writes the ledger's memory of a card as the load left it.
func (b *Bulk) InsertCardMemory(m app.CardMemory) error {
	return b.exec("card memory", `INSERT INTO card_memory(card_no, counter, balance, at, source) VALUES (?, ?, ?, ?, ?)`,
		m.CardNo, m.Counter, m.Balance, ms(m.At), m.Source)
}

func (b *Bulk) InsertCancel(c app.Cancel) error {
	return b.exec("cancel", `INSERT INTO cancels(id, device_id, serial, orig_serial, card_no, amount, received_at, status, reason, recharge_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.DeviceID, c.Serial, c.OrigSerial, c.CardNo, c.Amount, ms(c.ReceivedAt),
		c.Status, c.Reason, nullID(c.RechargeID))
}

func (b *Bulk) InsertRepair(r app.Repair) error {
	var balAfter, ctrAfter any
	if r.State != app.RepairIntent {
		balAfter, ctrAfter = r.CardBalanceAfter, r.CardCounterAfter
	}
	return b.exec("repair", `INSERT INTO repairs(id, recharge_id, ref, state, staff, card_balance_before, card_counter_before,
		card_balance_after, card_counter_after, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.RechargeID, r.Ref, r.State, r.Staff, r.CardBalanceBefore, r.CardCounterBefore, balAfter, ctrAfter,
		ms(r.StartedAt), ms(r.FinishedAt))
}
