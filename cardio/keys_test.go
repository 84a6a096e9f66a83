package cardio

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeyFileCreatedOwnerOnlyAndReused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cfg", "cardcenter", "site.key")
	k1, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v %v", st.Mode(), err)
	}
	k2, err := LoadOrCreateKeyFile(path)
	if err != nil || !k1.Equal(k2) {
		t.Fatalf("second load: %v", err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKeyFile(path); !errors.Is(err, ErrSiteKey) {
		t.Fatalf("world-readable key file accepted: %v", err)
	}
}

func TestSiteKeyFromEnvAndNeverPrinted(t *testing.T) {
	k := NewSiteKey()
	t.Setenv(SiteKeyEnv, k.Hex())
	got, source, err := LoadSiteKey(filepath.Join(t.TempDir(), "unused"))
	if err != nil || !got.Equal(k) || source != "$"+SiteKeyEnv {
		t.Fatalf("%v %s", err, source)
	}
	var sb strings.Builder
	slog.New(slog.NewTextHandler(&sb, nil)).Info("x", "key", got)
	printed := fmt.Sprintf("%v %+v %#v %s", got, got, got, got) + sb.String()
	if strings.Contains(printed, k.Hex()) || strings.Contains(printed, fmt.Sprintf("%x", k.k[:4])) {
		t.Fatalf("key leaked: %s", printed)
	}
	t.Setenv(SiteKeyEnv, "abc")
	if _, _, err := LoadSiteKey(""); !errors.Is(err, ErrSiteKey) {
		t.Fatalf("bad env key: %v", err)
	}
}

func TestCardKeysDiversified(t *testing.T) {
	k := NewSiteKey()
	a, b := k.CardKeys([]byte{1, 2, 3, 4}), k.CardKeys([]byte{1, 2, 3, 5})
	if a.A == b.A || a.B == b.B || a.A == a.B || a.A == FactoryKey {
		t.Fatalf("keys not diversified: %x %x", a, b)
	}
	if k.CardKeys([]byte{1, 2, 3, 4}) != a {
		t.Fatal("derivation not deterministic")
	}
	if NewSiteKey().CardKeys([]byte{1, 2, 3, 4}) == a {
		t.Fatal("site key not used")
	}
}
