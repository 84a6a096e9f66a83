// Package provision writes and reads the file that carries a recharge POS's secret from the
// host to the terminal. The ledger keeps each device's secret sealed, so the one moment the
// secret exists in the clear outside the host is when a device is registered or its secret
// rotated: it is then written once to <dir>/<device>.secret (mode 0600, a new directory 0700), as
// 64 hex digits and a newline, and the POS is started with --secret-file on that file.
package provision

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"cardcenter/app"
	"cardcenter/app/localfile"
)

// SecretLen is the length of a device secret.
const SecretLen = 32

// DefaultDir is $XDG_DATA_HOME/cardcenter/provision (~/.local/share/cardcenter/provision).
func DefaultDir() (string, error) {
	dir, err := localfile.DataDir("provision")
	if err != nil {
		return "", fmt.Errorf("provisioning directory: %w", err)
	}
	return dir, nil
}

// FileName is the file of a device in dir. A device id is free text; anything but
// letters, digits, '-', '_' and '.' (and a leading '.') is written as hex, so that an id
// can never name a file outside dir.
func FileName(dir, deviceID string) string {
	name := deviceID
	safe := name != "" && !strings.HasPrefix(name, ".")
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			safe = false
			break
		}
	}
	if !safe {
		name = "x" + hex.EncodeToString([]byte(deviceID))
	}
	return filepath.Join(dir, name+".secret")
}

// Write writes a device's secret to its file in dir, replacing an earlier one (a
// rotation) atomically: the new file is made beside it with O_EXCL and renamed over it,
// so a symlink planted at the name is replaced, never followed. It returns the path.
func Write(dir, deviceID string, secret []byte) (string, error) {
	if len(secret) != SecretLen {
		return "", app.E(app.CodeBadInput, "device secret of %d bytes", len(secret))
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("provisioning directory: %w", err)
	}
	if fi, err := os.Lstat(dir); err != nil || !fi.IsDir() || fi.Mode().Perm()&0o022 != 0 {
		return "", app.E(app.CodeUnsafeFile, "%s must be a directory (not a symlink) that only its owner can write to", dir)
	}
	path := FileName(dir, deviceID)
	body := []byte(hex.EncodeToString(secret) + "\n")
	err := localfile.WriteAtomic(path, body, 0o600)
	clear(body)
	if err != nil {
		return "", fmt.Errorf("provisioning file: %w", err)
	}
	return path, nil
}

// Read reads a secret file. A file that group or others can read, or a symlink, is
// refused: whoever reads it can sign as the device.
func Read(path string) ([]byte, error) {
	b, err := localfile.ReadPrivate(path, 4*SecretLen)
	if err != nil {
		return nil, fmt.Errorf("device secret: %w", err)
	}
	n := len(b)
	s, err := hex.DecodeString(strings.TrimSpace(string(b[:n])))
	clear(b)
	if err != nil || len(s) != SecretLen {
		return nil, app.E(app.CodeBadInput, "secret file %s: want %d hex digits", path, 2*SecretLen)
	}
	return s, nil
}
