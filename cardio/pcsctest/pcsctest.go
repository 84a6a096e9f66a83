// Package pcsctest gives tests the real PC/SC stack: pcscd (started if it is not running),
// the vsmartcard vpcd readers, and virtual cards served on vpcd's ports. Tests in several
// packages use it, and `go test ./...` runs packages in parallel, while vpcd serves one card
// per port: so the first use in a test process takes an exclusive lock that every other
// process using the stack waits for, and holds it until the process exits.
package pcsctest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"cardcenter/cardio/pcsc"
	"cardcenter/cardio/vcard"
)

// The two readers of the vpcd driver and the ports their cards connect to.
const (
	Reader0 = "Virtual PCD 00 00"
	Reader1 = "Virtual PCD 00 01"
	Port0   = "127.0.0.1:35963"
	Port1   = "127.0.0.1:35964"
)

var (
	lockOnce sync.Once
	lockErr  error
)

// lock takes the machine-wide vpcd lock for the rest of this process.
func lock() error {
	lockOnce.Do(func() {
		f, err := os.OpenFile(filepath.Join(os.TempDir(), "cardcenter-vpcd.lock"), os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			lockErr = err
			return
		}
		// Never closed: the lock lives as long as the process.
		lockErr = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
	})
	return lockErr
}

// Stack returns a pcscd context with both vpcd readers present. In CI (CI=true) a missing
// stack fails the test; elsewhere the test is skipped with what to install.
func Stack(t testing.TB) *pcsc.Context {
	t.Helper()
	if err := lock(); err != nil {
		t.Fatalf("vpcd lock: %v", err)
	}
	c, err := openWithReaders()
	if err != nil {
		if out, uerr := exec.Command(scriptPath("pcscd-up.sh")).CombinedOutput(); uerr != nil {
			t.Logf("scripts/pcscd-up.sh: %v: %s", uerr, out)
		}
		c, err = openWithReaders()
	}
	if err != nil {
		msg := fmt.Sprintf("PC/SC stack not available (%v): install pcscd libpcsclite-dev vsmartcard-vpcd (scripts/deps.sh) and start pcscd (scripts/pcscd-up.sh)", err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// scriptPath finds scripts/NAME from this source file, wherever the test runs.
func scriptPath(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "scripts", name)
}

func openWithReaders() (*pcsc.Context, error) {
	c, err := pcsc.Open()
	if err != nil {
		return nil, err
	}
	for _, name := range []string{Reader0, Reader1} {
		if _, err := c.Reader(name); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// Insert serves r over vpcd at addr until the test ends and waits until pcscd sees it. At
// the end it takes the card out and waits until the reader is empty, so the next test
// starts from an empty reader.
func Insert(t testing.TB, c *pcsc.Context, r *vcard.Reader, addr, reader string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = (&vcard.Client{Addr: addr, Reader: r, Log: slog.New(slog.DiscardHandler)}).Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer wcancel()
		if err := c.WaitRemoved(wctx, reader); err != nil {
			t.Errorf("reader %s did not empty: %v", reader, err)
		}
	})
	wctx, wcancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer wcancel()
	if err := c.WaitCard(wctx, reader); err != nil {
		t.Fatalf("card did not appear in %s: %v", reader, err)
	}
}

// Tray is a vpcd reader whose card a test can swap, as a person puts one card on the reader
// and then another.
type Tray struct {
	t      testing.TB
	c      *pcsc.Context
	addr   string
	reader string
	cancel context.CancelFunc
	done   chan struct{}
}

// NewTray returns an empty tray on reader (served at addr); it is emptied when the test ends.
func NewTray(t testing.TB, c *pcsc.Context, addr, reader string) *Tray {
	tr := &Tray{t: t, c: c, addr: addr, reader: reader}
	t.Cleanup(tr.Empty)
	return tr
}

// Put takes the card on the reader away (if any) and puts r there, waiting until pcscd
// sees each change.
func (tr *Tray) Put(r *vcard.Reader) {
	tr.t.Helper()
	tr.Empty()
	ctx, cancel := context.WithCancel(context.Background())
	tr.cancel, tr.done = cancel, make(chan struct{})
	go func(done chan struct{}) {
		defer close(done)
		_ = (&vcard.Client{Addr: tr.addr, Reader: r, Log: slog.New(slog.DiscardHandler)}).Run(ctx)
	}(tr.done)
	wctx, wcancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer wcancel()
	if err := tr.c.WaitCard(wctx, tr.reader); err != nil {
		tr.t.Fatalf("card did not appear in %s: %v", tr.reader, err)
	}
}

// Empty takes the card away and waits until the reader is empty.
func (tr *Tray) Empty() {
	if tr.cancel == nil {
		return
	}
	tr.cancel()
	<-tr.done
	tr.cancel = nil
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := tr.c.WaitRemoved(wctx, tr.reader); err != nil {
		tr.t.Errorf("reader %s did not empty: %v", tr.reader, err)
	}
}
