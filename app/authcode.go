package app

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
)

// An authorization code is the session token a POS carries on every recharge of the
// session. The ledger keeps only its hash, so that reading the file does not give a session
// away. The code is 128 random bits, so a plain SHA-256 is enough: nothing short of 2^128
// guesses finds a code from its hash, no salt is needed (no two codes are alike, and no code
// is chosen by a person), and a slow password hash would cost every recharge milliseconds on
// the single writer for nothing. Codes issued before this (8 hex digits, 32 bits) were
// hashed the same way on upgrade; such a session ends at the device's next authorization.

// authCodeBytes is the entropy of a new code.
const authCodeBytes = 16

// HashAuthCode is the form an authorization code is kept in.
func HashAuthCode(code string) string {
	sum := sha256.Sum256([]byte(code))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// authCodeMatches compares in constant time: the hash of a guess says nothing by its timing.
func authCodeMatches(hash, code string) bool {
	return subtle.ConstantTimeCompare([]byte(hash), []byte(HashAuthCode(code))) == 1
}

func randomCode() (string, error) {
	b := make([]byte, authCodeBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("authorization code: %w", err)
	}
	return hex.EncodeToString(b), nil
}
