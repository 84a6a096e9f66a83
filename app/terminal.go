package app

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// answer is how a terminal message's first answer is kept: either the result or the
// refusal. Replays decode it, so a replay sees exactly what the first call saw.
type answer struct {
	OK     bool            `json:"ok"`
	Code   Code            `json:"code,omitempty"`
	ZH     string          `json:"zh,omitempty"`
	EN     string          `json:"en,omitempty"`
	Detail string          `json:"detail,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
}

// requestHash fingerprints a request's content, to tell a replay from a reused serial.
func requestHash(kind string, req any) ([]byte, error) {
	b, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("hash %s request: %w", kind, err)
	}
	h := sha256.New()
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write(b)
	return h.Sum(nil), nil
}

// terminalCall runs one terminal message under its idempotency key (device, serial):
// the first call runs fn and keeps its answer, result or refusal alike, in the same
// transaction; a replay with the same content gets that answer back; the same key with
// other content is refused (DUPLICATE_CONFLICT) and flagged in the audit log. fn returns
// a refusal as *Error (kept, and its side effects committed) or a failure as error
// (nothing kept).
func terminalCall[R any](ctx context.Context, s *Service, deviceID string, serial int64, kind string, req any,
	fn func(tx Tx, now time.Time) (R, *Error, error)) (R, error) {
	var zero R
	if deviceID == "" {
		return zero, E(CodeUnknownDevice, "empty device id")
	}
	if serial <= 0 {
		return zero, E(CodeBadInput, "terminal serial must be positive, got %d", serial)
	}
	hash, err := requestHash(kind, req)
	if err != nil {
		return zero, err
	}
	var result R
	var refusal *Error
	err = s.store.Update(ctx, func(tx Tx) error {
		result, refusal = zero, nil
		now := s.clock.Now()
		prev, err := tx.TerminalAnswer(deviceID, serial)
		switch {
		case err == nil:
			if prev.Kind != kind || string(prev.RequestHash) != string(hash) {
				refusal = E(CodeDuplicateConflict, "device %s serial %d was %s", deviceID, serial, prev.Kind)
				if err := openCase(tx, ExceptionCase{Kind: CaseDuplicateConflict, Subject: fmt.Sprintf("answer:%s/%d", deviceID, serial),
					OpenedAt: now, DeviceID: deviceID, Serial: serial,
					Detail: fmt.Sprintf("serial %d of %s was a %s received %s; a %s with other content came at %s", serial, deviceID,
						prev.Kind, prev.ReceivedAt.In(s.cfg.Location).Format(time.DateTime), kind, now.In(s.cfg.Location).Format(time.DateTime))}); err != nil {
					return err
				}
				return tx.AppendAudit(AuditEntry{At: now, Actor: "terminal:" + deviceID, Action: "duplicate_conflict",
					Subject: fmt.Sprintf("%s/%d", deviceID, serial), Detail: kind})
			}
			result, refusal, err = decodeAnswer[R](prev.Answer)
			return err
		case !errors.Is(err, ErrNoRow):
			return fmt.Errorf("look up %s/%d: %w", deviceID, serial, err)
		}
		if _, err := tx.Device(deviceID); err != nil {
			// An unknown device has nowhere to keep an answer: refuse, keep nothing.
			return notFound(err, CodeUnknownDevice, "device %s", deviceID)
		}
		r, ref, err := fn(tx, now)
		if err != nil {
			return err
		}
		a := answer{OK: ref == nil}
		if ref != nil {
			a.Code, a.ZH, a.EN, a.Detail = ref.Code, ref.ZH, ref.EN, clipDetail(ref.Detail)
		} else if a.Result, err = json.Marshal(r); err != nil {
			return fmt.Errorf("encode %s answer: %w", kind, err)
		}
		blob, err := json.Marshal(a)
		if err != nil {
			return fmt.Errorf("encode %s answer: %w", kind, err)
		}
		if err := tx.InsertTerminalAnswer(StoredAnswer{DeviceID: deviceID, Serial: serial, Kind: kind,
			RequestHash: hash, Answer: blob, ReceivedAt: now}); err != nil {
			return err
		}
		// The first caller gets the answer decoded from what was kept, exactly as every
		// replay will: one answer, whichever call it reaches.
		result, refusal, err = decodeAnswer[R](blob)
		return err
	})
	if err != nil {
		return zero, err
	}
	if refusal != nil {
		return zero, refusal
	}
	return result, nil
}

// MaxKeptDetail bounds the detail of a kept refusal: it is replayed for ever, and it often
// quotes what the terminal sent.
const MaxKeptDetail = 256

func clipDetail(d string) string {
	if len(d) <= MaxKeptDetail {
		return d
	}
	return strings.ToValidUTF8(d[:MaxKeptDetail], "") + "…"
}

func decodeAnswer[R any](blob []byte) (R, *Error, error) {
	var zero R
	var a answer
	if err := json.Unmarshal(blob, &a); err != nil {
		return zero, nil, fmt.Errorf("decode stored answer: %w", err)
	}
	if !a.OK {
		return zero, &Error{Code: a.Code, ZH: a.ZH, EN: a.EN, Detail: a.Detail}, nil
	}
	var r R
	if err := json.Unmarshal(a.Result, &r); err != nil {
		return zero, nil, fmt.Errorf("decode stored result: %w", err)
	}
	return r, nil, nil
}

// StoredAnswerBytes returns the first answer kept for (device, serial), exactly as stored,
// for a network layer that replays it byte for byte.
func (s *Service) StoredAnswerBytes(ctx context.Context, deviceID string, serial int64) ([]byte, error) {
	var blob []byte
	err := s.store.View(ctx, func(tx ReadTx) error {
		a, err := tx.TerminalAnswer(deviceID, serial)
		if err != nil {
			return notFound(err, CodeNotFound, "answer %s/%d", deviceID, serial)
		}
		blob = a.Answer
		return nil
	})
	return blob, err
}
