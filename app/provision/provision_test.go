package provision_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cardcenter/app"
	"cardcenter/app/provision"
)

func TestSecretFileIsPrivateReplacedOnRotationAndNeverFollowsASymlink(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "provision")
	one, two := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	path, err := provision.Write(dir, "P001", one)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, dir: 0o700} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
			t.Fatalf("%s: %v %v, want mode %v", p, fi.Mode(), err, want)
		}
	}
	if got, err := provision.Read(path); err != nil || !bytes.Equal(got, one) {
		t.Fatalf("read %x %v", got, err)
	}
	// A symlink planted at the name is replaced by the rotation, its target untouched.
	victim := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(victim, []byte("keep"), 0o600)
	os.Remove(path)
	if err := os.Symlink(victim, path); err != nil {
		t.Fatal(err)
	}
	if _, err := provision.Read(path); !errors.Is(err, app.CodeUnsafeFile) {
		t.Fatalf("read through a symlink: %v", err)
	}
	if _, err := provision.Write(dir, "P001", two); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Fatalf("the symlink's target was written: %q", b)
	}
	if got, err := provision.Read(path); err != nil || !bytes.Equal(got, two) {
		t.Fatalf("after rotation %x %v", got, err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("files left in %s: %v", dir, ents)
	}
}

func TestSecretFileNameStaysInItsDirectory(t *testing.T) {
	dir := t.TempDir()
	for _, id := range []string{"../../etc/passwd", ".hidden", "a/b", "充值机1", ""} {
		p := provision.FileName(dir, id)
		if filepath.Dir(p) != dir || strings.HasPrefix(filepath.Base(p), ".") {
			t.Errorf("device %q writes to %s", id, p)
		}
	}
	if p := provision.FileName(dir, "P-001_a.b"); filepath.Base(p) != "P-001_a.b.secret" {
		t.Errorf("plain id written as %s", p)
	}
}

func TestSecretFileReadableByOthersIsRefused(t *testing.T) {
	path, err := provision.Write(t.TempDir(), "P1", bytes.Repeat([]byte{3}, 32))
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o644)
	if _, err := provision.Read(path); !errors.Is(err, app.CodeUnsafeFile) {
		t.Fatalf("0644 secret file: %v, want UNSAFE_FILE", err)
	}
}
