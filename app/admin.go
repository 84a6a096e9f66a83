package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Every admin change goes through adminChange: role check, one transaction, one audit row.
func (s *Service) adminChange(ctx context.Context, actor Actor, action, subject string, fn func(tx Tx, now time.Time) (detail string, err error)) error {
	if err := s.allow(ctx, actor, adminRoles...); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		now := s.clock.Now()
		detail, err := fn(tx, now)
		if err != nil {
			return err
		}
		return tx.AppendAudit(AuditEntry{At: now, Actor: actor.User, Action: action, Subject: subject, Detail: detail})
	})
}

func checkText(field, v string, max int) *Error {
	v = strings.TrimSpace(v)
	if v == "" || utf8.RuneCountInString(v) > max || !utf8.ValidString(v) {
		return E(CodeBadInput, "%s must be 1..%d characters", field, max)
	}
	return nil
}

func checkPIN(pin string) *Error {
	if len(pin) < 4 || len(pin) > 8 || strings.Trim(pin, "0123456789") != "" {
		return E(CodeBadInput, "PIN must be 4 to 8 digits")
	}
	return nil
}

// DeviceInput registers a terminal (rule 8).
type DeviceInput struct {
	ID, Name, Model, Location string
}

// RegisterDevice registers a terminal with a fresh message-authentication secret, returned
// this once for provisioning the POS (it is sealed at rest and never listed).
func (s *Service) RegisterDevice(ctx context.Context, actor Actor, in DeviceInput) (DeviceInfo, []byte, error) {
	if err := s.allow(ctx, actor, adminRoles...); err != nil {
		return DeviceInfo{}, nil, err
	}
	for _, c := range []struct{ f, v string }{{"device id", in.ID}, {"name", in.Name}, {"model", in.Model}} {
		if ref := checkText(c.f, c.v, 64); ref != nil {
			return DeviceInfo{}, nil, ref
		}
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return DeviceInfo{}, nil, fmt.Errorf("device secret: %w", err)
	}
	d := Device{ID: in.ID, Name: in.Name, Model: in.Model, Location: in.Location, Enabled: true, Secret: secret}
	err := s.adminChange(ctx, actor, "device_register", "device:"+in.ID, func(tx Tx, _ time.Time) (string, error) {
		if _, err := tx.Device(in.ID); err == nil {
			return "", E(CodeAlreadyExists, "device %s", in.ID)
		}
		return fmt.Sprintf("name=%s model=%s location=%s", in.Name, in.Model, in.Location), tx.InsertDevice(d)
	})
	if err != nil {
		return DeviceInfo{}, nil, err
	}
	return d.Info(), secret, nil
}

// SetDeviceEnabled enables or disables a terminal.
func (s *Service) SetDeviceEnabled(ctx context.Context, actor Actor, id string, enabled bool) error {
	return s.adminChange(ctx, actor, "device_enable", "device:"+id, func(tx Tx, _ time.Time) (string, error) {
		d, err := tx.Device(id)
		if err != nil {
			return "", notFound(err, CodeUnknownDevice, "device %s", id)
		}
		d.Enabled = enabled
		return fmt.Sprintf("enabled=%t", enabled), tx.UpdateDevice(d)
	})
}

// UpdateDevice changes a terminal's name, model and location.
func (s *Service) UpdateDevice(ctx context.Context, actor Actor, in DeviceInput) error {
	if err := s.allow(ctx, actor, adminRoles...); err != nil {
		return err
	}
	for _, c := range []struct{ f, v string }{{"name", in.Name}, {"model", in.Model}} {
		if ref := checkText(c.f, c.v, 64); ref != nil {
			return ref
		}
	}
	return s.adminChange(ctx, actor, "device_update", "device:"+in.ID, func(tx Tx, _ time.Time) (string, error) {
		d, err := tx.Device(in.ID)
		if err != nil {
			return "", notFound(err, CodeUnknownDevice, "device %s", in.ID)
		}
		detail := fmt.Sprintf("name %s→%s model %s→%s location %s→%s", d.Name, in.Name, d.Model, in.Model, d.Location, in.Location)
		d.Name, d.Model, d.Location = in.Name, in.Model, in.Location
		return detail, tx.UpdateDevice(d)
	})
}

// IssueCardInput records an issued user card and its holder.
type IssueCardInput struct {
	HolderNo, HolderName, Dept string
	CardNo, UID                string
}

// IssueCard records a card issued to a holder (creating the holder if new).
func (s *Service) IssueCard(ctx context.Context, actor Actor, in IssueCardInput) (Card, error) {
	if err := s.allow(ctx, actor, adminRoles...); err != nil {
		return Card{}, err
	}
	for _, c := range []struct{ f, v string }{{"holder no", in.HolderNo}, {"holder name", in.HolderName}, {"card no", in.CardNo}} {
		if ref := checkText(c.f, c.v, 64); ref != nil {
			return Card{}, ref
		}
	}
	var card Card
	err := s.adminChange(ctx, actor, "card_issue", "card:"+in.CardNo, func(tx Tx, now time.Time) (string, error) {
		if _, err := tx.Card(in.CardNo); err == nil {
			return "", E(CodeAlreadyExists, "card %s", in.CardNo)
		}
		hid, err := tx.InsertCardholder(Cardholder{HolderNo: in.HolderNo, Name: in.HolderName, Dept: in.Dept})
		if err != nil {
			return "", err
		}
		card = Card{CardNo: in.CardNo, UID: in.UID, HolderID: hid, Status: CardNormal}
		return fmt.Sprintf("holder=%s uid=%s", in.HolderNo, in.UID), tx.InsertCard(card)
	})
	return card, err
}

// SetCardStatus records a card's status: lost, frozen, bad, cancelled or back to normal.
func (s *Service) SetCardStatus(ctx context.Context, actor Actor, cardNo string, st CardStatus) error {
	if err := s.allow(ctx, actor, adminRoles...); err != nil {
		return err
	}
	if !st.Valid() {
		return E(CodeBadInput, "card status %q", st)
	}
	return s.adminChange(ctx, actor, "card_status", "card:"+cardNo, func(tx Tx, _ time.Time) (string, error) {
		c, err := tx.Card(cardNo)
		if err != nil {
			return "", notFound(err, CodeUnknownCard, "card %s", cardNo)
		}
		return fmt.Sprintf("%s→%s", c.Status, st), tx.SetCardStatus(cardNo, st)
	})
}

// OperatorInput sets up a recharge operator (rule 9).
type OperatorInput struct {
	ID               int64 // 0 to create
	OpNo, Name       string
	PIN              string // only on create; ResetPIN changes it later
	DailyMax         Fen
	DesignatedDevice string
	Merchant         bool
	Enabled          bool
}

func (s *Service) checkOperatorInput(tx Tx, in OperatorInput) error {
	if ref := checkText("operator no", in.OpNo, 32); ref != nil {
		return ref
	}
	if ref := checkText("operator name", in.Name, 32); ref != nil {
		return ref
	}
	if in.DailyMax < 0 || in.DailyMax > MaxDailyMax || in.DailyMax%Yuan != 0 {
		ref := outOfRange(fieldDailyMax, in.DailyMax, 0, MaxDailyMax, true)
		ref.ZH += "(整元,0 为不限)"
		ref.EN += " (whole yuan, 0 = no limit)"
		return ref
	}
	if in.DesignatedDevice != "" {
		d, err := tx.Device(in.DesignatedDevice)
		if err != nil {
			return notFound(err, CodeUnknownDevice, "designated device %s", in.DesignatedDevice)
		}
		if d.Model != ModelRechargePOS {
			return E(CodeNotRechargePOS, "designated device %s", d.ID)
		}
	}
	return nil
}

// CreateOperator sets up a recharge operator with a PIN for the authorization card.
func (s *Service) CreateOperator(ctx context.Context, actor Actor, in OperatorInput) (OperatorInfo, error) {
	if err := s.allow(ctx, actor, adminRoles...); err != nil {
		return OperatorInfo{}, err
	}
	if ref := checkPIN(in.PIN); ref != nil {
		return OperatorInfo{}, ref
	}
	hash, err := s.cfg.Hasher.Hash(in.PIN)
	if err != nil {
		return OperatorInfo{}, err
	}
	op := Operator{OpNo: in.OpNo, Name: in.Name, PINHash: hash, DailyMax: in.DailyMax, DesignatedDevice: in.DesignatedDevice,
		Merchant: in.Merchant, Enabled: in.Enabled}
	err = s.adminChange(ctx, actor, "operator_create", "operator:"+in.OpNo, func(tx Tx, _ time.Time) (string, error) {
		if err := s.checkOperatorInput(tx, in); err != nil {
			return "", err
		}
		if _, err := tx.OperatorByNo(in.OpNo); err == nil {
			return "", E(CodeAlreadyExists, "operator %s", in.OpNo)
		}
		id, err := tx.InsertOperator(op)
		op.ID = id
		return OperatorDetail(op), err
	})
	return op.Info(), err
}

// OperatorDetail is how the audit log describes an operator (the site generator writes it
// the same way).
func OperatorDetail(o Operator) string {
	return fmt.Sprintf("name=%s daily_max=%d designated=%s merchant=%t enabled=%t", o.Name, o.DailyMax, o.DesignatedDevice, o.Merchant, o.Enabled)
}

// UpdateOperator edits an operator's attributes (not the PIN).
func (s *Service) UpdateOperator(ctx context.Context, actor Actor, in OperatorInput) error {
	return s.adminChange(ctx, actor, "operator_update", fmt.Sprintf("operator:%d", in.ID), func(tx Tx, _ time.Time) (string, error) {
		op, err := tx.Operator(in.ID)
		if err != nil {
			return "", notFound(err, CodeNotFound, "operator %d", in.ID)
		}
		if err := s.checkOperatorInput(tx, in); err != nil {
			return "", err
		}
		if other, err := tx.OperatorByNo(in.OpNo); err == nil && other.ID != op.ID {
			return "", E(CodeAlreadyExists, "operator %s", in.OpNo)
		}
		before := OperatorDetail(op)
		op.OpNo, op.Name, op.DailyMax, op.DesignatedDevice, op.Merchant, op.Enabled =
			in.OpNo, in.Name, in.DailyMax, in.DesignatedDevice, in.Merchant, in.Enabled
		return before + " → " + OperatorDetail(op), tx.UpdateOperator(op)
	})
}

// ResetPIN sets a new PIN and clears the wrong-PIN counter (unlocks).
func (s *Service) ResetPIN(ctx context.Context, actor Actor, operatorID int64, pin string) error {
	if err := s.allow(ctx, actor, adminRoles...); err != nil {
		return err
	}
	if ref := checkPIN(pin); ref != nil {
		return ref
	}
	hash, err := s.cfg.Hasher.Hash(pin)
	if err != nil {
		return err
	}
	return s.adminChange(ctx, actor, "operator_reset_pin", fmt.Sprintf("operator:%d", operatorID), func(tx Tx, _ time.Time) (string, error) {
		op, err := tx.Operator(operatorID)
		if err != nil {
			return "", notFound(err, CodeNotFound, "operator %d", operatorID)
		}
		op.PINHash = hash
		if err := tx.UpdateOperator(op); err != nil {
			return "", err
		}
		return fmt.Sprintf("wrong_pins %d→0", op.WrongPINs), tx.SetWrongPINs(op.ID, 0)
	})
}

// BindCard makes cardNo the operator's authorization card (rule 10): one card per
// operator, one operator per card, any issued user card in normal status.
func (s *Service) BindCard(ctx context.Context, actor Actor, operatorID int64, cardNo string) error {
	return s.adminChange(ctx, actor, "card_bind", "card:"+cardNo, func(tx Tx, now time.Time) (string, error) {
		op, err := tx.Operator(operatorID)
		if err != nil {
			return "", notFound(err, CodeNotFound, "operator %d", operatorID)
		}
		card, err := tx.Card(cardNo)
		if err != nil {
			return "", notFound(err, CodeUnknownCard, "card %s", cardNo)
		}
		if ref := cardRefusal(card, CardStatusRule.authorizes); ref != nil {
			return "", ref
		}
		if b, err := tx.BindingByOperator(op.ID); err == nil {
			return "", E(CodeOperatorHasCard, "operator %s has card %s", op.OpNo, b.CardNo)
		} else if !errors.Is(err, ErrNoRow) {
			return "", err
		}
		if b, err := tx.BindingByCard(cardNo); err == nil {
			other, _ := tx.Operator(b.OperatorID)
			return "", E(CodeCardBoundElsewhere, "card %s is bound to operator %s", cardNo, other.OpNo)
		} else if !errors.Is(err, ErrNoRow) {
			return "", err
		}
		return "operator:" + op.OpNo, tx.InsertBinding(Binding{OperatorID: op.ID, CardNo: cardNo, BoundAt: now, BoundBy: actor.User})
	})
}

// UnbindCard removes an operator's authorization card.
func (s *Service) UnbindCard(ctx context.Context, actor Actor, operatorID int64) error {
	return s.adminChange(ctx, actor, "card_unbind", fmt.Sprintf("operator:%d", operatorID), func(tx Tx, _ time.Time) (string, error) {
		b, err := tx.BindingByOperator(operatorID)
		if err != nil {
			return "", notFound(err, CodeNotFound, "binding of operator %d", operatorID)
		}
		return "card:" + b.CardNo, tx.DeleteBinding(operatorID)
	})
}

// CreateStaff adds a desk account. The very first account may be created by SystemActor.
func (s *Service) CreateStaff(ctx context.Context, actor Actor, username, display string, role Role, password string) error {
	if err := s.allow(ctx, actor, adminRoles...); err != nil {
		return err
	}
	if ref := checkText("user name", username, 32); ref != nil {
		return ref
	}
	if !role.Valid() {
		return E(CodeBadInput, "role %q", role)
	}
	if ref := checkPassword(password); ref != nil {
		return ref
	}
	hash, err := s.cfg.Hasher.Hash(password)
	if err != nil {
		return err
	}
	return s.adminChange(ctx, actor, "staff_create", "staff:"+username, func(tx Tx, _ time.Time) (string, error) {
		if _, err := tx.Staff(username); err == nil {
			return "", E(CodeAlreadyExists, "staff %s", username)
		}
		return "role=" + string(role), tx.InsertStaff(Staff{Username: username, DisplayName: display, Role: role,
			PasswordHash: hash, Enabled: true})
	})
}

// SetStaffEnabled enables or disables a desk account. A disabled account's sessions end at
// their next action (allow); the last usable admin is not disabled (keepAnAdmin).
func (s *Service) SetStaffEnabled(ctx context.Context, actor Actor, username string, enabled bool) error {
	return s.adminChange(ctx, actor, "staff_enable", "staff:"+username, func(tx Tx, _ time.Time) (string, error) {
		st, err := tx.Staff(username)
		if err != nil {
			return "", notFound(err, CodeNotFound, "staff %s", username)
		}
		if !enabled {
			if err := keepAnAdmin(tx, st); err != nil {
				return "", err
			}
		}
		st.Enabled = enabled
		return fmt.Sprintf("enabled=%t", enabled), tx.UpdateStaff(st)
	})
}

// Login checks a desk account's password and returns who it is. The rule (audit, lock
// after wrong passwords) is checkLogin's, in staff.go.
func (s *Service) Login(ctx context.Context, username, password string) (Actor, error) {
	st, err := s.checkLogin(ctx, username, password)
	if err != nil {
		return Actor{}, err
	}
	return s.startSession(ctx, st)
}

// startSession opens the session of a login whose password was just checked against st:
// if the account changed meanwhile, the login is refused rather than granted on old facts.
func (s *Service) startSession(ctx context.Context, checked Staff) (Actor, error) {
	var a Actor
	err := s.store.Update(ctx, func(tx Tx) error {
		st, err := tx.Staff(checked.Username)
		if err != nil {
			return err
		}
		if !st.Enabled || accountStamp(st) != accountStamp(checked) {
			return E(CodeBadCredentials, "the account changed during the login")
		}
		token, err := s.openSession(tx, st, s.clock.Now())
		a = Actor{User: st.Username, Role: st.Role, Session: token}
		return err
	})
	return a, err
}

// Devices lists every terminal.
func (s *Service) Devices(ctx context.Context, actor Actor) ([]DeviceInfo, error) {
	return readAs(ctx, s, actor, adminRoles, func(tx ReadTx) (out []DeviceInfo, err error) {
		ds, err := tx.Devices()
		for _, d := range ds {
			out = append(out, d.Info())
		}
		return out, err
	})
}

// Operators lists every recharge operator: any staff may read it (the desk names the
// operator of each recharge), none sees a PIN's hash.
func (s *Service) Operators(ctx context.Context, actor Actor) ([]OperatorInfo, error) {
	return readAs(ctx, s, actor, anyStaff, func(tx ReadTx) (out []OperatorInfo, err error) {
		ops, err := tx.Operators()
		for _, o := range ops {
			out = append(out, o.Info())
		}
		return out, err
	})
}

// Audit returns the newest limit audit entries, newest first.
func (s *Service) Audit(ctx context.Context, actor Actor, limit int) ([]AuditEntry, error) {
	return readAs(ctx, s, actor, adminRoles, func(tx ReadTx) ([]AuditEntry, error) { return tx.Audit(limit) })
}

// NeedsFirstAdmin reports whether no desk account exists yet: the desk's first run then
// creates the admin account.
func (s *Service) NeedsFirstAdmin(ctx context.Context) (bool, error) {
	var n int64
	err := s.store.View(ctx, func(tx ReadTx) error {
		var err error
		n, err = tx.StaffCount()
		return err
	})
	return n == 0, err
}

// CreateFirstAdmin creates the first admin account, only while there is none.
func (s *Service) CreateFirstAdmin(ctx context.Context, username, display, password string) (Actor, error) {
	need, err := s.NeedsFirstAdmin(ctx)
	if err != nil {
		return Actor{}, err
	}
	if !need {
		return Actor{}, E(CodePermission, "an admin account exists already")
	}
	if err := s.CreateStaff(ctx, SystemActor, username, display, RoleAdmin, password); err != nil {
		return Actor{}, err
	}
	return s.Login(ctx, username, password)
}
