package cardio

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// SiteKey is the site master key from which every card's sector keys are derived. It never
// lives in the database, and its String / LogValue are redacted so that a stray log line or
// %v cannot leak it.
type SiteKey struct{ k []byte }

// SiteKeyEnv names the environment variable that may hold the site key (hex, 32 bytes).
const SiteKeyEnv = "CARDCENTER_SITE_KEY"

const siteKeyLen = 32

func (SiteKey) String() string         { return "SiteKey(redacted)" }
func (SiteKey) GoString() string       { return "SiteKey(redacted)" }
func (SiteKey) LogValue() slog.Value   { return slog.StringValue("redacted") }
func (k SiteKey) Valid() bool          { return len(k.k) == siteKeyLen }
func (k SiteKey) Equal(o SiteKey) bool { return hmac.Equal(k.k, o.k) }

// ParseSiteKey reads a key written as 64 hex digits (spaces and newlines ignored).
func ParseSiteKey(s string) (SiteKey, error) {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil || len(b) != siteKeyLen {
		return SiteKey{}, ErrSiteKey.Withf("need %d hex digits", 2*siteKeyLen)
	}
	return SiteKey{k: b}, nil
}

// NewSiteKey makes a random key (for a new site, or a test).
func NewSiteKey() SiteKey {
	b := make([]byte, siteKeyLen)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux (it panics internally if it must)
	return SiteKey{k: b}
}

// Hex returns the key as hex, for writing it to a key file. Handle with care.
func (k SiteKey) Hex() string { return hex.EncodeToString(k.k) }

// DefaultSiteKeyPath is <user config dir>/cardcenter/site.key (XDG on Linux).
func DefaultSiteKeyPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", ErrSiteKey.With(err)
	}
	return filepath.Join(dir, "cardcenter", "site.key"), nil
}

// LoadSiteKey gives the site key the program should use: $CARDCENTER_SITE_KEY if set, else
// the key file at path ("" = DefaultSiteKeyPath), created with a random key on first use.
// source says where it came from (for a log line; the key itself is never logged).
func LoadSiteKey(path string) (key SiteKey, source string, err error) {
	if v, ok := os.LookupEnv(SiteKeyEnv); ok {
		key, err = ParseSiteKey(v)
		if err != nil {
			return SiteKey{}, "", fmt.Errorf("$%s: %w", SiteKeyEnv, err)
		}
		return key, "$" + SiteKeyEnv, nil
	}
	if path == "" {
		if path, err = DefaultSiteKeyPath(); err != nil {
			return SiteKey{}, "", err
		}
	}
	key, err = LoadOrCreateKeyFile(path)
	return key, path, err
}

// LoadOrCreateKeyFile reads the key file, or creates it (mode 0600, directory 0700) with a
// random key if it does not exist. A key file that group or others can read is refused:
// whoever reads it can write money onto every card of the site.
func LoadOrCreateKeyFile(path string) (SiteKey, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createKeyFile(path)
	}
	if err != nil {
		return SiteKey{}, ErrSiteKey.With(err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return SiteKey{}, ErrSiteKey.Withf("%s has mode %v; it must be readable by its owner only (chmod 600)", path, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return SiteKey{}, ErrSiteKey.With(err)
	}
	k, err := ParseSiteKey(string(b))
	if err != nil {
		return SiteKey{}, fmt.Errorf("key file %s: %w", path, err)
	}
	return k, nil
}

func createKeyFile(path string) (SiteKey, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return SiteKey{}, ErrSiteKey.With(err)
	}
	k := NewSiteKey()
	// O_EXCL: if two programs start at once, one creates and the other reads.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return LoadOrCreateKeyFile(path)
	}
	if err != nil {
		return SiteKey{}, ErrSiteKey.With(err)
	}
	_, werr := f.WriteString(k.Hex() + "\n")
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return SiteKey{}, ErrSiteKey.With(err)
	}
	return k, nil
}

// CardKeys are one card's MIFARE sector keys: A reads, B reads and writes (CampusAccess).
type CardKeys struct{ A, B [6]byte }

// CardKeys derives the card's keys: HMAC-SHA256(site key, label || UID) truncated to the
// 6 bytes a MIFARE key has. One pair per card (not per sector): the reader has two key
// slots, and a load per sector would cost APDUs a full read cannot afford.
func (k SiteKey) CardKeys(uid []byte) CardKeys {
	var ck CardKeys
	copy(ck.A[:], k.derive("cardcenter/mifare/v1/key-a", uid))
	copy(ck.B[:], k.derive("cardcenter/mifare/v1/key-b", uid))
	return ck
}

func (k SiteKey) derive(label string, uid []byte) []byte {
	m := hmac.New(sha256.New, k.k)
	m.Write([]byte(label))
	m.Write([]byte{0})
	m.Write(uid)
	return m.Sum(nil)[:6]
}

// LedgerSealKey is the key that seals device secrets at rest in the ledger (store
// Options.SealKey): HKDF-SHA256 of the site key with its own label, so that it is neither a
// card key nor usable to derive one. Whoever holds the site key can already write money
// onto any card, so keeping the ledger's secrets under it adds no one who can read them.
func (k SiteKey) LedgerSealKey() []byte {
	key, err := hkdf.Key(sha256.New, k.k, nil, "cardcenter/ledger/seal/v1", 32)
	if err != nil { // only for a length HKDF-SHA256 cannot give; 32 it always can
		panic(err)
	}
	return key
}

// SectorKeys is CardKeys as the host's use cases take it (app.CardKeyDeriver): the site key
// stays in cardio, the ledger's rules decide who gets a card's keys.
func (k SiteKey) SectorKeys(uid []byte) (a, b [6]byte) {
	ck := k.CardKeys(uid)
	return ck.A, ck.B
}
