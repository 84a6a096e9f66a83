// Package deskapi is the desk's face of the ledger across the network: the host serves
// every app.Desk method over HTTP/JSON (Server, mounted by cardcenter serve beside the POS
// API) and Client is an app.Desk that calls it, so the same screens run in process
// (*app.Service) or against a host. A call's actor is never what the client says: the
// server builds it from the session token alone (app.Service.SessionActor), so every record
// a desk causes carries the staff member of the session (issue 11.6).
// docs/desk-protocol.md describes the wire format for a stranger writing a client.
package deskapi

import (
	"net/http"
	"time"

	"cardcenter/app"
	"cardcenter/app/posapi"
)

// Paths of the desk protocol, version 1. A Desk method M is POST PathPrefix+M.
const (
	PathPrefix   = "/v1/desk/"
	PathLogin    = "/v1/desk/login"
	PathLogout   = "/v1/desk/logout"
	PathSettings = "/v1/desk/settings"
)

// HeaderHostTime is on every answer: the host's clock when it answered, Unix milliseconds
// (the POS protocol's header of the same name).
const HeaderHostTime = posapi.HeaderHostTime

// MaxBody bounds a request body; MaxAnswer bounds what a client reads of an answer (an
// audit or exceptions list is the largest).
const (
	MaxBody   = 256 << 10
	MaxAnswer = 32 << 20
)

// Every response body is {"result": …} (the call's outcome) or {"error": WireError} (a
// refusal with a stable code), never both.
type resultAnswer struct {
	Result any `json:"result"`
}

type errorAnswer struct {
	Error WireError `json:"error"`
}

// WireError is a refusal as it crosses the wire: app.Error in lower-case names.
type WireError struct {
	Code   app.Code `json:"code"`
	ZH     string   `json:"zh"`
	EN     string   `json:"en"`
	Detail string   `json:"detail,omitempty"`
	// Cause is the code of the refusal this one was given for, when it has its own: a key
	// request of an ended session is KEYS_REFUSED with cause SESSION_ENDED, so that the desk
	// both knows it got no keys and shows that its session is over.
	Cause app.Code `json:"cause,omitempty"`
}

// LoginRequest is POST /v1/desk/login's body.
type LoginRequest struct {
	User     string `json:"user" limit:"64"`
	Password string `json:"password" limit:"256"`
}

// WireActor is who a session is, as the host says.
type WireActor struct {
	User string   `json:"user"`
	Role app.Role `json:"role"`
}

// LoginResult is a login's result: the staff member and the session's bearer token.
type LoginResult struct {
	Actor WireActor `json:"actor"`
	Token string    `json:"token"`
}

// SettingsResult is GET /v1/desk/settings's result: the site's rules as a desk shows them,
// the settlement day's time zone, and the host's clock.
type SettingsResult struct {
	Settings WireSettings `json:"settings"`
	HostTime int64        `json:"host_time"` // Unix milliseconds
	Today    string       `json:"today"`     // the settlement day at HostTime
}

// WireSettings is app.Settings with durations in milliseconds and the location by name and
// its offset now (a fixed zone has only those).
type WireSettings struct {
	BalanceCeiling      app.Fen `json:"balance_ceiling"` // fen
	ReversalDelayMS     int64   `json:"reversal_delay_ms"`
	WriteUnknownAfterMS int64   `json:"write_unknown_after_ms"`
	CaseAfterMS         int64   `json:"case_after_ms"`
	CutoffMS            int64   `json:"cutoff_ms"`
	Location            string  `json:"location"`            // IANA name, or a fixed zone's name
	UTCOffsetSeconds    int     `json:"utc_offset_s"`        // the location's offset at host_time
	MaxWrongPINs        int     `json:"max_wrong_pins"`      // in a row, then the PIN is locked
	MaxWrongPasswords   int     `json:"max_wrong_passwords"` // in a row, then the desk account is locked
}

func wireSettings(s app.Settings, now time.Time) WireSettings {
	loc := s.Location
	if loc == nil {
		loc = time.UTC
	}
	_, off := now.In(loc).Zone()
	return WireSettings{BalanceCeiling: s.BalanceCeiling, ReversalDelayMS: s.ReversalDelay.Milliseconds(),
		WriteUnknownAfterMS: s.WriteUnknownAfter.Milliseconds(), CaseAfterMS: s.CaseAfter.Milliseconds(),
		CutoffMS: s.Cutoff.Milliseconds(), Location: loc.String(), UTCOffsetSeconds: off, MaxWrongPINs: s.MaxWrongPINs,
		MaxWrongPasswords: s.MaxWrongPasswords}
}

// appSettings is the desk's side of wireSettings. The location is the named zone when this
// machine knows it with the host's offset, else a fixed zone of the host's offset: the
// settlement day is the host's either way (today; across a DST change a fixed zone would
// drift, and China has none).
func appSettings(w WireSettings, hostNow time.Time) app.Settings {
	loc := time.FixedZone(w.Location, w.UTCOffsetSeconds)
	if l, err := time.LoadLocation(w.Location); err == nil && w.Location != "" {
		if _, off := hostNow.In(l).Zone(); off == w.UTCOffsetSeconds {
			loc = l
		}
	}
	ms := func(n int64) time.Duration { return time.Duration(n) * time.Millisecond }
	return app.Settings{BalanceCeiling: w.BalanceCeiling, ReversalDelay: ms(w.ReversalDelayMS), WriteUnknownAfter: ms(w.WriteUnknownAfterMS),
		CaseAfter: ms(w.CaseAfterMS), Cutoff: ms(w.CutoffMS), Location: loc, MaxWrongPINs: w.MaxWrongPINs,
		MaxWrongPasswords: w.MaxWrongPasswords}
}

// The protocol's own refusals are the POS protocol's codes (same meaning, one table of
// codes for the whole host); the desk's messages speak of sessions, not devices.
var protocolMessages = map[app.Code][2]string{
	posapi.CodeUnauthenticated: {"缺少或无效的会话令牌,请重新登录", "missing or malformed session token; log in again"},
	posapi.CodeMalformed:       {"请求格式错误", "malformed request"},
	posapi.CodeBodyTooLarge:    {"请求过长", "request body too large"},
	posapi.CodeNotFoundPath:    {"无此接口", "no such endpoint"},
	posapi.CodeNoAnswer:        {"主机无应答,请检查网络", "no answer from the host; check the network"},
	posapi.CodeBadAnswer:       {"主机应答无法识别", "the host's answer could not be read"},
}

// refusal is the protocol's refusal with code; a ledger code gets the catalogue's messages.
func refusal(code app.Code, detail string) *app.Error {
	if m, ok := protocolMessages[code]; ok {
		return &app.Error{Code: code, ZH: m[0], EN: m[1], Detail: detail}
	}
	return app.E(code, "%s", detail)
}

// StatusOf is the HTTP status of every answer that refuses with code. It depends on the
// code alone (docs/desk-protocol.md lists each; TestDeskDocListsEveryStatus).
func StatusOf(code app.Code) int {
	switch code {
	case posapi.CodeMalformed:
		return http.StatusBadRequest
	case posapi.CodeUnauthenticated, app.CodeSessionEnded, app.CodeBadCredentials:
		return http.StatusUnauthorized
	case app.CodePermission:
		return http.StatusForbidden
	case posapi.CodeNotFoundPath:
		return http.StatusNotFound
	case posapi.CodeBodyTooLarge:
		return http.StatusRequestEntityTooLarge
	case app.CodeHostUnavailable:
		return http.StatusServiceUnavailable
	}
	// Every other refusal is the ledger's answer about the call: the request was fine, the
	// ledger said no (UNKNOWN_CARD, CARD_CHANGED, ALREADY_REPAIRED, …).
	return http.StatusUnprocessableEntity
}
