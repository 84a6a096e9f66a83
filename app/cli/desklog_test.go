package cli

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"cardcenter/app"
)

func TestDeskLogDefaultsToThePrivateXDGStateDir(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	p, err := defaultDeskLog()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(state, "cardcenter", "desk.log"); p != want {
		t.Fatalf("default log %s, want %s", p, want)
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, v := range []string{"", "relative/dir"} { // unset, or relative: ignored as the spec says
		t.Setenv("XDG_STATE_HOME", v)
		if p, _ := defaultDeskLog(); p != filepath.Join(home, ".local", "state", "cardcenter", "desk.log") {
			t.Fatalf("XDG_STATE_HOME=%q: default log %s", v, p)
		}
	}
	f, err := openPrivateLog(p)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	for path, want := range map[string]os.FileMode{p: 0o600, filepath.Dir(p): 0o700} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", path, fi.Mode().Perm(), want)
		}
	}
}

func TestDeskLogNeverFollowsASymlinkOrAHardLink(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("keep\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "desk.log")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	if _, err := openPrivateLog(link); !errors.Is(err, app.CodeUnsafeFile) {
		t.Fatalf("a symlinked log: %v, want UNSAFE_FILE", err)
	}
	hard := filepath.Join(dir, "hard.log")
	if err := os.Link(victim, hard); err != nil {
		t.Fatal(err)
	}
	if _, err := openPrivateLog(hard); !errors.Is(err, app.CodeUnsafeFile) {
		t.Fatalf("a hard-linked log: %v, want UNSAFE_FILE", err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep\n" {
		t.Fatalf("the link's target was written: %q", b)
	}
}

func TestDeskLogLeftReadableByAnEarlierVersionIsMadePrivate(t *testing.T) {
	p := filepath.Join(t.TempDir(), "desk.log")
	if err := os.WriteFile(p, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := openPrivateLog(p)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
}
