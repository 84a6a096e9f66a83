package store

import (
	"database/sql"

	"cardcenter/app"
)

const operatorCols = `id, op_no, name, pin_hash, daily_max, COALESCE(designated_device, ''), merchant, enabled, wrong_pins`

func scanOperator(r interface{ Scan(...any) error }) (app.Operator, error) {
	var o app.Operator
	err := r.Scan(&o.ID, &o.OpNo, &o.Name, &o.PINHash, &o.DailyMax, &o.DesignatedDevice, &o.Merchant, &o.Enabled, &o.WrongPINs)
	return o, err
}

func (t *txn) Operator(id int64) (app.Operator, error) {
	var o app.Operator
	err := t.one("operator", []any{&o.ID, &o.OpNo, &o.Name, &o.PINHash, &o.DailyMax, &o.DesignatedDevice, &o.Merchant, &o.Enabled, &o.WrongPINs},
		`SELECT `+operatorCols+` FROM operators WHERE id = ?`, id)
	return o, err
}

func (t *txn) OperatorByNo(opNo string) (app.Operator, error) {
	var o app.Operator
	err := t.one("operator by no", []any{&o.ID, &o.OpNo, &o.Name, &o.PINHash, &o.DailyMax, &o.DesignatedDevice, &o.Merchant, &o.Enabled, &o.WrongPINs},
		`SELECT `+operatorCols+` FROM operators WHERE op_no = ?`, opNo)
	return o, err
}

func (t *txn) Operators() ([]app.Operator, error) {
	return many(t, "operators", func(r *sql.Rows) (app.Operator, error) { return scanOperator(r) },
		`SELECT `+operatorCols+` FROM operators ORDER BY op_no`)
}

func (t *txn) InsertOperator(o app.Operator) (int64, error) {
	return t.insert("insert operator", `INSERT INTO operators(op_no, name, pin_hash, daily_max, designated_device, merchant, enabled)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, o.OpNo, o.Name, o.PINHash, o.DailyMax, nullStr(o.DesignatedDevice), b2i(o.Merchant), b2i(o.Enabled))
}

func (t *txn) UpdateOperator(o app.Operator) error {
	return t.execOne("update operator", `UPDATE operators SET op_no = ?, name = ?, pin_hash = ?, daily_max = ?, designated_device = ?,
		merchant = ?, enabled = ? WHERE id = ?`, o.OpNo, o.Name, o.PINHash, o.DailyMax, nullStr(o.DesignatedDevice), b2i(o.Merchant), b2i(o.Enabled), o.ID)
}

func (t *txn) SetWrongPINs(operatorID int64, n int) error {
	return t.execOne("set wrong PINs", `UPDATE operators SET wrong_pins = ? WHERE id = ?`, n, operatorID)
}

func (t *txn) BindingByCard(cardNo string) (app.Binding, error) {
	return t.binding(`card_no = ?`, cardNo)
}

func (t *txn) BindingByOperator(operatorID int64) (app.Binding, error) {
	return t.binding(`operator_id = ?`, operatorID)
}

func (t *txn) binding(where string, arg any) (app.Binding, error) {
	var b app.Binding
	var at sql.NullInt64
	err := t.one("binding", []any{&b.OperatorID, &b.CardNo, &at, &b.BoundBy},
		`SELECT operator_id, card_no, bound_at, bound_by FROM auth_cards WHERE `+where, arg)
	b.BoundAt = fromMs(at)
	return b, err
}

func (t *txn) InsertBinding(b app.Binding) error {
	_, err := t.insert("insert binding", `INSERT INTO auth_cards(operator_id, card_no, bound_at, bound_by) VALUES (?, ?, ?, ?)`,
		b.OperatorID, b.CardNo, ms(b.BoundAt), b.BoundBy)
	return err
}

func (t *txn) DeleteBinding(operatorID int64) error {
	return t.execOne("delete binding", `DELETE FROM auth_cards WHERE operator_id = ?`, operatorID)
}

func (t *txn) Bindings() ([]app.BindingRow, error) {
	return many(t, "bindings", func(r *sql.Rows) (app.BindingRow, error) {
		var b app.BindingRow
		var at sql.NullInt64
		err := r.Scan(&b.OperatorID, &b.CardNo, &at, &b.BoundBy, &b.CardStatus)
		b.BoundAt = fromMs(at)
		return b, err
	}, `SELECT a.operator_id, a.card_no, a.bound_at, a.bound_by, c.status
		FROM auth_cards a JOIN cards c ON c.card_no = a.card_no ORDER BY a.operator_id`)
}
