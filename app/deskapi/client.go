package deskapi

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"cardcenter/app"
	"cardcenter/app/posapi"
	"cardcenter/app/sitecert"
)

// Client is a desk's ledger on a host: every app.Desk method is a call of the desk API.
// The actor's Session is the bearer token of each call; the host builds the actor from it,
// so a Client cannot act as anyone but the session's staff member whatever Actor it is
// handed. A refusal comes back as the *app.Error the ledger gave (errors.Is(err,
// app.CodeX) works as in process); a call whose answer never arrived is NO_ANSWER, and
// nothing is retried here: a repair's intent or completion that may have been recorded is
// settled by the next read of the card, as after a crash. Safe for concurrent use.
//
// A site with several hosts on one database gives the desk their list (ConnectHosts). A
// call that provably never reached a host (the connection was refused, or the host's
// certificate is not its pin: nothing was written) goes to the next host at once; a call
// whose answer was lost on the way is NO_ANSWER as above, never sent twice (unless it only
// reads, see readOnly), and the next call goes to the next host. Sessions live in the ledger, so any host serves the session.
type Client struct {
	hosts    []dialedHost
	next     atomic.Int32 // index into hosts of the host to call first
	settings app.Settings
	clock    app.Clock
	today    func(time.Time) string
}

var _ app.Desk = (*Client)(nil)

// Options shape a Client.
type Options struct {
	// HTTP is the client to call with; default sitecert.PinnedClient(Pin, Timeout).
	HTTP *http.Client
	// Pin is the host's certificate fingerprint (https); nil trusts the system's roots.
	Pin *sitecert.Fingerprint
	// Timeout bounds each call (default 15 s: a report over months is the slowest).
	Timeout time.Duration
	// Clock is the desk's clock. Default: this machine's clock corrected by the offset to
	// the host's, measured at Connect; the settlement day (Today) follows it. Tests that run
	// host and desk in one process hand the host's manual clock.
	Clock app.Clock
}

// Host is one host of the site as a desk reaches it: its base URL (https://HOST:PORT) and
// the fingerprint of its certificate, or the site CA that signed it (neither: the
// system's roots, or Options.Pin).
type Host struct {
	URL string
	Pin *sitecert.Fingerprint
	CA  *x509.CertPool
}

type dialedHost struct {
	base string
	http *http.Client
}

// DefaultTimeout bounds a call when Options.Timeout is zero.
const DefaultTimeout = 15 * time.Second

// Connect reaches the host at baseURL (https://HOST:PORT), reads its settings and its clock,
// and returns the desk's ledger there. Nobody is logged in yet: Login returns the actor
// whose Session the other calls carry.
func Connect(ctx context.Context, baseURL string, opts Options) (*Client, error) {
	return ConnectHosts(ctx, []Host{{URL: baseURL}}, opts)
}

// ConnectHosts is Connect to a site with several hosts, in order of preference, each with
// its own pin (a Host without one takes Options.Pin). The first host that answers is the
// one the calls go to until it gives no answer.
func ConnectHosts(ctx context.Context, hosts []Host, opts Options) (*Client, error) {
	if len(hosts) == 0 {
		return nil, app.E(app.CodeBadInput, "no host to connect to")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	c := &Client{}
	for _, h := range hosts {
		hc := opts.HTTP
		if hc == nil {
			pin := h.Pin
			if pin == nil {
				pin = opts.Pin
			}
			hc = sitecert.PinnedClient(pin, opts.Timeout)
			if pin == nil && h.CA != nil {
				hc = sitecert.CAClient(h.CA, opts.Timeout)
			}
		}
		c.hosts = append(c.hosts, dialedHost{base: strings.TrimRight(h.URL, "/"), http: hc})
	}
	sent := time.Now()
	raw, err := c.do(ctx, http.MethodGet, PathSettings, "", nil)
	if err != nil {
		return nil, err
	}
	got := time.Now()
	var sr SettingsResult
	if err := json.Unmarshal(raw, &sr); err != nil || sr.Settings.Location == "" {
		return nil, badAnswer(PathSettings, "settings: %v", err)
	}
	// The host read its clock about halfway through the round trip.
	hostNow := time.UnixMilli(sr.HostTime)
	offset := hostNow.Sub(sent.Add(got.Sub(sent) / 2))
	c.settings = appSettings(sr.Settings, hostNow)
	c.clock = opts.Clock
	if c.clock == nil {
		c.clock = offsetClock{offset}
	}
	cfg := app.Config{Location: c.settings.Location, Cutoff: c.settings.Cutoff}
	c.today = cfg.SettleDay
	return c, nil
}

// offsetClock is this machine's clock moved by the host's offset.
type offsetClock struct{ offset time.Duration }

func (o offsetClock) Now() time.Time { return time.Now().Add(o.offset) }

// Settings are the host's, as read at Connect.
func (c *Client) Settings() app.Settings { return c.settings }

// Today is the settlement day now, by the host's rules and the desk's (corrected) clock.
func (c *Client) Today() string { return c.today(c.clock.Now()) }

// Clock is the desk's clock (see Options.Clock).
func (c *Client) Clock() app.Clock { return c.clock }

// Current is the URL of the host the next call goes to first.
func (c *Client) Current() string {
	return c.hosts[int(c.next.Load())%len(c.hosts)].base
}

// do sends one request and returns the answer's result, or its refusal as *app.Error. It
// moves on to the next host only when the request provably reached no host (see Client).
func (c *Client) do(ctx context.Context, verb, path, token string, body []byte) (json.RawMessage, error) {
	first := int(c.next.Load())
	var err error
	for i := range c.hosts {
		n := (first + i) % len(c.hosts)
		var raw json.RawMessage
		var sent bool
		raw, sent, err = c.doOn(ctx, c.hosts[n], verb, path, token, body)
		if err == nil || !errors.Is(err, posapi.CodeNoAnswer) && !errors.Is(err, app.CodeHostCertMismatch) {
			c.next.Store(int32(n))
			return raw, err
		}
		c.next.Store(int32((n + 1) % len(c.hosts)))
		// A read may be repeated anywhere; anything else that may have reached a host is
		// not sent again.
		if sent && !repeatable(verb, path) || ctx.Err() != nil {
			return nil, err
		}
	}
	return nil, err
}

// readOnly are the Desk methods that only read the ledger: sent twice, to two hosts, they
// change nothing, so one whose answer was lost is asked of the next host at once. ReadCard
// is not one: it may resolve a repair's open intent.
var readOnly = map[string]bool{
	"NeedsFirstAdmin": true, "CardQuestions": true, "AwaitingDesk": true, "RepairOf": true, "ReceiptOf": true,
	"Report": true, "IsSettled": true, "Exceptions": true, "Operators": true, "Devices": true, "Device": true,
	"DeviceJournalEnds": true, "DeviceLastSerial": true, "Bindings": true, "CardByNo": true, "CardDetail": true,
	"StaffList": true, "Audit": true, "AuditFiltered": true,
}

func repeatable(verb, path string) bool {
	name, ok := strings.CutPrefix(path, PathPrefix)
	return verb == http.MethodGet || ok && readOnly[name]
}

// nothingSent reports whether a transport error proves the request never left: the
// connection was never made, or the handshake refused the host's certificate.
func nothingSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var mm *sitecert.MismatchError
	return errors.As(err, &mm)
}

// doOn is one request to one host; sent says whether it may have reached the host.
func (c *Client) doOn(ctx context.Context, h dialedHost, verb, path, token string, body []byte) (_ json.RawMessage, sent bool, _ error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, verb, h.base+path, rd)
	if err != nil {
		return nil, false, fmt.Errorf("desk api %s: %w", path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := h.http.Do(req)
	if err != nil {
		sent := !nothingSent(err)
		if cerr := ctx.Err(); cerr != nil {
			return nil, sent, cerr
		}
		// A certificate other than the pinned one says so (HOST_CERT_MISMATCH).
		if ae, ok := app.AsError(err); ok {
			return nil, sent, fmt.Errorf("%w: %w", ae, err)
		}
		return nil, sent, fmt.Errorf("%w: %w", refusal(posapi.CodeNoAnswer, h.base+path), err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer+1))
	if err != nil {
		return nil, true, fmt.Errorf("%w: %w", refusal(posapi.CodeNoAnswer, path+": answer cut off"), err)
	}
	if len(b) > MaxAnswer {
		return nil, true, badAnswer(path, "over %d bytes", MaxAnswer)
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, true, badAnswer(path, "HTTP %d, not a desk answer", resp.StatusCode)
	}
	if raw, ok := env["error"]; ok {
		var we WireError
		if err := json.Unmarshal(raw, &we); err != nil || we.Code == "" {
			return nil, true, badAnswer(path, "HTTP %d, an unreadable refusal", resp.StatusCode)
		}
		refused := &app.Error{Code: we.Code, ZH: we.ZH, EN: we.EN, Detail: we.Detail}
		if we.Cause != "" {
			return nil, true, app.Because(refused, app.E(we.Cause, "%s", we.Detail))
		}
		return nil, true, refused
	}
	raw, ok := env["result"]
	if !ok || resp.StatusCode != http.StatusOK {
		return nil, true, badAnswer(path, "HTTP %d without a result", resp.StatusCode)
	}
	return raw, true, nil
}

func badAnswer(path, f string, args ...any) *app.Error {
	return refusal(posapi.CodeBadAnswer, path+": "+fmt.Sprintf(f, args...))
}

// invoke calls Desk method name with args (after ctx and actor) and decodes its result
// into out (nil: none).
func (c *Client) invoke(ctx context.Context, actor app.Actor, name string, out any, args ...any) error {
	if args == nil {
		args = []any{}
	}
	body, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("desk api %s: %w", name, err)
	}
	raw, err := c.do(ctx, http.MethodPost, PathPrefix+name, actor.Session, body)
	if err != nil {
		return err
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return badAnswer(PathPrefix+name, "result: %v", err)
		}
	}
	return nil
}

func call[T any](c *Client, ctx context.Context, actor app.Actor, name string, args ...any) (T, error) {
	var v T
	err := c.invoke(ctx, actor, name, &v, args...)
	return v, err
}

// Login opens a session on the host; the actor's Session is its bearer token.
func (c *Client) Login(ctx context.Context, username, password string) (app.Actor, error) {
	body, err := json.Marshal(LoginRequest{User: username, Password: password})
	if err != nil {
		return app.Actor{}, err
	}
	raw, err := c.do(ctx, http.MethodPost, PathLogin, "", body)
	if err != nil {
		return app.Actor{}, err
	}
	var lr LoginResult
	if err := json.Unmarshal(raw, &lr); err != nil || lr.Token == "" {
		return app.Actor{}, badAnswer(PathLogin, "login result: %v", err)
	}
	return app.Actor{User: lr.Actor.User, Role: lr.Actor.Role, Session: lr.Token}, nil
}

// Logout ends the actor's session on the host (an ended one is not an error).
func (c *Client) Logout(ctx context.Context, actor app.Actor) error {
	if actor.Session == "" {
		return nil
	}
	_, err := c.do(ctx, http.MethodPost, PathLogout, actor.Session, []byte("[]"))
	return err
}

func (c *Client) NeedsFirstAdmin(ctx context.Context) (bool, error) {
	return call[bool](c, ctx, app.Actor{}, "NeedsFirstAdmin")
}

// CreateFirstAdmin is refused by the host (PERMISSION_DENIED): the first admin of a site is
// created at the host, not across the network.
func (c *Client) CreateFirstAdmin(ctx context.Context, username, display, password string) (app.Actor, error) {
	err := c.invoke(ctx, app.Actor{}, "CreateFirstAdmin", nil, username, display, password)
	if err == nil {
		err = badAnswer(PathPrefix+"CreateFirstAdmin", "the host created an admin without a session")
	}
	return app.Actor{}, err
}

func (c *Client) CardQuestions(ctx context.Context, actor app.Actor, cardNo string) ([]app.CardQuestion, error) {
	return call[[]app.CardQuestion](c, ctx, actor, "CardQuestions", cardNo)
}

// deskCardWire reads a DeskCard: the card on the desk crosses the wire as the CardFacts
// the desk sent (the shallower Card field takes the JSON key).
type deskCardWire struct {
	app.DeskCard
	Card *app.CardFacts
}

func (c *Client) ReadCard(ctx context.Context, actor app.Actor, f app.CardFacts) (app.DeskCard, error) {
	w, err := call[deskCardWire](c, ctx, actor, "ReadCard", f)
	if err != nil {
		return app.DeskCard{}, err
	}
	dc := w.DeskCard
	if w.Card != nil {
		dc.Card = *w.Card
	}
	return dc, nil
}

func (c *Client) StartRepair(ctx context.Context, actor app.Actor, rechargeID int64, f app.CardFacts) (app.RepairStart, error) {
	return call[app.RepairStart](c, ctx, actor, "StartRepair", rechargeID, f)
}

func (c *Client) CompleteRepair(ctx context.Context, actor app.Actor, repairID int64, outcome app.RepairState, after app.CardSnapshot) (app.Repair, error) {
	return call[app.Repair](c, ctx, actor, "CompleteRepair", repairID, outcome, after)
}

func (c *Client) AwaitingDesk(ctx context.Context, actor app.Actor, cardNo string) ([]app.DeskItem, error) {
	return call[[]app.DeskItem](c, ctx, actor, "AwaitingDesk", cardNo)
}

func (c *Client) RepairOf(ctx context.Context, actor app.Actor, rechargeID int64) (app.Repair, error) {
	return call[app.Repair](c, ctx, actor, "RepairOf", rechargeID)
}

func (c *Client) ReceiptOf(ctx context.Context, actor app.Actor, rechargeID int64) (app.Receipt, error) {
	return call[app.Receipt](c, ctx, actor, "ReceiptOf", rechargeID)
}

func (c *Client) Report(ctx context.Context, actor app.Actor, from, to string) (app.Report, error) {
	return call[app.Report](c, ctx, actor, "Report", from, to)
}

func (c *Client) IsSettled(ctx context.Context, actor app.Actor, day string) (bool, error) {
	return call[bool](c, ctx, actor, "IsSettled", day)
}

func (c *Client) Settle(ctx context.Context, actor app.Actor) (app.SettleResult, error) {
	return call[app.SettleResult](c, ctx, actor, "Settle")
}

func (c *Client) Exceptions(ctx context.Context, actor app.Actor) ([]app.CaseView, error) {
	return call[[]app.CaseView](c, ctx, actor, "Exceptions")
}

func (c *Client) Decide(ctx context.Context, actor app.Actor, in app.DecisionInput) (app.Decision, error) {
	return call[app.Decision](c, ctx, actor, "Decide", in)
}

func (c *Client) Operators(ctx context.Context, actor app.Actor) ([]app.OperatorInfo, error) {
	return call[[]app.OperatorInfo](c, ctx, actor, "Operators")
}

func (c *Client) Devices(ctx context.Context, actor app.Actor) ([]app.DeviceInfo, error) {
	return call[[]app.DeviceInfo](c, ctx, actor, "Devices")
}

func (c *Client) Device(ctx context.Context, actor app.Actor, id string) (app.DeviceInfo, error) {
	return call[app.DeviceInfo](c, ctx, actor, "Device", id)
}

// RegisterDevice's two results come as a two-element array: the device, its secret
// (base64, as encoding/json writes bytes).
func (c *Client) RegisterDevice(ctx context.Context, actor app.Actor, in app.DeviceInput) (app.DeviceInfo, []byte, error) {
	pair, err := call[[]json.RawMessage](c, ctx, actor, "RegisterDevice", in)
	if err != nil {
		return app.DeviceInfo{}, nil, err
	}
	var d app.DeviceInfo
	var secret []byte
	if len(pair) != 2 || json.Unmarshal(pair[0], &d) != nil || json.Unmarshal(pair[1], &secret) != nil {
		return app.DeviceInfo{}, nil, badAnswer(PathPrefix+"RegisterDevice", "want [device, secret]")
	}
	return d, secret, nil
}

func (c *Client) UpdateDevice(ctx context.Context, actor app.Actor, in app.DeviceInput) error {
	return c.invoke(ctx, actor, "UpdateDevice", nil, in)
}

func (c *Client) SetDeviceEnabled(ctx context.Context, actor app.Actor, id string, enabled bool) error {
	return c.invoke(ctx, actor, "SetDeviceEnabled", nil, id, enabled)
}

func (c *Client) RotateDeviceSecret(ctx context.Context, actor app.Actor, id string) ([]byte, error) {
	return call[[]byte](c, ctx, actor, "RotateDeviceSecret", id)
}

func (c *Client) DeviceJournalEnds(ctx context.Context, actor app.Actor, deviceID string) ([]app.JournalEnd, error) {
	return call[[]app.JournalEnd](c, ctx, actor, "DeviceJournalEnds", deviceID)
}

func (c *Client) DeviceLastSerial(ctx context.Context, actor app.Actor, deviceID string) (int64, error) {
	return call[int64](c, ctx, actor, "DeviceLastSerial", deviceID)
}

func (c *Client) EndDeviceJournal(ctx context.Context, actor app.Actor, deviceID string, kind app.JournalEndKind, note string) (app.JournalEnd, error) {
	return call[app.JournalEnd](c, ctx, actor, "EndDeviceJournal", deviceID, kind, note)
}

func (c *Client) CreateOperator(ctx context.Context, actor app.Actor, in app.OperatorInput) (app.OperatorInfo, error) {
	return call[app.OperatorInfo](c, ctx, actor, "CreateOperator", in)
}

func (c *Client) UpdateOperator(ctx context.Context, actor app.Actor, in app.OperatorInput) error {
	return c.invoke(ctx, actor, "UpdateOperator", nil, in)
}

func (c *Client) ResetPIN(ctx context.Context, actor app.Actor, operatorID int64, pin string) error {
	return c.invoke(ctx, actor, "ResetPIN", nil, operatorID, pin)
}

func (c *Client) Bindings(ctx context.Context, actor app.Actor) ([]app.OperatorCard, error) {
	return call[[]app.OperatorCard](c, ctx, actor, "Bindings")
}

func (c *Client) BindCard(ctx context.Context, actor app.Actor, operatorID int64, cardNo string) error {
	return c.invoke(ctx, actor, "BindCard", nil, operatorID, cardNo)
}

func (c *Client) UnbindCard(ctx context.Context, actor app.Actor, operatorID int64) error {
	return c.invoke(ctx, actor, "UnbindCard", nil, operatorID)
}

// CardKeys asks the host for the keys of the card on this desk's reader; the caller holds
// them in memory for that card only (cardio.OneCard).
func (c *Client) CardKeys(ctx context.Context, actor app.Actor, req app.CardKeyRequest) (app.CardSectorKeys, error) {
	return call[app.CardSectorKeys](c, ctx, actor, "CardKeys", req)
}

func (c *Client) CardByNo(ctx context.Context, actor app.Actor, cardNo string) (app.Card, error) {
	return call[app.Card](c, ctx, actor, "CardByNo", cardNo)
}

func (c *Client) CardDetail(ctx context.Context, actor app.Actor, cardNo string) (app.CardDetail, error) {
	return call[app.CardDetail](c, ctx, actor, "CardDetail", cardNo)
}

func (c *Client) SetCardStatus(ctx context.Context, actor app.Actor, cardNo string, st app.CardStatus) error {
	return c.invoke(ctx, actor, "SetCardStatus", nil, cardNo, st)
}

func (c *Client) CreateStaff(ctx context.Context, actor app.Actor, username, display string, role app.Role, password string) error {
	return c.invoke(ctx, actor, "CreateStaff", nil, username, display, role, password)
}

func (c *Client) Audit(ctx context.Context, actor app.Actor, limit int) ([]app.AuditEntry, error) {
	return call[[]app.AuditEntry](c, ctx, actor, "Audit", limit)
}

func (c *Client) AuditFiltered(ctx context.Context, actor app.Actor, user, action string, limit int) ([]app.AuditEntry, error) {
	return call[[]app.AuditEntry](c, ctx, actor, "AuditFiltered", user, action, limit)
}

func (c *Client) ChangeOwnPassword(ctx context.Context, actor app.Actor, oldPassword, newPassword string) error {
	return c.invoke(ctx, actor, "ChangeOwnPassword", nil, oldPassword, newPassword)
}

func (c *Client) StaffList(ctx context.Context, actor app.Actor) ([]app.StaffInfo, error) {
	return call[[]app.StaffInfo](c, ctx, actor, "StaffList")
}

func (c *Client) SetStaffEnabled(ctx context.Context, actor app.Actor, username string, enabled bool) error {
	return c.invoke(ctx, actor, "SetStaffEnabled", nil, username, enabled)
}

func (c *Client) SetStaffRole(ctx context.Context, actor app.Actor, username string, role app.Role) error {
	return c.invoke(ctx, actor, "SetStaffRole", nil, username, role)
}

func (c *Client) ResetStaffPassword(ctx context.Context, actor app.Actor, username, newPassword string) error {
	return c.invoke(ctx, actor, "ResetStaffPassword", nil, username, newPassword)
}

func (c *Client) UnlockStaff(ctx context.Context, actor app.Actor, username string) error {
	return c.invoke(ctx, actor, "UnlockStaff", nil, username)
}

// ReadOnlyMethods lists the Desk methods a desk asks again of the next host when an answer
// was lost (see readOnly).
func ReadOnlyMethods() []string {
	out := make([]string, 0, len(readOnly))
	for name := range readOnly {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}
