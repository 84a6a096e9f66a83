package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"cardcenter/cardio/vcard"
)

// tray lays one of the demo's virtual cards at a time on a vpcd reader, as a person puts a
// card on the desk's reader and takes it away.
type tray struct {
	mu      sync.Mutex
	addr    string
	dir     string
	readers []*vcard.Reader
	current int // index into demoCards, -1 = reader empty
	stop    context.CancelFunc
	done    chan struct{}
	log     *slog.Logger
}

func runDemoTray(ctx context.Context, e *env, args []string) error {
	fs := newFlags("demo tray", e)
	dir := fs.String("dir", "demo", "the demo directory (from demo setup)")
	addr := fs.String("vpcd", vcard.DefaultVPCD, "vpcd address of the desk's reader")
	first := fs.Int("put", 0, "lay this card (1..N) on the reader at start; 0: start empty")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	t := &tray{addr: *addr, dir: *dir, current: -1, log: slog.New(slog.DiscardHandler)}
	for _, c := range demoCards {
		path := demoCardFile(*dir, c.CardNo)
		chip, err := vcard.LoadChip(path)
		if err != nil {
			return fmt.Errorf("demo tray: %w (run: cardcenter demo setup --dir %s)", err, *dir)
		}
		r := vcard.NewReader(chip)
		r.Persist = func(c *vcard.Chip) error { return vcard.SaveChip(path, c) }
		t.readers = append(t.readers, r)
	}
	sock := filepath.Join(*dir, "tray.sock")
	os.Remove(sock)
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return fmt.Errorf("demo tray: control socket: %w", err)
	}
	defer os.Remove(sock)
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	go t.serveControl(ln)
	fmt.Fprintf(e.stdout, "card tray on %s; the desk's F5 (demo mode) swaps cards through %s\n", *addr, sock)
	t.menu(e)
	if *first > 0 {
		fmt.Fprintln(e.stdout, t.command(strconv.Itoa(*first)))
	}
	if fi, _ := os.Stdin.Stat(); fi != nil && fi.Mode()&os.ModeCharDevice != 0 {
		go t.readStdin(ctx, e)
	}
	<-ctx.Done()
	t.put(-1)
	return nil
}

func (t *tray) menu(e *env) {
	for i, c := range demoCards {
		fmt.Fprintf(e.stdout, "  %d  %s %s — %s\n", i+1, c.CardNo, c.Name, c.Story)
	}
	fmt.Fprintln(e.stdout, "  0  take the card away\ntype a number and Enter:")
}

func (t *tray) readStdin(ctx context.Context, e *env) {
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		fmt.Fprintln(e.stdout, t.command(strings.TrimSpace(sc.Text())))
	}
}

// command runs one tray command: a card number 1..N, 0 / take, next, list.
func (t *tray) command(cmd string) string {
	switch cmd {
	case "next":
		t.mu.Lock()
		n := (t.current + 1) % len(t.readers)
		t.mu.Unlock()
		return t.put(n)
	case "take", "0":
		return t.put(-1)
	case "list", "":
		return t.status()
	}
	n, err := strconv.Atoi(cmd)
	if err != nil || n < 0 || n > len(t.readers) {
		return fmt.Sprintf("unknown command %q (1..%d, 0, next, list)", cmd, len(t.readers))
	}
	return t.put(n - 1)
}

func (t *tray) status() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.current < 0 {
		return "reader empty"
	}
	c := demoCards[t.current]
	return fmt.Sprintf("on the reader: %s %s", c.CardNo, c.Name)
}

// put takes the current card away and lays card i (-1: none).
func (t *tray) put(i int) string {
	t.mu.Lock()
	if t.stop != nil {
		t.stop()
		<-t.done
		t.stop = nil
		// A hand takes one card away and lays another; pcscd looks every 400 ms, and a
		// swap faster than that would look like the same card never left.
		time.Sleep(time.Second)
	}
	t.current = i
	if i >= 0 {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		t.stop, t.done = cancel, done
		r := t.readers[i]
		go func() {
			defer close(done)
			if err := (&vcard.Client{Addr: t.addr, Reader: r, Log: t.log}).Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				fmt.Fprintf(os.Stderr, "card tray: %v\n", err)
			}
		}()
	}
	t.mu.Unlock()
	return t.status()
}

func (t *tray) serveControl(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			sc := bufio.NewScanner(conn)
			for sc.Scan() {
				fmt.Fprintln(conn, t.command(strings.TrimSpace(sc.Text())))
			}
		}()
	}
}

// trayControl is the desk's side of the tray's control socket: F5 on the desk asks it to
// lay the next card on the reader (views/common.Tray).
type trayControl string

func (sock trayControl) Next(ctx context.Context) (string, error) {
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	conn, err := d.DialContext(dctx, "unix", string(sock))
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return "", err
	}
	if _, err := fmt.Fprintln(conn, "next"); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(line), nil
}
