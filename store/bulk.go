package store

import (
	"context"
	"fmt"
	"os"
	"time"

	"cardcenter/app"
	"cardcenter/store/postgres"
	"cardcenter/store/sqlite"
)

// Bulk writes the whole history of a new ledger in one pass, for a generator of realistic
// sites (cardcenter gen). Rows go in as they are, ids included, through the statements
// below, the same on both engines; how they travel is the engine's (store/sqlite/bulk.go:
// prepared statements in large transactions with synchronous=OFF, a new file only;
// store/postgres/bulk.go: COPY, in one transaction, into an empty database). Every CHECK,
// trigger, unique index and foreign key of the schema still applies to every row. The
// plain indexes of recharges are built at Close, by one sort each, rather than kept up to
// date row by row. Close leaves exactly the schema Open makes; open the ledger with Open for
// the durable settings.
type Bulk struct {
	path string
	eng  bulkEngine
	err  error
	seal *sealer
}

// bulkEngine is how an engine takes the rows (store/sqlite.Bulk, store/postgres.Bulk).
type bulkEngine interface {
	Insert(query string, args []any) error
	Update(query string, args []any) (int64, error)
	Flush() error
	Close() error
	Abort()
}

// BulkOptions tune a bulk load. Zero values mean the defaults.
type BulkOptions struct {
	// TxRows is how many rows go into one transaction (SQLite; a load into PostgreSQL is one
	// transaction).
	TxRows int
	// CacheMiB is the page cache of the loading connection (SQLite).
	CacheMiB int
	// SealKey seals device secrets and authorization answers, as Options.SealKey.
	SealKey []byte
}

// BulkLoad creates a new ledger at path with the current schema and opens it for a bulk
// load. An existing file is refused. For a postgres:// address the database must be
// empty, as for cardcenter migrate.
func BulkLoad(path string, opt BulkOptions) (*Bulk, error) {
	pg := IsPostgres(path)
	if pg {
		if err := pgRefuseNonEmpty(context.Background(), path); err != nil {
			return nil, err
		}
	} else if _, err := os.Stat(path); err == nil {
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
	name := st.Name()
	if err := st.Close(); err != nil {
		return nil, err
	}
	var eng bulkEngine
	if pg {
		eng, err = postgres.NewBulk(path, moveOrder)
	} else {
		eng, err = sqlite.NewBulk(path, opt.TxRows, opt.CacheMiB)
	}
	if err != nil {
		return nil, err
	}
	return &Bulk{path: name, eng: eng, seal: seal}, nil
}

// exec runs one insert; the first error sticks and every later call returns it.
func (b *Bulk) exec(what, query string, args ...any) error {
	if b.err != nil {
		return b.err
	}
	if err := b.eng.Insert(query, args); err != nil {
		b.err = fmt.Errorf("bulk %s: %w", what, err)
	}
	return b.err
}

// update runs an update that must change exactly one row.
func (b *Bulk) update(what, query string, args ...any) error {
	if b.err != nil {
		return b.err
	}
	if n, err := b.eng.Update(query, args); err != nil || n != 1 {
		b.err = fmt.Errorf("bulk %s %v: %d rows changed (%v)", what, args, n, err)
	}
	return b.err
}

// Commit ends the current transaction and starts the next (on PostgreSQL, where the load
// is one transaction, it sends the rows held so far).
func (b *Bulk) Commit() error {
	if b.err != nil {
		return b.err
	}
	if err := b.eng.Flush(); err != nil {
		b.err = err
	}
	return b.err
}

// Close finishes the load (deferred indexes, the engine's own settings back); a load
// that failed is aborted.
func (b *Bulk) Close() error {
	if b.err != nil {
		b.Abort()
		return b.err
	}
	if err := b.eng.Close(); err != nil {
		b.Abort()
		return fmt.Errorf("bulk close %s: %w", b.path, err)
	}
	return nil
}

// Abort gives up the load: the new file is removed, a PostgreSQL load rolled back.
func (b *Bulk) Abort() { b.eng.Abort() }

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
