package store

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"

	"cardcenter/app"
	"cardcenter/store/sqlite"
)

// Secrets at rest. Whoever can read the ledger file must not be able to sign a POS
// message: a device's HMAC secret, and the answer of an authorization (it carries the
// session's auth code, replayed byte for byte), are sealed with AES-256-GCM under a key
// the program is given at open (Options.SealKey, derived from the site key) and that
// never lives in the database. Authorization codes themselves are kept only as hashes
// (app.HashAuthCode).
//
// A sealed value is sealMagic, a 12-byte random nonce, then the ciphertext and its tag.
// The additional data binds it to its row, so a sealed secret copied onto another
// device's row, or an answer onto another key, does not open.

// sealMagic starts every sealed value ("ccs1": cardcenter sealed, version 1). The schema's
// triggers refuse a device secret that does not start with it.
var sealMagic = []byte("ccs1")

// SealKeyLen is the length of Options.SealKey.
const SealKeyLen = 32

type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	if key == nil {
		return nil, nil
	}
	if len(key) != SealKeyLen {
		return nil, app.E(app.CodeBadInput, "seal key of %d bytes, want %d", len(key), SealKeyLen)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	return &sealer{aead: aead}, nil
}

func isSealed(b []byte) bool { return bytes.HasPrefix(b, sealMagic) }

func deviceAD(id string) []byte { return []byte("device-secret\x00" + id) }

func answerAD(device string, serial int64) []byte {
	return fmt.Appendf(nil, "terminal-answer\x00%s\x00%d", device, serial)
}

// seal encrypts plain for the row named by ad. Without a key nothing can be sealed, and
// nothing is ever stored in the clear instead.
func (s *sealer) seal(plain, ad []byte) ([]byte, error) {
	if s == nil {
		return nil, app.E(app.CodeSiteKeyNeeded, "sealing a secret")
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("seal nonce: %w", err)
	}
	out := append(append([]byte{}, sealMagic...), nonce...)
	return s.aead.Seal(out, nonce, plain, ad), nil
}

// open decrypts a sealed value of the row named by ad.
func (s *sealer) open(sealed, ad []byte) ([]byte, error) {
	if s == nil {
		return nil, app.E(app.CodeSiteKeyNeeded, "unsealing a secret")
	}
	n := len(sealMagic) + s.aead.NonceSize()
	if !isSealed(sealed) || len(sealed) < n+s.aead.Overhead() {
		return nil, app.E(app.CodeDatabaseCorrupt, "a sealed secret is malformed")
	}
	plain, err := s.aead.Open(nil, sealed[len(sealMagic):n], sealed[n:], ad)
	if err != nil {
		return nil, app.E(app.CodeSiteKeyMismatch, "a sealed secret does not open with this key")
	}
	return plain, nil
}

// sealAnswer seals the kept answers that carry a secret: an authorization's answer holds
// the session's auth code. Other answers stay readable (they are the ledger's own record).
func (s *sealer) sealAnswer(a app.StoredAnswer) ([]byte, error) {
	if a.Kind != app.KindAuthorize {
		return a.Answer, nil
	}
	return s.seal(a.Answer, answerAD(a.DeviceID, a.Serial))
}

func (s *sealer) openAnswer(a app.StoredAnswer) ([]byte, error) {
	if !isSealed(a.Answer) {
		return a.Answer, nil
	}
	return s.open(a.Answer, answerAD(a.DeviceID, a.Serial))
}

// checkSealKey makes a wrong key fail at open, not at the first POS message: the first
// sealed device secret must open with it.
func checkSealKey(db *sql.DB, s *sealer) error {
	if s == nil {
		return nil
	}
	var id string
	var secret []byte
	err := db.QueryRow(`SELECT id, secret FROM devices ORDER BY id LIMIT 1`).Scan(&id, &secret)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := s.open(secret, deviceAD(id)); err != nil {
		return fmt.Errorf("device %s: %w", id, err)
	}
	return nil
}

// liteSealer is the sealer as the SQLite engine's conversions ask for it; nil without a key.
func liteSealer(s *sealer) sqlite.Sealer {
	if s == nil {
		return nil
	}
	return liteSeal{s}
}

type liteSeal struct{ s *sealer }

func (l liteSeal) SealDeviceSecret(id string, secret []byte) ([]byte, error) {
	return l.s.seal(secret, deviceAD(id))
}

func (l liteSeal) SealAuthorizeAnswer(device string, serial int64, answer []byte) ([]byte, error) {
	return l.s.seal(answer, answerAD(device, serial))
}
