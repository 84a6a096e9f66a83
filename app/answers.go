package app

import (
	"encoding/json"
	"fmt"
	"time"
)

// The kinds of terminal message, as kept with each first answer.
const (
	KindAuthorize = "authorize"
	KindRecharge  = "recharge"
	KindConfirm   = "confirm"
	KindCancel    = "cancel"
	KindReverse   = "reverse"
)

// FirstAnswer is the answer the use cases keep for the first call of a terminal message:
// what terminalCall stores when fn returned result (refusal nil) or refusal. It is for a
// loader that writes a site's history without the use cases (cardcenter gen), so that a
// replay of a generated message gets its answer back exactly as if the host had answered
// it. req is the request as the use case fingerprints it: an AuthorizeRequest without its
// PIN, a ReverseRequest with OrigDeviceID filled in.
func FirstAnswer(kind string, deviceID string, serial int64, req, result any, refusal *Error, at time.Time) (StoredAnswer, error) {
	hash, err := requestHash(kind, req)
	if err != nil {
		return StoredAnswer{}, err
	}
	a := answer{OK: refusal == nil}
	if refusal != nil {
		a.Code, a.ZH, a.EN, a.Detail = refusal.Code, refusal.ZH, refusal.EN, clipDetail(refusal.Detail)
	} else if a.Result, err = json.Marshal(result); err != nil {
		return StoredAnswer{}, fmt.Errorf("encode %s answer: %w", kind, err)
	}
	blob, err := json.Marshal(a)
	if err != nil {
		return StoredAnswer{}, fmt.Errorf("encode %s answer: %w", kind, err)
	}
	return StoredAnswer{DeviceID: deviceID, Serial: serial, Kind: kind, RequestHash: hash, Answer: blob, ReceivedAt: at}, nil
}
