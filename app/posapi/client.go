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
	"time"

	"cardcenter/app"
)

// Client is a recharge POS's connection to the host: it signs every request with the
// device's secret and checks the signature of every answer.
type Client struct {
	BaseURL  string // e.g. http://127.0.0.1:8620
	DeviceID string
	Secret   []byte
	HTTP     *http.Client
	Clock    app.Clock
}

// ErrNoAnswer means the host's answer did not arrive (timeout, connection lost, an answer
// that does not verify): the POS cannot know whether the host booked the message.
var ErrNoAnswer = errors.New("no answer from host")

func (c *Client) now() time.Time {
	if c.Clock != nil {
		return c.Clock.Now()
	}
	return time.Now()
}

// Do sends one signed message and decodes its result into out. A refusal comes back as
// *app.Error; anything that leaves the outcome unknown wraps ErrNoAnswer.
func (c *Client) Do(ctx context.Context, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	at := c.now().UnixMilli()
	sig := Sign(c.Secret, http.MethodPost, path, c.DeviceID, at, body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderDevice, c.DeviceID)
	req.Header.Set(HeaderTime, strconv.FormatInt(at, 10))
	req.Header.Set(HeaderSignature, sig)
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w: %v", path, ErrNoAnswer, err)
	}
	defer resp.Body.Close()
	blob, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody))
	if err != nil {
		return fmt.Errorf("%s: %w: %v", path, ErrNoAnswer, err)
	}
	var ans Answer
	if err := json.Unmarshal(blob, &ans); err != nil {
		return fmt.Errorf("%s: %w: undecodable answer (HTTP %d)", path, ErrNoAnswer, resp.StatusCode)
	}
	refusal := &app.Error{Code: ans.Code, ZH: ans.ZH, EN: ans.EN, Detail: ans.Detail}
	signed := resp.Header.Get(HeaderSignature)
	if signed == "" {
		// Only refusals before authentication are unsigned, and anyone on the path could
		// forge one: the outcome stays unknown (a POS reverses), with the reason attached.
		if ans.OK {
			return fmt.Errorf("%s: %w: unsigned approval", path, ErrNoAnswer)
		}
		return fmt.Errorf("%s: %w: %w", path, ErrNoAnswer, refusal)
	}
	if !verify(signed, SignResponse(c.Secret, sig, blob)) {
		return fmt.Errorf("%s: %w: answer signature does not verify", path, ErrNoAnswer)
	}
	if !ans.OK {
		if ans.Code == CodeHostUnavailable {
			return fmt.Errorf("%s: %w: %w", path, ErrNoAnswer, refusal)
		}
		return refusal
	}
	if out != nil {
		if err := json.Unmarshal(ans.Result, out); err != nil {
			return fmt.Errorf("%s: %w: undecodable result", path, ErrNoAnswer)
		}
	}
	return nil
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

func (c *Client) Batch(ctx context.Context, records []app.OfflineRecord) (out BatchResult, err error) {
	return out, c.Do(ctx, PathBatch, BatchRequest{DeviceID: c.DeviceID, Records: records}, &out)
}

func (c *Client) Summary(ctx context.Context) (out app.SummaryResult, err error) {
	return out, c.Do(ctx, PathSummary, app.SummaryRequest{DeviceID: c.DeviceID}, &out)
}

// LastSerial asks the highest serial the host has kept for this device.
func (c *Client) LastSerial(ctx context.Context) (int64, error) {
	var out SerialResult
	err := c.Do(ctx, PathSerial, SerialRequest{DeviceID: c.DeviceID}, &out)
	return out.LastSerial, err
}
