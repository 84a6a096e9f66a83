// Package viewtest helps test the desk's screens: a Common on a real ledger (apptest), a
// card source backed by in-process virtual cards, and rendering at a fixed size for golden
// files (go test ./views/... -update rewrites them).
package viewtest

import (
	"cardcenter/views/common"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/deskapi/deskapitest"
	"cardcenter/app/deskio"
	"cardcenter/app/localfile"
	"cardcenter/cardio"
	"cardcenter/cardio/vcard"
)

// Size of every golden screen: the desk's floor.
const Width, Height = 80, 24

// PageHeight is what the root gives a page at 80×24: the tab line and the help bar off.
const PageHeight = Height - 3

// Desk is a Common on an apptest site with fake cards.
type Desk struct {
	Site  *apptest.Site
	C     *common.Common
	Cards *Cards
	Host  *deskapitest.Host // the host the desk calls (NewRemote); nil in process
}

// New builds a desk for actor in lang ("zh" or "en"): the ledger in process, or on a host
// across a loopback socket (NewRemote) when the test runs remote (see Remote).
func New(t testing.TB, actor app.Actor, lang string) *Desk {
	if Remote(t) {
		return NewRemote(t, actor, lang)
	}
	s := apptest.New(t, apptest.Options{Config: longSessions})
	if actor.Role.Valid() {
		s.Staff(actor.User, actor.Role) // the ledger checks every actor against its account
		actor = login(t, s.Svc, actor.User)
	}
	cards := NewCards()
	c := &common.Common{Ctx: context.Background(), Svc: s.Svc, Actor: actor, Lang: lang, Cards: cards, Width: Width, Height: Height,
		ProvisionDir: filepath.Join(t.TempDir(), "provision"), Receipts: folder(t, "receipts"), Exports: folder(t, "reports")}
	return &Desk{Site: s, C: c, Cards: cards}
}

// folder is a desk's folder as the desk makes it (app/localfile), under the test's
// $XDG_DATA_HOME when it set one to look at the files, else in a folder of its own: a
// test never writes into the home directory.
func folder(t testing.TB, name string) localfile.Folder {
	dir, err := localfile.DataDir(name)
	if err != nil || os.Getenv("XDG_DATA_HOME") == "" {
		dir = filepath.Join(t.TempDir(), name)
	}
	return localfile.Folder{Dir: dir, DirPerm: 0o700, FilePerm: 0o600}
}

// longSessions: screen tests move the clock by days, and their desks' sessions must outlive
// that (sessions' ends: app TestSessions_EndWhenTheyShould, app/deskapi TestLoginAndSessions).
func longSessions(c *app.Config) { c.SessionIdle, c.SessionLifetime = 1e6*time.Hour, 1e6*time.Hour }

// login is user logged in to the ledger in process, as the desk's login screen does it: a
// session of its own and its audit entry, as on a host.
func login(t testing.TB, svc *app.Service, user string) app.Actor {
	t.Helper()
	a, err := svc.Login(context.Background(), user, deskapitest.Password(user))
	if err != nil {
		t.Fatalf("login %s: %v", user, err)
	}
	return a
}

// NewRemote is New with the desk on a host: the same apptest site served by the desk API
// (app/deskapi) on a loopback TLS socket, the screens' Desk a deskapi.Client with the host's
// certificate pinned, and actor logged in through it (its Session is the host's token). The
// host's manual clock is the desk's too, so screens show the same times as in process.
func NewRemote(t testing.TB, actor app.Actor, lang string) *Desk {
	s := apptest.New(t, apptest.Options{Config: longSessions})
	host := deskapitest.Start(t, s.Svc)
	client := host.Connect()
	if actor.Role.Valid() {
		s.Staff(actor.User, actor.Role)
		a, err := client.Login(context.Background(), actor.User, deskapitest.Password(actor.User))
		if err != nil {
			t.Fatalf("login %s at the host: %v", actor.User, err)
		}
		actor = a
	}
	cards := NewCards()
	c := &common.Common{Ctx: context.Background(), Svc: client, Actor: actor, Lang: lang, Cards: cards, Width: Width, Height: Height,
		ProvisionDir: filepath.Join(t.TempDir(), "provision"), Receipts: folder(t, "receipts"), Exports: folder(t, "reports")}
	return &Desk{Site: s, C: c, Cards: cards, Host: host}
}

// Actor is user (with role, made if missing) as this desk would have them after a login:
// in process the account's actor, on a host the actor with a session of its own (a host
// acts for nobody else). A test that swaps the desk's actor mid-test takes it from here.
func (d *Desk) Actor(user string, role app.Role) app.Actor {
	if !role.Valid() {
		return app.Actor{User: user, Role: role} // nobody: the login screen's
	}
	d.Site.Staff(user, role)
	if d.Host == nil {
		return login(d.Site.T, d.Site.Svc, user)
	}
	_, la := d.Host.Login(user)
	return la
}

// RemotePrefix: a test whose name starts with it runs its desks remote (New is NewRemote),
// and compares its screens with the in-process test's golden files. RunRemote names them so.
const RemotePrefix = "TestRemoteDesk/"

// RemoteEnv set to "1" runs every desk of every test remote:
// CARDCENTER_VIEWTEST_REMOTE=1 go test ./views/...
const RemoteEnv = "CARDCENTER_VIEWTEST_REMOTE"

// Remote reports whether t's desks are on a host.
func Remote(t testing.TB) bool {
	return strings.HasPrefix(t.Name(), RemotePrefix) || os.Getenv(RemoteEnv) == "1"
}

// RunRemote runs each test as a subtest of t (which must be TestRemoteDesk) with its desks
// on a host: the same screens, keys and golden files as in process.
func RunRemote(t *testing.T, tests ...func(*testing.T)) {
	t.Helper()
	for _, test := range tests {
		name := runtime.FuncForPC(reflect.ValueOf(test).Pointer()).Name()
		name = name[strings.LastIndex(name, ".")+1:]
		t.Run(name, test)
	}
}

// Cards is a CardSource over virtual cards: Put one on the reader, Take it away.
type Cards struct {
	Key     cardio.SiteKey
	mu      sync.Mutex
	on      *vcard.Reader
	state   app.ReaderState
	changed chan struct{}
	name    string
}

// NewCards returns an empty reader with a fresh site key.
func NewCards() *Cards {
	return &Cards{Key: cardio.NewSiteKey(), state: app.ReaderEmpty, changed: make(chan struct{}), name: "Virtual PCD 00 00"}
}

// Issue makes a virtual card with the given UID (4 bytes), number and opening balance.
func (c *Cards) Issue(t testing.TB, uid []byte, cardNo string, balance app.Fen) *vcard.Reader {
	t.Helper()
	chip, err := vcard.NewBlankChip(uid)
	if err != nil {
		t.Fatal(err)
	}
	r := vcard.NewReader(chip)
	if _, err := cardio.Issue(vcard.InProc{R: r}, c.Key, cardio.Personal{CardNo: cardNo, Holder: "H" + cardNo,
		Issued: apptest.Start, Expires: apptest.Start.AddDate(4, 0, 0), Balance: int64(balance)}); err != nil {
		t.Fatal(err)
	}
	return r
}

// Put lays r on the reader; Take removes whatever is there; SetState forces a state
// (no pcscd, no reader).
func (c *Cards) Put(r *vcard.Reader) { c.set(r, app.ReaderCard) }
func (c *Cards) Take()               { c.set(nil, app.ReaderEmpty) }
func (c *Cards) SetState(s app.ReaderState) {
	c.set(nil, s)
}

func (c *Cards) set(r *vcard.Reader, s app.ReaderState) {
	c.mu.Lock()
	c.on, c.state = r, s
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
}

func (c *Cards) Reader() app.DeskReader {
	return &deskio.Reader{Station: cardio.Station{Keys: cardio.LocalKeys{Site: c.Key}, Connect: func(context.Context) (cardio.Transport, func(), error) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.on == nil {
			return nil, nil, cardio.ErrNoCard
		}
		return vcard.InProc{R: c.on}, func() {}, nil
	}}}
}

func (c *Cards) Watch(ctx context.Context, last app.ReaderState) (app.ReaderState, error) {
	for {
		c.mu.Lock()
		s, ch := c.state, c.changed
		c.mu.Unlock()
		if s != last {
			return s, nil
		}
		select {
		case <-ctx.Done():
			return last, ctx.Err()
		case <-ch:
		}
	}
}

func (c *Cards) Readers(context.Context) ([]string, error) { return []string{c.name}, nil }
func (c *Cards) Choose(name string)                        { c.name = name }
func (c *Cards) Name() string                              { return c.name }

// Screen is a model's view without colours, trailing spaces trimmed per line.
func Screen(m tea.Model) string { return plain(m.View().Content) }

// PageScreen is a page's view without colours.
func PageScreen(p common.Page) string { return plain(p.View()) }

// plain is a view without colours, trailing spaces trimmed per line, one line end at the end.
func plain(view string) string {
	lines := strings.Split(ansi.Strip(view), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n") + "\n"
}

// Golden compares got with testdata/<test name>.golden (-update rewrites it). A remote run
// (RunRemote) compares with the in-process test's file: a remote desk shows the same.
func Golden(t testing.TB, got string) {
	t.Helper()
	if name, ok := strings.CutPrefix(t.Name(), RemotePrefix); ok {
		t = named{t, name}
	}
	golden.RequireEqual(t, got)
}

// named is t under another name (golden files are named after the test).
type named struct {
	testing.TB
	name string
}

func (n named) Name() string { return n.name }

// Drive applies msg to m and runs the commands it returns (and theirs), synchronously.
// Screens never block on the reader (the root watches it and sends views.ReaderMsg), so
// page tests drive pages this way and send ReaderMsg themselves; root tests use teatest.
func Drive(m tea.Model, msg tea.Msg) tea.Model {
	m, cmd := m.Update(msg)
	return RunCmd(m, cmd)
}

// maxSteps bounds how many messages one Drive may cause: a command that answers itself
// forever (a timer) would otherwise hang the test.
const maxSteps = 500

var steps int

// RunCmd runs cmd as the program would and feeds back what it produces.
func RunCmd(m tea.Model, cmd tea.Cmd) tea.Model { return runCmd(m, cmd, Drive) }

// runCmd runs cmd and gives its message to m with drive (a batch's commands each in turn).
func runCmd[M any](m M, cmd tea.Cmd, drive func(M, tea.Msg) M) M {
	if cmd == nil {
		return m
	}
	if steps++; steps > maxSteps {
		panic("viewtest: more than 500 messages from one key: a timer that never stops?")
	}
	defer func() { steps-- }()
	switch msg := cmd().(type) {
	case nil:
		return m
	case tea.BatchMsg:
		for _, c := range msg {
			m = runCmd(m, c, drive)
		}
		return m
	default:
		return drive(m, msg)
	}
}

// namedKeys are the key presses Key makes from a name.
var namedKeys = map[string]tea.KeyPressMsg{
	"enter": {Code: tea.KeyEnter}, "esc": {Code: tea.KeyEscape}, "tab": {Code: tea.KeyTab},
	"shift+tab": {Code: tea.KeyTab, Mod: tea.ModShift}, "up": {Code: tea.KeyUp}, "down": {Code: tea.KeyDown},
	"backspace": {Code: tea.KeyBackspace}, "space": {Code: tea.KeySpace, Text: " "},
}

// Key makes a key press from a name ("enter", "esc", "tab", "up", "down") or text.
func Key(k string) tea.KeyPressMsg {
	if m, ok := namedKeys[k]; ok {
		return m
	}
	r := []rune(k)
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

// Type sends each rune of s as a key press.
func Type(m tea.Model, s string) tea.Model {
	for _, r := range s {
		m = Drive(m, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return m
}

// DrivePage is Drive for a single screen.
func DrivePage(p common.Page, msg tea.Msg) common.Page {
	p, cmd := p.Update(msg)
	return RunPageCmd(p, cmd)
}

// RunPageCmd is RunCmd for a single screen.
func RunPageCmd(p common.Page, cmd tea.Cmd) common.Page { return runCmd(p, cmd, DrivePage) }

// TypePage sends each rune of s to a screen.
func TypePage(p common.Page, s string) common.Page {
	for _, r := range s {
		p = DrivePage(p, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return p
}
