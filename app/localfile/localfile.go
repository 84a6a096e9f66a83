// Package localfile is where cardcenter keeps its files on this machine and how it writes
// one. The places follow the XDG base directories (a relative value is ignored, as the
// specification says); a file is written beside its name and renamed over it, so that it
// appears whole or not at all, survives a power cut (file and folder synced), and a
// symlink planted at the name is replaced, never followed.
package localfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"cardcenter/app"
)

// DataDir is $XDG_DATA_HOME/cardcenter/<parts> (~/.local/share/cardcenter/<parts>): the
// ledger of a desk on its own, receipts, exported reports, provisioning files.
func DataDir(parts ...string) (string, error) {
	return baseDir("XDG_DATA_HOME", filepath.Join(".local", "share"), parts)
}

// StateDir is $XDG_STATE_HOME/cardcenter/<parts> (~/.local/state/cardcenter/<parts>): logs.
func StateDir(parts ...string) (string, error) {
	return baseDir("XDG_STATE_HOME", filepath.Join(".local", "state"), parts)
}

func baseDir(env, fallback string, parts []string) (string, error) {
	dir := os.Getenv(env)
	if dir == "" || !filepath.IsAbs(dir) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no home directory for $%s: %w", env, err)
		}
		dir = filepath.Join(home, fallback)
	}
	return filepath.Join(append([]string{dir, "cardcenter"}, parts...)...), nil
}

// WriteAtomic makes data the content of path with mode perm, whole or not at all.
func WriteAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // gone after the rename; cleans up after a failure
	_, werr := tmp.Write(data)
	if err := errors.Join(werr, tmp.Chmod(perm), tmp.Sync(), tmp.Close()); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("write %s: sync %s: %w", path, dir, err)
	}
	return nil
}

// ReadPrivate reads at most limit bytes of the secret at path (a key, a password, a device
// secret), refusing (UNSAFE_FILE) a symlink, anything but a regular file, and a file that
// group or others may read: whoever reads such a file holds what it guards. The caller
// clears the bytes when done.
func ReadPrivate(path string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, app.E(app.CodeUnsafeFile, "%s is a symbolic link", path)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o077 != 0 {
		return nil, app.E(app.CodeUnsafeFile, "%s has mode %v; it must be readable by its owner only (chmod 600)", path, fi.Mode())
	}
	b, err := io.ReadAll(io.LimitReader(f, limit))
	if err != nil {
		clear(b)
		return nil, err
	}
	return b, nil
}

// Folder is a folder of files the desk hands out (receipts, exported reports): Save puts
// one there under a name of its own.
type Folder struct {
	Dir      string
	DirPerm  os.FileMode // the folder's mode when Save makes it
	FilePerm os.FileMode
}

// Save writes data as the file name in the folder (made if missing) and says where.
func (f Folder) Save(name string, data []byte) (string, error) {
	if f.Dir == "" {
		return "", fmt.Errorf("save %s: no folder to save it in (no home directory, and no absolute $XDG_DATA_HOME)", name)
	}
	if name == "" || name != filepath.Base(name) || strings.HasPrefix(name, ".") {
		return "", app.E(app.CodeBadInput, "save %q: not a plain file name", name)
	}
	if err := os.MkdirAll(f.Dir, f.DirPerm); err != nil {
		return "", fmt.Errorf("save %s: %w", name, err)
	}
	path := filepath.Join(f.Dir, name)
	return path, WriteAtomic(path, data, f.FilePerm)
}
