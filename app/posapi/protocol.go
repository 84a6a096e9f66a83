// Package posapi is the network face of the ledger for recharge POS terminals: HTTP with
// JSON bodies, every message signed with the device's own secret. The server is an adapter
// over app.Service; the client is what a POS (or a script) uses. docs/pos-protocol.md
// describes the wire format with runnable examples.
package posapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"hash"
	"strconv"
	"time"

	"cardcenter/app"
)

// Paths of the protocol, version 1.
const (
	PathAuthorize = "/v1/authorize"
	PathRecharge  = "/v1/recharge"
	PathConfirm   = "/v1/confirm"
	PathCancel    = "/v1/cancel"
	PathReverse   = "/v1/reverse"
	PathBatch     = "/v1/batch"
	PathSummary   = "/v1/summary"
	PathSerial    = "/v1/last-serial"
	PathOutcomes  = "/v1/reversal-outcomes"
	PathCardKeys  = "/v1/card-keys"
	PathHealth    = "/v1/health"
)

// Headers of a signed message.
const (
	HeaderDevice    = "X-CC-Device"
	HeaderTime      = "X-CC-Time" // Unix milliseconds of the sender's clock
	HeaderSignature = "X-CC-Signature"
	// HeaderHostTime is on every signed answer: the host's clock, Unix milliseconds,
	// covered by the answer's signature. A POS learns its clock's offset from it.
	HeaderHostTime = "X-CC-Host-Time"
)

// MaxBody bounds a request body: a batch of 1,000 offline records fits with room.
const MaxBody = 256 << 10

// MaxCheckedBody is how much of a body larger than MaxBody the host still reads, without
// keeping it, to check its signature: a device whose too-large message verifies is told so
// in a signed answer; beyond this the host stops reading and answers unsigned.
const MaxCheckedBody = 4 * MaxBody

// ReplayWindow: a request whose timestamp is further than this from the host's clock is
// refused. Retries re-sign with a fresh time, and idempotency makes them safe.
const ReplayWindow = 5 * time.Minute

// Answer is every response body: a result, or a refusal with a stable code and messages.
// For terminal messages it is the answer kept under (device, serial), sent byte for byte
// again on every replay.
type Answer struct {
	OK     bool            `json:"ok"`
	Code   app.Code        `json:"code,omitempty"`
	ZH     string          `json:"zh,omitempty"`
	EN     string          `json:"en,omitempty"`
	Detail string          `json:"detail,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
}

// BatchRequest carries a POS's offline records (rule 6), in the order they were made.
type BatchRequest struct {
	DeviceID string              `json:"device_id" limit:"64"`
	Records  []app.OfflineRecord `json:"records"`
}

// SerialRequest asks the highest serial the host has kept for the device.
type SerialRequest struct {
	DeviceID string `json:"device_id" limit:"64"`
}

// SerialResult: the POS continues after LastSerial.
type SerialResult struct {
	LastSerial int64 `json:"last_serial"`
}

// BatchResult answers a batch record by record.
type BatchResult struct {
	Items []app.BatchItem `json:"items"`
}

// Sign computes the signature of a request: HMAC-SHA256 with the device secret over the
// method, path, device, time and body, each on its own line.
func Sign(secret []byte, method, path, device string, at int64, body []byte) string {
	m := requestMAC(secret, method, path, device, strconv.FormatInt(at, 10))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// requestMAC is the keyed hash of a request's signature with everything but the body
// written: the host feeds it a body it does not keep (one too large to take). at is the
// X-CC-Time header exactly as sent.
func requestMAC(secret []byte, method, path, device, at string) hash.Hash {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(method + "\n" + path + "\n" + device + "\n" + at + "\n"))
	return m
}

// parseTime reads an X-CC-Time header: Unix milliseconds in decimal digits with no sign
// and no leading zero, the one form a POS signs (the header is signed as sent).
func parseTime(at string) (int64, bool) {
	if at == "" || len(at) > 18 || at[0] == '0' {
		return 0, false
	}
	for _, c := range at {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	ms, err := strconv.ParseInt(at, 10, 64)
	return ms, err == nil
}

// SignResponse computes the signature of a response: it binds the answer to the request's
// own signature, so a POS cannot be fed an approval that was not the host's answer to it,
// and covers the host's time, so a POS can trust the clock it learns from it.
func SignResponse(secret []byte, requestSignature string, hostTime int64, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("response\n" + requestSignature + "\n" + strconv.FormatInt(hostTime, 10) + "\n"))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// verify compares a received hex signature with the expected one in constant time.
func verify(received, expected string) bool {
	got, err := hex.DecodeString(received)
	if err != nil {
		return false
	}
	want, _ := hex.DecodeString(expected)
	return hmac.Equal(got, want)
}

// Protocol-level refusals: nothing is booked and nothing is kept. The codes and their
// messages are in app's one catalogue (app/errors_protocol.go).
const (
	CodeUnauthenticated = app.CodeUnauthenticated
	CodeBadSignature    = app.CodeBadSignature
	CodeStaleTimestamp  = app.CodeStaleTimestamp
	CodeBodyTooLarge    = app.CodeBodyTooLarge
	CodeMalformed       = app.CodeMalformed
	CodeDeviceMismatch  = app.CodeDeviceMismatch
	CodeHostUnavailable = app.CodeHostUnavailable
	CodeNotFoundPath    = app.CodeNotFoundPath
)

// What a client says when no answer about the message arrived; the host never sends these.
const (
	CodeNoAnswer  = app.CodeNoAnswer
	CodeBadAnswer = app.CodeBadAnswer
)

// notAboutTheMessage are the refusals that say nothing about the message's content: the
// host did not get to look at it (authentication, clock, size, path) or could not take it
// now. Sending the same message again may well be answered, so for the POS they are no
// answer: a queued record stays queued. Every other refusal is the ledger's answer to the
// message itself, kept under its key and given again on every replay (or, for
// MALFORMED_REQUEST and DUPLICATE_CONFLICT, given again to the same bytes): final.
var notAboutTheMessage = map[app.Code]bool{
	CodeUnauthenticated:   true,
	CodeBadSignature:      true,
	CodeStaleTimestamp:    true,
	CodeBodyTooLarge:      true,
	CodeDeviceMismatch:    true,
	CodeHostUnavailable:   true,
	CodeNotFoundPath:      true,
	app.CodeUnknownDevice: true,
	CodeNoAnswer:          true,
	CodeBadAnswer:         true,
}

// IsFinalRefusal reports whether a refusal with code is the host's final answer about the
// message's content (see notAboutTheMessage). A batch item refused with such a code may
// leave a POS's queue; any other may not.
func IsFinalRefusal(code app.Code) bool { return code != "" && !notAboutTheMessage[code] }

func protocolError(code app.Code, detail string) *app.Error {
	e := app.E(code, "")
	e.Detail = detail
	return e
}
