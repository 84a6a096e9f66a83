package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"
)

// The admin screens' questions and the one change they need beyond admin.go: the
// authorization cards with their operators, a device's new secret, a filtered audit log.

// BindingRow is an authorization card binding with the card's current status.
type BindingRow struct {
	Binding
	CardStatus CardStatus
}

// OperatorCard is a recharge operator and the authorization card bound to them, if any.
type OperatorCard struct {
	Operator OperatorInfo
	Bound    bool
	Binding  BindingRow
}

// Bindings lists every recharge operator with their authorization card (rule 10), in
// operator number order; operators without a card are listed too (Bound false).
func (s *Service) Bindings(ctx context.Context, actor Actor) ([]OperatorCard, error) {
	if err := s.allow(ctx, actor, adminRoles...); err != nil {
		return nil, err
	}
	var out []OperatorCard
	err := s.store.View(ctx, func(tx ReadTx) error {
		ops, err := tx.Operators()
		if err != nil {
			return err
		}
		rows, err := tx.Bindings()
		if err != nil {
			return err
		}
		byOp := make(map[int64]BindingRow, len(rows))
		for _, b := range rows {
			byOp[b.OperatorID] = b
		}
		out = make([]OperatorCard, 0, len(ops))
		for _, o := range ops {
			b, ok := byOp[o.ID]
			out = append(out, OperatorCard{Operator: o.Info(), Bound: ok, Binding: b})
		}
		return nil
	})
	return out, err
}

// RotateDeviceSecret gives a terminal a fresh message-authentication secret and returns
// it once, for provisioning the terminal. The audit entry records the rotation, never the
// secret.
func (s *Service) RotateDeviceSecret(ctx context.Context, actor Actor, id string) ([]byte, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("device secret: %w", err)
	}
	err := s.adminChange(ctx, actor, "device_rotate_secret", "device:"+id, func(tx Tx, _ time.Time) (string, error) {
		if _, err := tx.Device(id); err != nil {
			return "", notFound(err, CodeUnknownDevice, "device %s", id)
		}
		return "secret rotated", tx.SetDeviceSecret(id, secret)
	})
	if err != nil {
		return nil, err
	}
	return secret, nil
}

// AuditFiltered returns up to limit audit entries, newest first, by user (the actor as
// written, "" = anyone) and of action ("" = any kind). Only admins read the audit log.
func (s *Service) AuditFiltered(ctx context.Context, actor Actor, user, action string, limit int) ([]AuditEntry, error) {
	if err := s.allow(ctx, actor, adminRoles...); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, E(CodeBadInput, "limit must be positive, got %d", limit)
	}
	var out []AuditEntry
	err := s.store.View(ctx, func(tx ReadTx) error {
		var err error
		out, err = tx.AuditFiltered(user, action, limit)
		return err
	})
	return out, err
}

// CardDetail is what the card center knows of a card: its record, its holder and, when it
// is an authorization card, the operator it is bound to (BoundTo.ID 0 otherwise).
type CardDetail struct {
	Card    Card
	Holder  Cardholder
	BoundTo OperatorInfo
}

// CardDetail looks a card up by number for the card status screen.
func (s *Service) CardDetail(ctx context.Context, actor Actor, cardNo string) (CardDetail, error) {
	if err := s.allow(ctx, actor, adminRoles...); err != nil {
		return CardDetail{}, err
	}
	var d CardDetail
	err := s.store.View(ctx, func(tx ReadTx) error {
		var err error
		if d.Card, err = tx.Card(cardNo); err != nil {
			return notFoundOr(err, CodeUnknownCard, "card %s", cardNo)
		}
		if d.Holder, err = tx.Cardholder(d.Card.HolderID); err != nil {
			return err
		}
		b, err := tx.BindingByCard(cardNo)
		if errors.Is(err, ErrNoRow) {
			return nil
		} else if err != nil {
			return err
		}
		op, err := tx.Operator(b.OperatorID)
		d.BoundTo = op.Info()
		return err
	})
	return d, err
}
