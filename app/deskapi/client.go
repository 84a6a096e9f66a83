package deskapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
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
type Client struct {
	base     string
	http     *http.Client
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

// DefaultTimeout bounds a call when Options.Timeout is zero.
const DefaultTimeout = 15 * time.Second

// Connect reaches the host at baseURL (https://HOST:PORT), reads its settings and its clock,
// and returns the desk's ledger there. Nobody is logged in yet: Login returns the actor
// whose Session the other calls carry.
func Connect(ctx context.Context, baseURL string, opts Options) (*Client, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.HTTP == nil {
		opts.HTTP = sitecert.PinnedClient(opts.Pin, opts.Timeout)
	}
	c := &Client{base: strings.TrimRight(baseURL, "/"), http: opts.HTTP}
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

// do sends one request and returns the answer's result, or its refusal as *app.Error.
func (c *Client) do(ctx context.Context, verb, path, token string, body []byte) (json.RawMessage, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, verb, c.base+path, rd)
	if err != nil {
		return nil, fmt.Errorf("desk api %s: %w", path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
		// A certificate other than the pinned one says so (HOST_CERT_MISMATCH).
		if ae, ok := app.AsError(err); ok {
			return nil, fmt.Errorf("%w: %w", ae, err)
		}
		return nil, fmt.Errorf("%w: %w", refusal(posapi.CodeNoAnswer, path), err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", refusal(posapi.CodeNoAnswer, path+": answer cut off"), err)
	}
	if len(b) > MaxAnswer {
		return nil, badAnswer(path, "over %d bytes", MaxAnswer)
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, badAnswer(path, "HTTP %d, not a desk answer", resp.StatusCode)
	}
	if raw, ok := env["error"]; ok {
		var we WireError
		if err := json.Unmarshal(raw, &we); err != nil || we.Code == "" {
			return nil, badAnswer(path, "HTTP %d, an unreadable refusal", resp.StatusCode)
		}
		refused := &app.Error{Code: we.Code, ZH: we.ZH, EN: we.EN, Detail: we.Detail}
		if we.Cause != "" {
			return nil, app.Because(refused, app.E(we.Cause, "%s", we.Detail))
		}
		return nil, refused
	}
	raw, ok := env["result"]
	if !ok || resp.StatusCode != http.StatusOK {
		return nil, badAnswer(path, "HTTP %d without a result", resp.StatusCode)
	}
	return raw, nil
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
