package localfile_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cardcenter/app"
	"cardcenter/app/localfile"
)

func TestDirsFollowXDGAndIgnoreARelativeValue(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_DATA_HOME", "/srv/data")
	t.Setenv("XDG_STATE_HOME", "relative/state")
	if d, err := localfile.DataDir("receipts"); err != nil || d != "/srv/data/cardcenter/receipts" {
		t.Fatalf("DataDir = %q, %v", d, err)
	}
	if d, err := localfile.StateDir(); err != nil || d != filepath.Join(home, ".local", "state", "cardcenter") {
		t.Fatalf("StateDir with a relative $XDG_STATE_HOME = %q, %v", d, err)
	}
	t.Setenv("XDG_DATA_HOME", "")
	if d, err := localfile.DataDir("ledger.db"); err != nil || d != filepath.Join(home, ".local", "share", "cardcenter", "ledger.db") {
		t.Fatalf("DataDir without $XDG_DATA_HOME = %q, %v", d, err)
	}
}

func TestWriteAtomicReplacesASymlinkAndLeavesNoTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere")
	if err := os.WriteFile(target, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "receipt.txt")
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	if err := localfile.WriteAtomic(path, []byte("new"), 0o640); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Fatalf("the symlink was followed: its target now holds %q", b)
	}
	fi, err := os.Lstat(path)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o640 {
		t.Fatalf("path is %v (%v), want a regular file of mode 0640", fi.Mode(), err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Fatalf("the folder holds %d entries, want the file and the target: %v", len(entries), entries)
	}
	if err := localfile.WriteAtomic(filepath.Join(dir, "missing", "x"), []byte("x"), 0o600); err == nil {
		t.Fatal("a write into a folder that does not exist succeeded")
	}
}

func TestFolderSavesOnlyPlainNames(t *testing.T) {
	f := localfile.Folder{Dir: filepath.Join(t.TempDir(), "receipts"), DirPerm: 0o700, FilePerm: 0o600}
	path, err := f.Save("R1.txt", []byte("收据"))
	if err != nil || path != filepath.Join(f.Dir, "R1.txt") {
		t.Fatalf("Save = %q, %v", path, err)
	}
	if b, _ := os.ReadFile(path); string(b) != "收据" {
		t.Fatalf("the file holds %q", b)
	}
	if fi, _ := os.Stat(f.Dir); fi.Mode().Perm() != 0o700 {
		t.Fatalf("the folder was made with mode %v", fi.Mode().Perm())
	}
	for _, bad := range []string{"", "../R1.txt", "a/b.txt", ".hidden", ".."} {
		if _, err := f.Save(bad, []byte("x")); !errors.Is(err, app.E(app.CodeBadInput, "")) || !strings.Contains(err.Error(), "plain file name") {
			t.Errorf("Save(%q) = %v, want a refusal", bad, err)
		}
	}
}

func TestReadPrivateRefusesWhatOthersCouldRead(t *testing.T) {
	dir := t.TempDir()
	own := filepath.Join(dir, "key")
	if err := os.WriteFile(own, []byte("0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := localfile.ReadPrivate(own, 4); err != nil || string(b) != "0123" {
		t.Fatalf("ReadPrivate(owner only, 4) = %q, %v", b, err)
	}
	open := filepath.Join(dir, "open")
	if err := os.WriteFile(open, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(own, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{open, link, dir} {
		if _, err := localfile.ReadPrivate(p, 16); !errors.Is(err, app.CodeUnsafeFile) {
			t.Errorf("ReadPrivate(%s) = %v, want UNSAFE_FILE", filepath.Base(p), err)
		}
	}
	if _, err := localfile.ReadPrivate(filepath.Join(dir, "missing"), 16); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
}

// A desk without a home directory has folders with no place: saving says so.
func TestFolderWithoutAPlaceRefusesToSave(t *testing.T) {
	if _, err := (localfile.Folder{}).Save("R1.txt", []byte("x")); err == nil || !strings.Contains(err.Error(), "no folder") {
		t.Fatalf("Save into a folder with no place = %v", err)
	}
}
