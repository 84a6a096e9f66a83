package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"cardcenter/app"
)

// The exceptions desk's rows: cases, decisions, the card memory and card reads, device
// journal ends.

const caseCols = `id, kind, subject, opened_at, card_no, device_id, serial, COALESCE(recharge_id, 0), COALESCE(reversal_id, 0), detail`

func scanCase(r interface{ Scan(...any) error }) (app.ExceptionCase, error) {
	var c app.ExceptionCase
	var at sql.NullInt64
	err := r.Scan(&c.ID, &c.Kind, &c.Subject, &at, &c.CardNo, &c.DeviceID, &c.Serial, &c.RechargeID, &c.ReversalID, &c.Detail)
	c.OpenedAt = fromMs(at)
	return c, err
}

// OpenCase looks before it inserts: the table's guard refuses any collision outright, so
// an upsert cannot be the no-op it would be elsewhere (the write transaction serializes).
func (t *txn) OpenCase(c app.ExceptionCase) (int64, bool, error) {
	have, err := t.Case(c.Kind, c.Subject)
	if err == nil {
		return have.ID, false, nil
	} else if !errors.Is(err, app.ErrNoRow) {
		return 0, false, err
	}
	id, err := t.insert("open case", `INSERT INTO exception_cases(kind, subject, opened_at, card_no, device_id, serial, recharge_id,
		reversal_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.Kind, c.Subject, ms(c.OpenedAt), c.CardNo, c.DeviceID, c.Serial, nullID(c.RechargeID), nullID(c.ReversalID), c.Detail)
	return id, err == nil, err
}

func (t *txn) Case(kind app.CaseKind, subject string) (app.ExceptionCase, error) {
	cs, err := many(t, "case", func(r *sql.Rows) (app.ExceptionCase, error) { return scanCase(r) },
		`SELECT `+caseCols+` FROM exception_cases WHERE kind = ? AND subject = ?`, kind, subject)
	if err != nil {
		return app.ExceptionCase{}, err
	}
	if len(cs) == 0 {
		return app.ExceptionCase{}, app.ErrNoRow
	}
	return cs[0], nil
}

func (t *txn) OpenCases() ([]app.ExceptionCase, error) {
	return many(t, "open cases", func(r *sql.Rows) (app.ExceptionCase, error) { return scanCase(r) },
		`SELECT `+caseCols+` FROM exception_cases c
		 WHERE NOT EXISTS (SELECT 1 FROM case_decisions d WHERE d.case_key = c.kind || '/' || c.subject)
		 ORDER BY opened_at, id`)
}

func (t *txn) CasesOfCard(cardNo string) ([]app.ExceptionCase, error) {
	return many(t, "cases of card", func(r *sql.Rows) (app.ExceptionCase, error) { return scanCase(r) },
		`SELECT `+caseCols+` FROM exception_cases WHERE card_no = ? ORDER BY opened_at, id`, cardNo)
}

const decisionCols = `id, case_key, kind, COALESCE(recharge_id, 0), COALESCE(operator_id, 0), amount, day, reason, decided_by, decided_at`

func scanDecision(r interface{ Scan(...any) error }) (app.Decision, error) {
	var d app.Decision
	var at sql.NullInt64
	err := r.Scan(&d.ID, &d.CaseKey, &d.Kind, &d.RechargeID, &d.OperatorID, &d.Amount, &d.Day, &d.Reason, &d.DecidedBy, &at)
	d.DecidedAt = fromMs(at)
	return d, err
}

func (t *txn) decisionWhere(where string, args ...any) (app.Decision, error) {
	ds, err := many(t, "decision", func(r *sql.Rows) (app.Decision, error) { return scanDecision(r) },
		`SELECT `+decisionCols+` FROM case_decisions WHERE `+where, args...)
	if err != nil {
		return app.Decision{}, err
	}
	if len(ds) == 0 {
		return app.Decision{}, app.ErrNoRow
	}
	return ds[0], nil
}

func (t *txn) DecisionOf(caseKey string) (app.Decision, error) {
	return t.decisionWhere(`case_key = ?`, caseKey)
}

func (t *txn) DecisionsOfRecharge(rechargeID int64) ([]app.Decision, error) {
	return many(t, "decisions of recharge", func(r *sql.Rows) (app.Decision, error) { return scanDecision(r) },
		`SELECT `+decisionCols+` FROM case_decisions WHERE recharge_id = ? ORDER BY id`, rechargeID)
}

func (t *txn) ApprovalOf(rechargeID int64) (app.Decision, error) {
	return t.decisionWhere(`recharge_id = ? AND kind = 'approve_write'`, rechargeID)
}

func (t *txn) PendingApprovals() ([]app.Decision, error) {
	return many(t, "pending approvals", func(r *sql.Rows) (app.Decision, error) { return scanDecision(r) },
		`SELECT d.id, d.case_key, d.kind, COALESCE(d.recharge_id, 0), COALESCE(d.operator_id, 0), d.amount, d.day, d.reason,
		        d.decided_by, d.decided_at
		 FROM case_decisions d JOIN recharges r ON r.id = d.recharge_id
		 WHERE d.kind = 'approve_write' AND r.booking = 'booked' AND r.card_write IN ('pending', 'cancel_reported')
		 ORDER BY d.decided_at, d.id`)
}

func (t *txn) InsertDecision(d app.Decision) (int64, error) {
	if _, err := t.DecisionOf(d.CaseKey); err == nil {
		return 0, fmt.Errorf("decision on %s: %w", d.CaseKey, app.ErrDuplicate)
	} else if !errors.Is(err, app.ErrNoRow) {
		return 0, err
	}
	if d.Kind == app.DecideApproveWrite {
		if _, err := t.ApprovalOf(d.RechargeID); err == nil {
			return 0, fmt.Errorf("approval of recharge %d: %w", d.RechargeID, app.ErrDuplicate)
		} else if !errors.Is(err, app.ErrNoRow) {
			return 0, err
		}
	}
	return t.insert("insert decision", `INSERT INTO case_decisions(case_key, kind, recharge_id, operator_id, amount, day, reason,
		decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.CaseKey, d.Kind, nullID(d.RechargeID), nullID(d.OperatorID), d.Amount, d.Day, d.Reason, d.DecidedBy, ms(d.DecidedAt))
}

func (t *txn) CardMemory(cardNo string) (app.CardMemory, error) {
	var m app.CardMemory
	var at sql.NullInt64
	err := t.one("card memory", []any{&m.CardNo, &m.Counter, &m.Balance, &at, &m.Source},
		`SELECT card_no, counter, balance, at, source FROM card_memory WHERE card_no = ?`, cardNo)
	m.At = fromMs(at)
	return m, err
}

// PutCardMemory moves a known card forward with an update (the table refuses any
// replacing insert) and remembers a new one with an insert.
func (t *txn) PutCardMemory(m app.CardMemory) (bool, error) {
	moved, err := t.changed("move card memory", `UPDATE card_memory SET counter = ?, balance = ?, at = ?, source = ?
		WHERE card_no = ? AND counter < ?`, m.Counter, m.Balance, ms(m.At), m.Source, m.CardNo, m.Counter)
	if err != nil || moved {
		return moved, err
	}
	if _, err := t.CardMemory(m.CardNo); err == nil {
		return false, nil // it already knows the card at m.Counter or further
	} else if !errors.Is(err, app.ErrNoRow) {
		return false, err
	}
	_, err = t.insert("remember card", `INSERT INTO card_memory(card_no, counter, balance, at, source) VALUES (?, ?, ?, ?, ?)`,
		m.CardNo, m.Counter, m.Balance, ms(m.At), m.Source)
	return err == nil, err
}

func (t *txn) InsertCardRead(r app.CardRead) (int64, error) {
	return t.insert("insert card read", `INSERT INTO card_reads(card_no, uid, counter, balance, from_backup, at, staff)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, r.CardNo, r.UID, r.Counter, r.Balance, b2i(r.FromBackup), ms(r.At), r.Staff)
}

func (t *txn) CardReads(cardNo string, limit int) ([]app.CardRead, error) {
	return many(t, "card reads", func(r *sql.Rows) (app.CardRead, error) {
		var x app.CardRead
		var at sql.NullInt64
		err := r.Scan(&x.ID, &x.CardNo, &x.UID, &x.Counter, &x.Balance, &x.FromBackup, &at, &x.Staff)
		x.At = fromMs(at)
		return x, err
	}, `SELECT id, card_no, uid, counter, balance, from_backup, at, staff FROM card_reads WHERE card_no = ? ORDER BY id DESC LIMIT ?`,
		cardNo, limit)
}

const journalEndCols = `id, device_id, kind, last_serial, at, by, note`

func scanJournalEnd(r interface{ Scan(...any) error }) (app.JournalEnd, error) {
	var e app.JournalEnd
	var at sql.NullInt64
	err := r.Scan(&e.ID, &e.DeviceID, &e.Kind, &e.LastSerial, &at, &e.By, &e.Note)
	e.At = fromMs(at)
	return e, err
}

func (t *txn) InsertJournalEnd(e app.JournalEnd) (int64, error) {
	return t.insert("insert journal end", `INSERT INTO device_journal_ends(device_id, kind, last_serial, at, by, note)
		VALUES (?, ?, ?, ?, ?, ?)`, e.DeviceID, e.Kind, e.LastSerial, ms(e.At), e.By, e.Note)
}

func (t *txn) JournalEndCovering(deviceID string, serial int64) (app.JournalEnd, error) {
	es, err := many(t, "journal end", func(r *sql.Rows) (app.JournalEnd, error) { return scanJournalEnd(r) },
		`SELECT `+journalEndCols+` FROM device_journal_ends WHERE device_id = ? AND last_serial >= ? ORDER BY last_serial LIMIT 1`,
		deviceID, serial)
	if err != nil {
		return app.JournalEnd{}, err
	}
	if len(es) == 0 {
		return app.JournalEnd{}, app.ErrNoRow
	}
	return es[0], nil
}

func (t *txn) JournalEnds(deviceID string) ([]app.JournalEnd, error) {
	return many(t, "journal ends", func(r *sql.Rows) (app.JournalEnd, error) { return scanJournalEnd(r) },
		`SELECT `+journalEndCols+` FROM device_journal_ends WHERE device_id = ? ORDER BY id`, deviceID)
}

// DeviceContact reads the newest key of the device (the primary key's order).
func (t *txn) DeviceContact(deviceID string) (app.DeviceContact, error) {
	var c app.DeviceContact
	var at sql.NullInt64
	err := t.one("device contact", []any{&c.Serial, &at},
		`SELECT serial, received_at FROM terminal_answers WHERE device_id = ? ORDER BY serial DESC LIMIT 1`, deviceID)
	if errors.Is(err, app.ErrNoRow) {
		return app.DeviceContact{}, nil
	}
	c.At = fromMs(at)
	return c, err
}

func (t *txn) PendingRechargesBookedBefore(before time.Time, limit int) ([]app.Recharge, error) {
	return many(t, "pending recharges", func(r *sql.Rows) (app.Recharge, error) { return scanRecharge(r) },
		`SELECT `+rechargeCols+` FROM recharges WHERE card_write = 'pending' AND booking = 'booked' AND booked_at < ?
		 ORDER BY booked_at, id LIMIT ?`, before.UnixMilli(), limit)
}

func (t *txn) OpenRepairIntents(limit int) ([]app.Repair, error) {
	return many(t, "open repair intents", scanRepairRow,
		`SELECT `+repairCols+` FROM repairs WHERE state = 'intent' ORDER BY started_at, id LIMIT ?`, limit)
}

func (t *txn) CancelsNaming(deviceID string, origSerial int64) ([]app.Cancel, error) {
	return many(t, "cancels naming", func(r *sql.Rows) (app.Cancel, error) {
		var c app.Cancel
		var at sql.NullInt64
		err := r.Scan(&c.ID, &c.DeviceID, &c.Serial, &c.OrigSerial, &c.CardNo, &c.Amount, &at, &c.Status, &c.Reason, &c.RechargeID)
		c.ReceivedAt = fromMs(at)
		return c, err
	}, `SELECT id, device_id, serial, orig_serial, card_no, amount, received_at, status, reason, COALESCE(recharge_id, 0)
		FROM cancels WHERE device_id = ? AND orig_serial = ? ORDER BY id`, deviceID, origSerial)
}

func (t *txn) LateReversalTotals(operatorID int64, deviceID, day string, since time.Time) (app.Totals, error) {
	var tot app.Totals
	err := t.one("late reversal totals", []any{&tot.Count, &tot.Amount},
		`SELECT COUNT(*), COALESCE(SUM(r.amount), 0) FROM recharges r INDEXED BY recharges_late_by_reversal_day
		 JOIN reversals v ON v.id = r.reversal_id
		 WHERE r.reversal_day <> r.settle_day AND r.operator_id = ? AND r.device_id = ?
		   AND (? = '' OR r.reversal_day = ?) AND v.processed_at >= ?`,
		operatorID, deviceID, day, day, since.UnixMilli())
	return tot, err
}
