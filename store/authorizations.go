package store

import (
	"database/sql"
	"time"

	"cardcenter/app"
)

func (t *txn) CurrentAuthorization(deviceID string) (app.Authorization, error) {
	var a app.Authorization
	var started, ended sql.NullInt64
	err := t.one("current authorization", []any{&a.ID, &a.DeviceID, &a.OperatorID, &a.CardNo, &a.BatchNo, &a.AuthCodeHash, &started, &ended},
		`SELECT id, device_id, operator_id, card_no, batch_no, auth_code, started_at, ended_at
		 FROM authorizations WHERE device_id = ? AND ended_at IS NULL`, deviceID)
	a.StartedAt, a.EndedAt = fromMs(started), fromMs(ended)
	return a, err
}

func (t *txn) EndAuthorization(id int64, at time.Time) error {
	return t.execOne("end authorization", `UPDATE authorizations SET ended_at = ? WHERE id = ? AND ended_at IS NULL`, ms(at), id)
}

func (t *txn) InsertAuthorization(a app.Authorization) (int64, error) {
	return t.insert("insert authorization", `INSERT INTO authorizations(device_id, operator_id, card_no, batch_no, auth_code, started_at)
		VALUES (?, ?, ?, ?, ?, ?)`, a.DeviceID, a.OperatorID, a.CardNo, a.BatchNo, a.AuthCodeHash, ms(a.StartedAt))
}

func (t *txn) TerminalAnswer(deviceID string, serial int64) (app.StoredAnswer, error) {
	var a app.StoredAnswer
	var at sql.NullInt64
	err := t.one("terminal answer", []any{&a.DeviceID, &a.Serial, &a.Kind, &a.RequestHash, &a.Answer, &at},
		`SELECT device_id, serial, kind, request_hash, answer, received_at FROM terminal_answers WHERE device_id = ? AND serial = ?`,
		deviceID, serial)
	a.ReceivedAt = fromMs(at)
	if err != nil {
		return a, err
	}
	a.Answer, err = t.seal.openAnswer(a)
	return a, err
}

func (t *txn) InsertTerminalAnswer(a app.StoredAnswer) error {
	blob, err := t.seal.sealAnswer(a)
	if err != nil {
		return err
	}
	_, err = t.exec(`INSERT INTO terminal_answers(device_id, serial, kind, request_hash, answer, received_at) VALUES (?, ?, ?, ?, ?, ?)`,
		a.DeviceID, a.Serial, a.Kind, a.RequestHash, blob, ms(a.ReceivedAt))
	return err
}

func (t *txn) LastSerial(deviceID string) (int64, error) {
	var n int64
	err := t.one("last serial", []any{&n}, `SELECT COALESCE(MAX(serial), 0) FROM terminal_answers WHERE device_id = ?`, deviceID)
	return n, err
}
