package app

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Hasher hashes PINs and passwords with argon2id. The parameters are stored in each hash
// (PHC string format), so raising them later leaves old hashes verifiable.
type Hasher struct {
	Time    uint32
	Memory  uint32 // KiB
	Threads uint8
}

// DefaultHasher follows OWASP's argon2id minimum (19 MiB, t=2, p=1).
func DefaultHasher() Hasher { return Hasher{Time: 2, Memory: 19 * 1024, Threads: 1} }

// TestHasher is cheap, for tests that authorize thousands of times.
func TestHasher() Hasher { return Hasher{Time: 1, Memory: 64, Threads: 1} }

// Hash returns the PHC string of secret.
func (h Hasher) Hash(secret string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash: salt: %w", err)
	}
	key := argon2.IDKey([]byte(secret), salt, h.Time, h.Memory, h.Threads, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, h.Memory, h.Time, h.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether secret matches the PHC string encoded.
func (Hasher) Verify(encoded, secret string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || t == 0 || p == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(secret), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
