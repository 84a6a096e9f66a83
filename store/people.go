package store

import (
	"database/sql"
	"time"

	"cardcenter/app"
)

func (t *txn) Cardholder(id int64) (app.Cardholder, error) {
	var h app.Cardholder
	err := t.one("cardholder", []any{&h.ID, &h.HolderNo, &h.Name, &h.Dept},
		`SELECT id, holder_no, name, dept FROM cardholders WHERE id = ?`, id)
	return h, err
}

func (t *txn) InsertCardholder(h app.Cardholder) (int64, error) {
	// A holder issued a new card keeps their record.
	var id int64
	err := t.one("cardholder by no", []any{&id}, `SELECT id FROM cardholders WHERE holder_no = ?`, h.HolderNo)
	if err == nil {
		return id, nil
	}
	return t.insert("insert cardholder", `INSERT INTO cardholders(holder_no, name, dept) VALUES (?, ?, ?)`, h.HolderNo, h.Name, h.Dept)
}

func (t *txn) Card(cardNo string) (app.Card, error) {
	var c app.Card
	var uid sql.NullString
	err := t.one("card", []any{&c.CardNo, &uid, &c.HolderID, &c.Status},
		`SELECT card_no, uid, holder_id, status FROM cards WHERE card_no = ?`, cardNo)
	c.UID = uid.String
	return c, err
}

func (t *txn) InsertCard(c app.Card) error {
	_, err := t.insert("insert card", `INSERT INTO cards(card_no, uid, holder_id, status) VALUES (?, ?, ?, ?)`,
		c.CardNo, nullStr(c.UID), c.HolderID, c.Status)
	return err
}

func (t *txn) SetCardStatus(cardNo string, s app.CardStatus) error {
	return t.execOne("set card status", `UPDATE cards SET status = ? WHERE card_no = ?`, s, cardNo)
}

const staffCols = `username, display_name, role, password_hash, enabled, wrong_tries, locked_at`

func scanStaff(scan func(...any) error) (app.Staff, error) {
	var s app.Staff
	var locked sql.NullInt64
	err := scan(&s.Username, &s.DisplayName, &s.Role, &s.PasswordHash, &s.Enabled, &s.WrongTries, &locked)
	s.LockedAt = fromMs(locked)
	return s, err
}

func (t *txn) Staff(username string) (app.Staff, error) {
	var s app.Staff
	var locked sql.NullInt64
	err := t.one("staff", []any{&s.Username, &s.DisplayName, &s.Role, &s.PasswordHash, &s.Enabled, &s.WrongTries, &locked},
		`SELECT `+staffCols+` FROM staff WHERE username = ?`, username)
	s.LockedAt = fromMs(locked)
	return s, err
}

func (t *txn) AllStaff() ([]app.Staff, error) {
	return many(t, "all staff", func(r *sql.Rows) (app.Staff, error) { return scanStaff(r.Scan) },
		`SELECT `+staffCols+` FROM staff ORDER BY username`)
}

func (t *txn) SetStaffLock(username string, wrongTries int, lockedAt time.Time) error {
	return t.execOne("set staff lock", `UPDATE staff SET wrong_tries = ?, locked_at = ? WHERE username = ?`,
		wrongTries, ms(lockedAt), username)
}

func (t *txn) InsertStaff(s app.Staff) error {
	_, err := t.insert("insert staff", `INSERT INTO staff(username, display_name, role, password_hash, enabled) VALUES (?, ?, ?, ?, ?)`,
		s.Username, s.DisplayName, s.Role, s.PasswordHash, b2i(s.Enabled))
	return err
}

func (t *txn) UpdateStaff(s app.Staff) error {
	return t.execOne("update staff", `UPDATE staff SET display_name = ?, role = ?, password_hash = ?, enabled = ? WHERE username = ?`,
		s.DisplayName, s.Role, s.PasswordHash, b2i(s.Enabled), s.Username)
}

func (t *txn) AppendAudit(e app.AuditEntry) error {
	_, err := t.insert("append audit", `INSERT INTO audit_log(at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)`,
		ms(e.At), e.Actor, e.Action, e.Subject, e.Detail)
	return err
}

// scanAuditEntry reads a row of SELECT id, at, actor, action, subject, detail FROM audit_log.
func scanAuditEntry(r *sql.Rows) (app.AuditEntry, error) {
	var e app.AuditEntry
	var at sql.NullInt64
	err := r.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Subject, &e.Detail)
	e.At = fromMs(at)
	return e, err
}

func (t *txn) Audit(limit int) ([]app.AuditEntry, error) {
	return many(t, "audit", scanAuditEntry, `SELECT id, at, actor, action, subject, detail FROM audit_log ORDER BY id DESC LIMIT ?`, limit)
}

func (t *txn) AuditExists(action, subject string) (bool, error) {
	var found bool // an integer on SQLite, a boolean on PostgreSQL: database/sql reads both
	err := t.one("audit exists", []any{&found}, `SELECT EXISTS (SELECT 1 FROM audit_log WHERE action = ? AND subject = ?)`, action, subject)
	return found, err
}

func (t *txn) StaffCount() (int64, error) {
	var n int64
	err := t.one("staff count", []any{&n}, `SELECT COUNT(*) FROM staff`)
	return n, err
}

func (t *txn) AuditFiltered(actor, action string, limit int) ([]app.AuditEntry, error) {
	return many(t, "audit filtered", scanAuditEntry, `SELECT id, at, actor, action, subject, detail FROM audit_log
		WHERE (?1 = '' OR actor = ?1) AND (?2 = '' OR action = ?2) ORDER BY id DESC LIMIT ?3`, actor, action, limit)
}

func (t *txn) StaffSession(tokenHash string) (app.StaffSession, error) {
	var s app.StaffSession
	var started, seen, expires, ended sql.NullInt64
	err := t.one("staff session", []any{&s.TokenHash, &s.Username, &s.Stamp, &started, &seen, &expires, &ended},
		`SELECT token_hash, username, stamp, started_at, last_seen, expires_at, ended_at FROM staff_sessions WHERE token_hash = ?`, tokenHash)
	s.Started, s.LastSeen, s.Expires, s.Ended = fromMs(started), fromMs(seen), fromMs(expires), fromMs(ended)
	return s, err
}

func (t *txn) InsertStaffSession(s app.StaffSession) error {
	_, err := t.insert("insert staff session", `INSERT INTO staff_sessions(token_hash, username, stamp, started_at, last_seen, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, s.TokenHash, s.Username, s.Stamp, ms(s.Started), ms(s.LastSeen), ms(s.Expires))
	return err
}

func (t *txn) TouchStaffSession(tokenHash string, at time.Time) error {
	return t.execOne("touch staff session", `UPDATE staff_sessions SET last_seen = CASE WHEN last_seen < ?1 THEN ?1 ELSE last_seen END WHERE token_hash = ?2 AND ended_at IS NULL`,
		ms(at), tokenHash)
}

func (t *txn) EndStaffSession(tokenHash string, at time.Time) error {
	return t.execOne("end staff session", `UPDATE staff_sessions SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL`,
		ms(at), tokenHash)
}
