package app

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Per-card keys come from the host (issue 11.4): only the host holds the site key, and a
// desk in a clerk's session or a POS of the site asks it for the keys of the one card on its
// reader. Key A only reads a card (every sector's access bits let key B alone write), so it
// is given for the UID the reader saw; key B moves money, so it is given only with the card
// number read from the card, when the ledger's record of that card has that very UID and the
// card may be written by the one asking. Every request, given or refused, is audited.

// CodeKeysRefused: the host gives no keys for this card to this desk or POS (the detail
// says why: a disabled terminal, an ended session, no open authorization, an unknown card,
// a UID that is not the card's, a status in which the card may not be written).
const CodeKeysRefused Code = "KEYS_REFUSED"

func init() {
	catalogue[CodeKeysRefused] = [2]string{"主机拒绝提供该卡密钥", "the host refuses this card's keys"}
}

// CardKeyDeriver derives a card's sector keys from its UID: the site key, on the host
// (cardio.SiteKey). The ledger never holds it; the host program hands it to the Service.
type CardKeyDeriver interface {
	SectorKeys(uid []byte) (a, b [6]byte)
}

// ServeCardKeys lets the service answer key requests, deriving with d. A service without
// one (a desk's own, a tool's) refuses every key request.
func (s *Service) ServeCardKeys(d CardKeyDeriver) { s.keys = d }

// CardKeyRequest asks for the keys of the card on a desk's reader.
type CardKeyRequest struct {
	// UID is the card's UID as the reader returned it, in hex.
	UID string `json:"uid" limit:"20"`
	// CardNo is the card number read from the card; "" asks for key A only (to read the
	// card, whose number is behind key A).
	CardNo string `json:"card_no,omitempty" limit:"64"`
}

// DeviceCardKeyRequest is a POS's request for the keys of the card on its reader.
type DeviceCardKeyRequest struct {
	DeviceID string `json:"device_id" limit:"64"`
	UID      string `json:"uid" limit:"20"`
	CardNo   string `json:"card_no,omitempty" limit:"64"`
}

// CardSectorKeys are the keys the host gives for one card, in hex: A always, B only when
// the request named the card number (a write).
type CardSectorKeys struct {
	UID string `json:"uid"`
	A   string `json:"a"`
	B   string `json:"b,omitempty"`
}

// For checks that the host's answer is about the card with this UID and holds the keys
// asked for (key B for a write), and decodes them (b is zero for a read).
func (k CardSectorKeys) For(uidHex string, write bool) (a, b [6]byte, err error) {
	if !SameUID(k.UID, uidHex) {
		return a, b, fmt.Errorf("card keys: the host answered for UID %s, asked %s", k.UID, uidHex)
	}
	if err = decodeKey(k.A, &a); err != nil {
		return a, b, fmt.Errorf("card keys: key A: %w", err)
	}
	if !write {
		return a, b, nil
	}
	if k.B == "" {
		return a, b, fmt.Errorf("card keys: the host gave no key B for a write")
	}
	if err = decodeKey(k.B, &b); err != nil {
		return a, b, fmt.Errorf("card keys: key B: %w", err)
	}
	return a, b, nil
}

func decodeKey(h string, dst *[6]byte) error {
	raw, err := hex.DecodeString(h)
	if err != nil || len(raw) != len(dst) {
		return fmt.Errorf("%d characters, want %d hex digits", len(h), 2*len(dst))
	}
	copy(dst[:], raw)
	return nil
}

func refuseKeys(f string, a ...any) *Error { return E(CodeKeysRefused, f, a...) }

// refuseKeysFor is KEYS_REFUSED because of why (an ended session, a disabled terminal).
func refuseKeysFor(why error) error { return Because(refuseKeys("%v", why), why) }

// CardKeys gives a desk the keys of the card on its reader: key A for the UID, both keys
// with the card number, for a card the desk may repair (rule 10: MayRepair). A host serving
// desks passes the request of a session it no longer knows as an actor with the token alone
// (deskapi): it is refused here, and audited under the session's account.
func (s *Service) CardKeys(ctx context.Context, actor Actor, req CardKeyRequest) (CardSectorKeys, error) {
	requester := "staff:" + s.sessionUser(ctx, actor)
	if err := s.allow(ctx, actor, cardKeyRoles...); err != nil {
		return CardSectorKeys{}, s.auditKeysRefused(ctx, requester, req.UID, req.CardNo, refuseKeysFor(err))
	}
	return s.serveKeys(ctx, requester, req.UID, req.CardNo, nil, CardStatusRule.repairs)
}

// sessionUser names the actor for the audit: its user, or the account whose session token it
// carries (a session the ledger has ended).
func (s *Service) sessionUser(ctx context.Context, actor Actor) string {
	if actor.User != "" || actor.Session == "" {
		return actor.User
	}
	var ss StaffSession
	if err := s.store.View(ctx, func(tx ReadTx) (err error) {
		ss, err = tx.StaffSession(SessionTokenHash(actor.Session))
		return err
	}); err != nil {
		return "(no session)"
	}
	return ss.Username
}

// DeviceCardKeys gives a POS (authenticated by its signature, posapi) the keys of the card
// on its reader: key A to an enabled recharge POS (it reads the authorization card before
// it is authorised), both keys only under an open authorization (rule 1), for a card that
// may be recharged (rule 10: MayRecharge).
func (s *Service) DeviceCardKeys(ctx context.Context, req DeviceCardKeyRequest) (CardSectorKeys, error) {
	requester := "terminal:" + req.DeviceID
	terminal := func(tx Tx) error {
		dev, err := usableDevice(tx, req.DeviceID)
		if err != nil || req.CardNo == "" {
			return err
		}
		auth, op, err := openAuthorization(tx, dev)
		if err != nil {
			return err
		}
		if !op.Enabled {
			return E(CodeOperatorDisabled, "operator %s", op.OpNo)
		}
		authCard, err := tx.Card(auth.CardNo)
		if err != nil {
			return fmt.Errorf("authorization card %s: %w", auth.CardNo, err)
		}
		if ref := cardRefusal(authCard, CardStatusRule.authorizes); ref != nil {
			ref.Detail = "authorization " + ref.Detail
			return ref
		}
		return nil
	}
	return s.serveKeys(ctx, requester, req.UID, req.CardNo, terminal, CardStatusRule.recharges)
}

// serveKeys is the one rule of both requests: the requester passes (who), the UID is one a
// card can have, and for key B the ledger's card of that number has that UID and may be
// written (may). The answer and the audit row are one transaction.
func (s *Service) serveKeys(ctx context.Context, requester, uidHex, cardNo string, who func(Tx) error,
	may func(CardStatusRule) bool) (CardSectorKeys, error) {
	var out CardSectorKeys
	var refusal error
	err := s.store.Update(ctx, func(tx Tx) error {
		refusal = nil
		why, err := s.keysRefusal(tx, uidHex, cardNo, who, may)
		if err != nil {
			return err
		}
		if why != nil {
			refusal = why
		} else {
			uid, _ := hex.DecodeString(uidHex) // checked in keysRefusal
			a, b := s.keys.SectorKeys(uid)
			out = CardSectorKeys{UID: uidHex, A: hex.EncodeToString(a[:])}
			if cardNo != "" {
				out.B = hex.EncodeToString(b[:])
			}
		}
		return tx.AppendAudit(keysAudit(s.clock.Now(), requester, uidHex, cardNo, refusal))
	})
	if err != nil {
		return CardSectorKeys{}, fmt.Errorf("card keys for %s: %w", requester, err)
	}
	if refusal != nil {
		return CardSectorKeys{}, refusal
	}
	return out, nil
}

// keysRefusal says why the keys are not given (nil: they are); err is a failure of the store.
func (s *Service) keysRefusal(tx Tx, uidHex, cardNo string, who func(Tx) error, may func(CardStatusRule) bool) (error, error) {
	if s.keys == nil {
		return refuseKeys("this program holds no site key"), nil
	}
	if who != nil {
		if err := who(tx); err != nil {
			if _, ok := AsError(err); !ok {
				return nil, err
			}
			return refuseKeysFor(err), nil
		}
	}
	uid, err := hex.DecodeString(uidHex)
	if err != nil || (len(uid) != 4 && len(uid) != 7 && len(uid) != 10) {
		return refuseKeys("UID %q is not 4, 7 or 10 bytes in hex", uidHex), nil
	}
	if cardNo == "" {
		return nil, nil
	}
	card, err := tx.Card(cardNo)
	if errors.Is(err, ErrNoRow) {
		return refuseKeys("unknown card %s", cardNo), nil
	} else if err != nil {
		return nil, err
	}
	if card.UID == "" || !SameUID(card.UID, uidHex) {
		return refuseKeys("card %s: UID %s is not the card's on record (%q)", cardNo, uidHex, card.UID), nil
	}
	if ref := cardRefusal(card, may); ref != nil {
		return refuseKeysFor(ref), nil
	}
	return nil, nil
}

// auditKeysRefused records a request refused before it reached the ledger's rule (the
// requester's own check) and returns the refusal.
func (s *Service) auditKeysRefused(ctx context.Context, requester, uidHex, cardNo string, refusal error) error {
	if err := s.store.Update(ctx, func(tx Tx) error {
		return tx.AppendAudit(keysAudit(s.clock.Now(), requester, uidHex, cardNo, refusal))
	}); err != nil {
		return fmt.Errorf("card keys for %s: %w", requester, err)
	}
	return refusal
}

func keysAudit(now time.Time, requester, uidHex, cardNo string, refusal error) AuditEntry {
	e := AuditEntry{At: now, Actor: requester, Action: "card_keys", Subject: "uid:" + uidHex, Detail: "read (key A)"}
	if cardNo != "" {
		e.Subject, e.Detail = "card:"+cardNo+" uid:"+uidHex, "write (keys A and B)"
	}
	if refusal != nil {
		e.Action = "card_keys_refused"
		e.Detail += ": " + refusal.Error()
	}
	return e
}
