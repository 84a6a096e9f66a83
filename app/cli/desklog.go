package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"cardcenter/app"
	"cardcenter/app/localfile"
)

// defaultDeskLog is the desk's log under the XDG state directory: a log is state, not data
// or config, and each user's own. It used to sit in the shared /tmp, where another user
// could create it first (or as a symlink) and read or redirect every line.
func defaultDeskLog() (string, error) {
	path, err := localfile.StateDir("desk.log")
	if err != nil {
		return "", fmt.Errorf("desk log: %w", err)
	}
	return path, nil
}

// openPrivateLog opens path for appending, creating it (and its directory, 0700) with mode
// 0600. It never follows a symlink at path, and refuses anything but a regular file of this
// user with one link: a hard link planted there would let another file be written to. A log
// left group- or world-readable by an earlier version is made private.
func openPrivateLog(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("log directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o600)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) { // what O_NOFOLLOW gives for a symlink
			return nil, app.E(app.CodeUnsafeFile, "%s is a symbolic link", path)
		}
		return nil, fmt.Errorf("open log: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open log: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.Mode().IsRegular() || !ok || int(st.Uid) != os.Geteuid() || st.Nlink != 1 {
		f.Close()
		return nil, app.E(app.CodeUnsafeFile, "%s is not a regular file of this user with a single link", path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := f.Chmod(0o600); err != nil {
			f.Close()
			return nil, fmt.Errorf("make log private: %w", err)
		}
	}
	return f, nil
}
