package posapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"cardcenter/app"
)

// Client is a recharge POS's connection to the host: it signs every request with the
// device's secret, checks the signature of every answer, and keeps its clock in step with
// the host's from the time each verified answer carries.
//
// A site with several hosts on one database gives the POS their list (Hosts): a message
// that gets no answer from one host is sent, the same bytes, to the next. That is safe
// because every message is idempotent on (device, serial) in the shared ledger: a host
// that booked it and died before answering left the first answer stored, and the next host
// replays it byte for byte.
type Client struct {
	BaseURL  string // e.g. http://127.0.0.1:8620; used when Hosts is empty
	Hosts    []Host // the site's hosts in order of preference; each with its own pin
	DeviceID string
	Secret   []byte
	HTTP     *http.Client // for BaseURL, and for a Host without its own
	Clock    app.Clock    // the POS's own clock; the host's time is Clock + the learned offset

	offset atomic.Int64 // host − local, milliseconds, from the last verified answer
	next   atomic.Int32 // index into Hosts of the host that answered last
}

// Host is one host of the site as a POS reaches it: its base URL and the HTTP client that
// trusts its certificate (sitecert.PinnedClient with its own fingerprint).
type Host struct {
	URL  string
	HTTP *http.Client
}

func (c *Client) hosts() []Host {
	if len(c.Hosts) > 0 {
		return c.Hosts
	}
	return []Host{{URL: c.BaseURL}}
}

// Current is the URL of the host the next message goes to first: the one that answered
// last.
func (c *Client) Current() string {
	hs := c.hosts()
	return hs[int(c.next.Load())%len(hs)].URL
}

// ErrNoAnswer means no answer about the message arrived: nothing came back, or what came
// back is not a verified answer of the host about the message (see NoAnswerError). The POS
// cannot know whether the host acted on it, and sends it again.
var ErrNoAnswer = errors.New("no answer from host")

// NoAnswerError is every "no answer": it wraps ErrNoAnswer and says why, so a POS can show
// what it is waiting for.
type NoAnswerError struct {
	Path   string
	Status int        // the HTTP status of what came back; 0 if nothing did
	Reason *app.Error // the host's refusal as received, or CodeNoAnswer / CodeBadAnswer
	Signed bool       // Reason is a verified answer of the host (its code is not about the message)
	Err    error      // the transport's error, if any
}

func (e *NoAnswerError) Error() string {
	s := fmt.Sprintf("%s: %v: %v", e.Path, ErrNoAnswer, e.Reason)
	if e.Status != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *NoAnswerError) Unwrap() []error {
	out := []error{ErrNoAnswer, e.Reason}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// Reason returns why err is no answer, or nil if err is not one.
func Reason(err error) *app.Error {
	var na *NoAnswerError
	if errors.As(err, &na) {
		return na.Reason
	}
	return nil
}

func (c *Client) local() time.Time {
	if c.Clock != nil {
		return c.Clock.Now()
	}
	return time.Now()
}

// Now is the host's time as this client knows it: the POS clock plus the offset learned
// from the last verified answer.
func (c *Client) Now() time.Time { return c.local().Add(c.Offset()) }

// Offset is host − POS clock, as learned from the last verified answer.
func (c *Client) Offset() time.Duration { return time.Duration(c.offset.Load()) * time.Millisecond }

// Do sends one signed message and decodes its result into out. The host's final answer
// about the message comes back as nil (approved) or *app.Error (refused for its content);
// anything else is a *NoAnswerError, which wraps ErrNoAnswer.
//
// A verified STALE_TIMESTAMP says the POS clock is off: the client learns the host's time
// from it and sends the same bytes once more at once, signed with the corrected time. That
// is safe: the host refused the first before any use case saw it, and the message is
// idempotent on (device, serial) anyway.
func (c *Client) Do(ctx context.Context, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	err = c.send(ctx, path, body, out)
	var na *NoAnswerError
	if errors.As(err, &na) && na.Signed && na.Reason.Code == CodeStaleTimestamp {
		err = c.send(ctx, path, body, out)
	}
	return err
}

// send tries the hosts in turn, from the one that answered last, until one gives an answer
// about the message (approved, or a final refusal). A host that gave no answer is left for
// the next; if none answers, the last host's no-answer is the outcome.
func (c *Client) send(ctx context.Context, path string, body []byte, out any) error {
	hs := c.hosts()
	first := int(c.next.Load())
	var err error
	for i := range hs {
		n := (first + i) % len(hs)
		err = c.sendTo(ctx, hs[n], path, body, out)
		var na *NoAnswerError
		if !errors.As(err, &na) {
			c.next.Store(int32(n))
			return err
		}
		if ctx.Err() != nil {
			return err
		}
		// The next message starts at the next host too: a dead host costs one try, not one
		// per message.
		c.next.Store(int32((n + 1) % len(hs)))
	}
	return err
}

func (c *Client) sendTo(ctx context.Context, h Host, path string, body []byte, out any) error {
	noAnswer := func(status int, reason *app.Error, signed bool, err error) error {
		return &NoAnswerError{Path: path, Status: status, Reason: reason, Signed: signed, Err: err}
	}
	sent := c.local()
	at := sent.Add(c.Offset()).UnixMilli()
	sig := Sign(c.Secret, http.MethodPost, path, c.DeviceID, at, body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderDevice, c.DeviceID)
	req.Header.Set(HeaderTime, strconv.FormatInt(at, 10))
	req.Header.Set(HeaderSignature, sig)
	hc := h.HTTP
	if hc == nil {
		hc = c.HTTP
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		// A typed refusal of the transport (a host whose certificate is not the pinned
		// one: HOST_CERT_MISMATCH, found before anything was sent) is the reason; the
		// outcome is no answer all the same.
		reason := protocolError(CodeNoAnswer, "")
		if ae, ok := app.AsError(err); ok {
			reason = ae
		}
		return noAnswer(0, reason, false, err)
	}
	defer resp.Body.Close()
	blob, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody))
	if err != nil {
		return noAnswer(resp.StatusCode, protocolError(CodeNoAnswer, "answer cut off"), false, err)
	}
	status := resp.StatusCode
	var ans Answer
	decodeErr := json.Unmarshal(blob, &ans)
	refusal := &app.Error{Code: ans.Code, ZH: ans.ZH, EN: ans.EN, Detail: ans.Detail}
	signed := resp.Header.Get(HeaderSignature)
	if signed == "" {
		// Only refusals before authentication are unsigned, and anyone on the path could
		// forge one: the outcome stays unknown, with the reason as received.
		if decodeErr != nil || ans.OK || ans.Code == "" {
			return noAnswer(status, protocolError(CodeBadAnswer, "unsigned answer"), false, nil)
		}
		return noAnswer(status, refusal, false, nil)
	}
	hostTime, err := strconv.ParseInt(resp.Header.Get(HeaderHostTime), 10, 64)
	if err != nil || !verify(signed, SignResponse(c.Secret, sig, hostTime, blob)) {
		return noAnswer(status, protocolError(CodeBadAnswer, "answer signature does not verify"), false, nil)
	}
	// A verified answer: the host's clock as it wrote it, against the middle of the round
	// trip on ours.
	mid := sent.Add(c.local().Sub(sent) / 2)
	c.offset.Store(time.UnixMilli(hostTime).Sub(mid).Milliseconds())
	if decodeErr != nil {
		return noAnswer(status, protocolError(CodeBadAnswer, "undecodable answer"), true, nil)
	}
	switch {
	case status >= 500:
		if ans.OK || ans.Code == "" {
			refusal = protocolError(CodeHostUnavailable, "")
		}
		return noAnswer(status, refusal, true, nil)
	case ans.OK && status == http.StatusOK:
		if out != nil {
			if err := json.Unmarshal(ans.Result, out); err != nil {
				return noAnswer(status, protocolError(CodeBadAnswer, "undecodable result"), true, nil)
			}
		}
		return nil
	case ans.OK:
		return noAnswer(status, protocolError(CodeBadAnswer, "approval with an error status"), true, nil)
	case ans.Code == "":
		return noAnswer(status, protocolError(CodeBadAnswer, "refusal without a code"), true, nil)
	case IsFinalRefusal(ans.Code) && (status == http.StatusOK || status == http.StatusBadRequest):
		return refusal
	}
	return noAnswer(status, refusal, true, nil)
}

func (c *Client) Authorize(ctx context.Context, r app.AuthorizeRequest) (out app.AuthorizeResult, err error) {
	return out, c.Do(ctx, PathAuthorize, r, &out)
}

func (c *Client) Recharge(ctx context.Context, r app.RechargeRequest) (out app.RechargeResult, err error) {
	return out, c.Do(ctx, PathRecharge, r, &out)
}

func (c *Client) Confirm(ctx context.Context, r app.ConfirmRequest) (out app.ConfirmResult, err error) {
	return out, c.Do(ctx, PathConfirm, r, &out)
}

func (c *Client) Cancel(ctx context.Context, r app.CancelRequest) (out app.CancelResult, err error) {
	return out, c.Do(ctx, PathCancel, r, &out)
}

func (c *Client) Reverse(ctx context.Context, r app.ReverseRequest) (out app.ReverseResult, err error) {
	return out, c.Do(ctx, PathReverse, r, &out)
}

// Batch uploads offline records. Every item comes back with its Outcome, also from a host
// older than the field (see ItemOutcome).
func (c *Client) Batch(ctx context.Context, records []app.OfflineRecord) (out BatchResult, err error) {
	err = c.Do(ctx, PathBatch, BatchRequest{DeviceID: c.DeviceID, Records: records}, &out)
	for i := range out.Items {
		out.Items[i].Outcome = ItemOutcome(out.Items[i])
	}
	return out, err
}

// ItemOutcome is a batch item's outcome. A host older than the outcome field said it with
// accepted and code: accepted with no code was recorded, accepted with a code refused, and
// anything not accepted not taken.
func ItemOutcome(it app.BatchItem) app.BatchOutcome {
	switch {
	case it.Outcome != "":
		return it.Outcome
	case it.Accepted && it.Code == "":
		return app.BatchRecorded
	case it.Accepted:
		return app.BatchRefused
	}
	return app.BatchNotTaken
}

func (c *Client) Summary(ctx context.Context) (out app.SummaryResult, err error) {
	return out, c.Do(ctx, PathSummary, app.SummaryRequest{DeviceID: c.DeviceID}, &out)
}

// CardKeys asks the host for the keys of the card on this POS's reader: key A with the UID
// alone (cardNo ""), both keys with the card number read from the card, under an open
// authorization. The caller holds them in memory for that card only.
func (c *Client) CardKeys(ctx context.Context, uidHex, cardNo string) (out app.CardSectorKeys, err error) {
	return out, c.Do(ctx, PathCardKeys, app.DeviceCardKeyRequest{DeviceID: c.DeviceID, UID: uidHex, CardNo: cardNo}, &out)
}

// LastSerial asks the highest serial the host has kept for this device.
func (c *Client) LastSerial(ctx context.Context) (int64, error) {
	var out SerialResult
	err := c.Do(ctx, PathSerial, SerialRequest{DeviceID: c.DeviceID}, &out)
	return out.LastSerial, err
}

// ReversalOutcomes asks what became of this device's acknowledged reversals (at most
// app.MaxOutcomeSerials at a time).
func (c *Client) ReversalOutcomes(ctx context.Context, serials []int64) (out app.ReversalOutcomesResult, err error) {
	return out, c.Do(ctx, PathOutcomes, app.ReversalOutcomesRequest{DeviceID: c.DeviceID, Serials: serials}, &out)
}
