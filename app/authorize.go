package app

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// AuthorizeRequest is an operator tapping the authorization card on a recharge POS and
// entering its PIN (rule 1).
type AuthorizeRequest struct {
	DeviceID string `json:"device_id" limit:"64"`
	Serial   int64  `json:"serial"`
	CardNo   string `json:"card_no" limit:"64"`
	PIN      string `json:"pin" limit:"16"`
}

// AuthorizeResult opens a batch on the device: every recharge until the next
// authorization carries BatchNo and AuthCode and is booked to this operator.
type AuthorizeResult struct {
	AuthorizationID int64     `json:"authorization_id"`
	OperatorNo      string    `json:"operator_no"`
	OperatorName    string    `json:"operator_name"`
	BatchNo         int64     `json:"batch_no"`
	AuthCode        string    `json:"auth_code"`
	AuthorizedAt    time.Time `json:"authorized_at"`
}

// Authorize checks rules 1, 8, 9 and 10 and, if all hold, makes the operator the
// device's current operator.
func (s *Service) Authorize(ctx context.Context, req AuthorizeRequest) (AuthorizeResult, error) {
	// Hash the PIN outside the write transaction: argon2 takes milliseconds and the
	// writer is shared by every POS. The transaction checks the hash did not change.
	hashUsed, pinOK := s.verifyPINOutsideTx(ctx, req.CardNo, req.PIN)
	// The PIN stays out of the stored fingerprint: a replay of the same serial gets the
	// first answer whatever PIN it carries, and no fast hash of a 6-digit PIN is kept.
	fp := req
	fp.PIN = ""
	return terminalCall(ctx, s, req.DeviceID, req.Serial, "authorize", fp,
		func(tx Tx, now time.Time) (AuthorizeResult, *Error, error) {
			var zero AuthorizeResult
			dev, err := tx.Device(req.DeviceID)
			if err != nil {
				return zero, nil, err
			}
			if ref := deviceUsable(dev); ref != nil {
				return zero, ref, nil
			}
			card, err := tx.Card(req.CardNo)
			if errors.Is(err, ErrNoRow) {
				return zero, E(CodeUnknownCard, "card %s", req.CardNo), nil
			} else if err != nil {
				return zero, nil, err
			}
			if ref := cardRefusal(card, CardStatusRule.authorizes); ref != nil {
				return zero, ref, nil
			}
			b, err := tx.BindingByCard(req.CardNo)
			if errors.Is(err, ErrNoRow) {
				return zero, E(CodeCardNotBound, "card %s", req.CardNo), nil
			} else if err != nil {
				return zero, nil, err
			}
			op, err := tx.Operator(b.OperatorID)
			if err != nil {
				return zero, nil, fmt.Errorf("operator %d of card %s: %w", b.OperatorID, req.CardNo, err)
			}
			if !op.Enabled {
				return zero, E(CodeOperatorDisabled, "operator %s", op.OpNo), nil
			}
			if op.WrongPINs >= s.cfg.MaxWrongPINs {
				return zero, E(CodePINLocked, "operator %s", op.OpNo), nil
			}
			if op.DesignatedDevice != "" && op.DesignatedDevice != dev.ID {
				return zero, E(CodeNotDesignatedDev, "operator %s is designated to %s", op.OpNo, op.DesignatedDevice), nil
			}
			ok := pinOK
			if op.PINHash != hashUsed { // changed since we hashed: check again, rarely
				ok = s.cfg.Hasher.Verify(op.PINHash, req.PIN)
			}
			if !ok {
				n := op.WrongPINs + 1
				if err := tx.SetWrongPINs(op.ID, n); err != nil {
					return zero, nil, err
				}
				if n >= s.cfg.MaxWrongPINs {
					if err := tx.AppendAudit(AuditEntry{At: now, Actor: "terminal:" + dev.ID, Action: "pin_locked",
						Subject: "operator:" + op.OpNo, Detail: fmt.Sprintf("%d wrong PINs in a row", n)}); err != nil {
						return zero, nil, err
					}
					return zero, E(CodePINLocked, "operator %s after %d wrong PINs", op.OpNo, n), nil
				}
				return zero, E(CodeWrongPIN, "%d tries left", s.cfg.MaxWrongPINs-n), nil
			}
			if op.WrongPINs != 0 {
				if err := tx.SetWrongPINs(op.ID, 0); err != nil {
					return zero, nil, err
				}
			}
			cur, err := tx.CurrentAuthorization(dev.ID)
			switch {
			case err == nil:
				if err := tx.EndAuthorization(cur.ID, now); err != nil {
					return zero, nil, err
				}
			case !errors.Is(err, ErrNoRow):
				return zero, nil, err
			}
			batch, err := tx.NextBatchNo(dev.ID)
			if err != nil {
				return zero, nil, err
			}
			code, err := randomCode()
			if err != nil {
				return zero, nil, err
			}
			a := Authorization{DeviceID: dev.ID, OperatorID: op.ID, CardNo: card.CardNo, BatchNo: batch,
				AuthCodeHash: HashAuthCode(code), StartedAt: now}
			id, err := tx.InsertAuthorization(a)
			if err != nil {
				return zero, nil, err
			}
			return AuthorizeResult{AuthorizationID: id, OperatorNo: op.OpNo, OperatorName: op.Name,
				BatchNo: batch, AuthCode: code, AuthorizedAt: now}, nil, nil
		})
}

// verifyPINOutsideTx looks up the PIN hash of the operator bound to cardNo and checks pin
// against it. Failures here are not refusals: the transaction decides.
func (s *Service) verifyPINOutsideTx(ctx context.Context, cardNo, pin string) (hash string, ok bool) {
	_ = s.store.View(ctx, func(tx ReadTx) error {
		b, err := tx.BindingByCard(cardNo)
		if err != nil {
			return err
		}
		op, err := tx.Operator(b.OperatorID)
		if err != nil {
			return err
		}
		hash = op.PINHash
		return nil
	})
	if hash == "" {
		return "", false
	}
	return hash, s.cfg.Hasher.Verify(hash, pin)
}

// usableDevice is the device of a POS request after its signature: known, a recharge POS,
// enabled.
func usableDevice(tx ReadTx, deviceID string) (Device, error) {
	dev, err := tx.Device(deviceID)
	if err != nil {
		return Device{}, notFound(err, CodeUnknownDevice, "device %s", deviceID)
	}
	if ref := deviceUsable(dev); ref != nil {
		return Device{}, ref
	}
	return dev, nil
}

// openAuthorization is the device's open authorization (rule 1) and the operator it names,
// as the requests of a signed-on POS find them. (Recharge checks the same with the batch
// and authorization code between them, in checkRecharge.)
func openAuthorization(tx ReadTx, dev Device) (Authorization, Operator, error) {
	auth, err := tx.CurrentAuthorization(dev.ID)
	if errors.Is(err, ErrNoRow) {
		return Authorization{}, Operator{}, E(CodeNotAuthorized, "device %s", dev.ID)
	} else if err != nil {
		return Authorization{}, Operator{}, err
	}
	op, err := tx.Operator(auth.OperatorID)
	if err != nil {
		return Authorization{}, Operator{}, err
	}
	return auth, op, nil
}

func deviceUsable(d Device) *Error {
	if d.Model != ModelRechargePOS {
		return E(CodeNotRechargePOS, "device %s model %s", d.ID, d.Model)
	}
	if !d.Enabled {
		return E(CodeDeviceDisabled, "device %s", d.ID)
	}
	return nil
}
