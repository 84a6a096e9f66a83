package posapi_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"testing"

	"cardcenter/app"
	"cardcenter/app/posapi"
)

// raw sends a request with exactly the headers given (nil: none) and returns the status,
// the answer and whether its signature verifies for secret against the request's signature.
func (h *host) raw(t *testing.T, method, path string, hdr map[string]string, body []byte, secret []byte) (int, posapi.Answer, bool, http.Header) {
	t.Helper()
	status, a, header, blob := h.send(t, method, path, hdr, body)
	signed := false
	if sig := header.Get(posapi.HeaderSignature); sig != "" {
		ht, err := strconv.ParseInt(header.Get(posapi.HeaderHostTime), 10, 64)
		signed = err == nil && sig == posapi.SignResponse(secret, hdr[posapi.HeaderSignature], ht, blob)
		if !signed {
			t.Errorf("%s %s: a signature that does not verify: %s", method, path, sig)
		}
	}
	return status, a, signed, header
}

// signedHeaders are the three headers of a correctly signed request.
func signedHeaders(secret []byte, method, path, device string, ms int64, body []byte) map[string]string {
	return map[string]string{posapi.HeaderDevice: device, posapi.HeaderTime: strconv.FormatInt(ms, 10),
		posapi.HeaderSignature: posapi.Sign(secret, method, path, device, ms, body)}
}

// Issue 9.3: every answer to a device that proved who it is is signed — also a 413 (the
// body is too large, but its signature verifies over all of it) and a 404 (no such
// endpoint). An answer to a request that does not prove its device stays unsigned.
func TestEveryAnswerToAnAuthenticatedDeviceIsSigned(t *testing.T) {
	h := newHost(t)
	c := h.client(t, "P1")
	ms := h.site.Clock.Now().UnixMilli()
	big := bytes.Repeat([]byte(" "), posapi.MaxBody+1)
	huge := bytes.Repeat([]byte(" "), 8<<20) // beyond what the host reads to check a signature
	small := []byte(`{"device_id":"P1"}`)
	bad := signedHeaders([]byte("not the secret"), http.MethodPost, posapi.PathRecharge, "P1", ms, big)
	cases := []struct {
		name   string
		method string
		path   string
		hdr    map[string]string
		body   []byte
		status int
		code   app.Code
		signed bool
	}{
		{"413, signature verifies", http.MethodPost, posapi.PathRecharge, signedHeaders(c.Secret, http.MethodPost, posapi.PathRecharge, "P1", ms, big), big, 413, posapi.CodeBodyTooLarge, true},
		{"413 to a batch", http.MethodPost, posapi.PathBatch, signedHeaders(c.Secret, http.MethodPost, posapi.PathBatch, "P1", ms, big), big, 413, posapi.CodeBodyTooLarge, true},
		{"413, wrong signature", http.MethodPost, posapi.PathRecharge, bad, big, 413, posapi.CodeBodyTooLarge, false},
		{"413, no headers", http.MethodPost, posapi.PathRecharge, nil, big, 413, posapi.CodeBodyTooLarge, false},
		{"413, too large to check", http.MethodPost, posapi.PathRecharge, signedHeaders(c.Secret, http.MethodPost, posapi.PathRecharge, "P1", ms, huge), huge, 413, posapi.CodeBodyTooLarge, false},
		{"404, signature verifies", http.MethodPost, "/v1/refund", signedHeaders(c.Secret, http.MethodPost, "/v1/refund", "P1", ms, small), small, 404, posapi.CodeNotFoundPath, true},
		{"404, a GET of a POST endpoint", http.MethodGet, posapi.PathSummary, signedHeaders(c.Secret, http.MethodGet, posapi.PathSummary, "P1", ms, nil), nil, 404, posapi.CodeNotFoundPath, true},
		{"404, stale but verifies", http.MethodPost, "/v2/summary", signedHeaders(c.Secret, http.MethodPost, "/v2/summary", "P1", ms-3600_000, small), small, 404, posapi.CodeNotFoundPath, true},
		{"404, no headers", http.MethodPost, "/v1/refund", nil, small, 404, posapi.CodeNotFoundPath, false},
		{"404, wrong signature", http.MethodPost, "/v1/refund", signedHeaders(c.Secret, http.MethodPost, "/v1/other", "P1", ms, small), small, 404, posapi.CodeNotFoundPath, false},
		{"404, unknown device", http.MethodPost, "/v1/refund", signedHeaders(c.Secret, http.MethodPost, "/v1/refund", "P9", ms, small), small, 404, posapi.CodeNotFoundPath, false},
	}
	for _, tc := range cases {
		status, ans, signed, hdr := h.raw(t, tc.method, tc.path, tc.hdr, tc.body, c.Secret)
		if status != tc.status || ans.OK || ans.Code != tc.code || ans.ZH == "" || ans.EN == "" || signed != tc.signed {
			t.Errorf("%s: HTTP %d %+v signed %v, want %d %s signed %v", tc.name, status, ans, signed, tc.status, tc.code, tc.signed)
		}
		if !tc.signed && (hdr.Get(posapi.HeaderSignature) != "" || hdr.Get(posapi.HeaderHostTime) != "") {
			t.Errorf("%s: an unauthenticated request was answered with a signature or host time", tc.name)
		}
	}
}

// The time header is signed as sent, so the host takes it only in the one form a POS
// signs: decimal digits, no sign, no leading zero. Anything else is not authentication.
func TestTimeHeaderIsTakenOnlyInItsCanonicalForm(t *testing.T) {
	h := newHost(t)
	c := h.client(t, "P1")
	ms := strconv.FormatInt(h.site.Clock.Now().UnixMilli(), 10)
	body := []byte(`{"device_id":"P1"}`)
	for _, at := range []string{"+" + ms, "0" + ms, ms + ".0", " " + ms + "x", "-" + ms, "1e12"} {
		hdr := map[string]string{posapi.HeaderDevice: "P1", posapi.HeaderTime: at,
			posapi.HeaderSignature: signText(c.Secret, "POST\n"+posapi.PathSummary+"\nP1\n"+at+"\n", body)}
		status, ans, signed, _ := h.raw(t, http.MethodPost, posapi.PathSummary, hdr, body, c.Secret)
		if status != 401 || ans.Code != posapi.CodeUnauthenticated || signed {
			t.Errorf("time %q: HTTP %d %+v signed %v, want an unsigned 401 UNAUTHENTICATED", at, status, ans, signed)
		}
	}
}

// signText is HMAC-SHA256 in hex over prefix and body, as docs/pos-protocol.md describes a
// request's signature: for the tests that sign what the client never would.
func signText(secret []byte, prefix string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(prefix))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}
