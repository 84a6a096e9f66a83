package posapi

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"cardcenter/app"
	"cardcenter/app/strictjson"
)

// Server answers recharge POS terminals. Create it with NewServer; it is an http.Handler.
type Server struct {
	svc   *app.Service
	clock app.Clock
	log   *slog.Logger
	mux   *http.ServeMux
	// schemas: each endpoint's body, as the strict decoder checks it (docs are tested against it).
	schemas map[string]*strictjson.Schema
	// requests and results: each endpoint's request and result types (tests check their names).
	requests, results map[string]reflect.Type
}

// NewServer returns the host's HTTP face over svc.
func NewServer(svc *app.Service, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{svc: svc, clock: svc.Clock(), log: log, mux: http.NewServeMux(), schemas: map[string]*strictjson.Schema{},
		requests: map[string]reflect.Type{}, results: map[string]reflect.Type{}}
	handle(s, PathAuthorize, func(r app.AuthorizeRequest) (string, int64) { return r.DeviceID, r.Serial }, svc.Authorize)
	handle(s, PathRecharge, func(r app.RechargeRequest) (string, int64) { return r.DeviceID, r.Serial }, svc.Recharge)
	handle(s, PathConfirm, func(r app.ConfirmRequest) (string, int64) { return r.DeviceID, r.Serial }, svc.Confirm)
	handle(s, PathCancel, func(r app.CancelRequest) (string, int64) { return r.DeviceID, r.Serial }, svc.Cancel)
	handle(s, PathReverse, func(r app.ReverseRequest) (string, int64) { return r.DeviceID, r.Serial }, svc.Reverse)
	handle(s, PathBatch, func(r batchWire) (string, int64) { return r.DeviceID, 0 },
		func(ctx context.Context, r batchWire) (BatchResult, error) {
			items, err := svc.BatchUpload(ctx, r.DeviceID, decodeRecords(r.Records))
			return BatchResult{Items: items}, err
		})
	handle(s, PathSummary, func(r app.SummaryRequest) (string, int64) { return r.DeviceID, 0 }, svc.Summary)
	handle(s, PathSerial, func(r SerialRequest) (string, int64) { return r.DeviceID, 0 },
		func(ctx context.Context, r SerialRequest) (SerialResult, error) {
			n, err := svc.LastSerial(ctx, r.DeviceID)
			return SerialResult{LastSerial: n}, err
		})
	handle(s, PathOutcomes, func(r app.ReversalOutcomesRequest) (string, int64) { return r.DeviceID, 0 }, svc.ReversalOutcomes)
	handle(s, PathCardKeys, func(r app.DeviceCardKeyRequest) (string, int64) { return r.DeviceID, 0 }, svc.DeviceCardKeys)
	s.mux.HandleFunc("GET "+PathHealth, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	})
	// Any other method or path: NO_SUCH_ENDPOINT, signed if the request proves its device
	// (whatever its time: the answer says nothing but that the path does not exist).
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		dev, sig, _, perr := s.authenticate(r)
		if perr != nil && perr.Code != CodeStaleTimestamp && perr.Code != CodeBodyTooLarge {
			dev, sig = app.Device{}, ""
		}
		if perr != nil && perr.Code == CodeBodyTooLarge {
			s.refuse(w, dev, sig, perr)
			return
		}
		s.refuse(w, dev, sig, protocolError(CodeNotFoundPath, r.Method+" "+r.URL.Path))
	})
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// handle registers one signed endpoint. key says which device the body speaks for and, for
// terminal messages kept under an idempotency key, the serial (0 for the others).
func handle[Req, Res any](s *Server, path string, key func(Req) (string, int64), call func(context.Context, Req) (Res, error)) {
	schema := schemaFor(reflect.TypeFor[Req]())
	s.schemas[path] = schema
	s.requests[path], s.results[path] = reflect.TypeFor[Req](), reflect.TypeFor[Res]()
	s.mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		dev, sig, body, perr := s.authenticate(r)
		if perr != nil {
			s.refuse(w, dev, sig, perr)
			return
		}
		var req Req
		if bad := decodeStrict(body, schema, &req); bad != nil {
			s.refuse(w, dev, sig, bad)
			return
		}
		bodyDevice, serial := key(req)
		if bodyDevice != dev.ID {
			s.refuse(w, dev, sig, protocolError(CodeDeviceMismatch, bodyDevice+" ≠ "+dev.ID))
			return
		}
		res, err := call(r.Context(), req)
		ans, status := s.answerFor(r.Context(), dev.ID, serial, res, err)
		s.writeAnswer(w, status, sig, dev.Secret, ans)
		s.log.Debug("pos message", "path", path, "device", dev.ID, "serial", serial, "status", status,
			"code", codeOf(err), "ms", time.Since(start).Milliseconds())
	})
}

// answerFor turns a use case's outcome into the bytes to send. A terminal message's answer
// is the one kept under its key, byte for byte, so every replay gets exactly the same.
func (s *Server) answerFor(ctx context.Context, device string, serial int64, res any, err error) ([]byte, int) {
	ae, isRefusal := app.AsError(err)
	if err != nil && !isRefusal {
		s.log.Error("pos message failed", "device", device, "serial", serial, "err", err)
		return errorAnswer(protocolError(CodeHostUnavailable, "")), http.StatusServiceUnavailable
	}
	kept := serial != 0 && (err == nil || (ae.Code != app.CodeDuplicateConflict && ae.Code != app.CodeUnknownDevice))
	if kept {
		if blob, gerr := s.svc.StoredAnswerBytes(ctx, device, serial); gerr == nil {
			return blob, http.StatusOK
		}
	}
	if err != nil {
		return errorAnswer(ae), StatusOf(ae.Code)
	}
	raw, merr := json.Marshal(res)
	if merr != nil {
		s.log.Error("encode answer", "err", merr)
		return errorAnswer(protocolError(CodeHostUnavailable, "")), http.StatusInternalServerError
	}
	blob, _ := json.Marshal(Answer{OK: true, Result: raw})
	return blob, http.StatusOK
}

// authenticate reads the body (bounded) and checks device, time and signature. It returns
// the device and the request's signature whenever the request proved its device (the
// signature verifies), also together with a refusal: that refusal is then answered signed.
// A body larger than MaxBody is not kept; up to MaxCheckedBody of it is still read into the
// signature, so that a device which signed it is told BODY_TOO_LARGE in a signed answer.
func (s *Server) authenticate(r *http.Request) (app.Device, string, []byte, *app.Error) {
	devID, at, sig := r.Header.Get(HeaderDevice), r.Header.Get(HeaderTime), r.Header.Get(HeaderSignature)
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return app.Device{}, "", nil, protocolError(CodeMalformed, "body cut off: "+err.Error())
	}
	tooLarge := len(body) > MaxBody
	tooLargeErr := protocolError(CodeBodyTooLarge, strconv.Itoa(MaxBody)+" bytes at most")
	// unproven is the refusal for a request that has not proved its device: a body too
	// large says so whatever else is wrong.
	unproven := func(e *app.Error) (app.Device, string, []byte, *app.Error) {
		if tooLarge {
			return app.Device{}, "", nil, tooLargeErr
		}
		return app.Device{}, "", nil, e
	}
	if devID == "" || at == "" || sig == "" {
		return unproven(protocolError(CodeUnauthenticated, "missing "+missingHeaders(devID, at, sig)))
	}
	ms, ok := parseTime(at)
	if !ok {
		return unproven(protocolError(CodeUnauthenticated, HeaderTime+": not Unix milliseconds in decimal digits"))
	}
	dev, err := s.svc.DeviceWithKey(r.Context(), devID)
	if err != nil {
		if ae, ok := app.AsError(err); ok {
			return unproven(ae)
		}
		s.log.Error("device lookup", "device", devID, "err", err)
		return unproven(protocolError(CodeHostUnavailable, ""))
	}
	mac := requestMAC(dev.Secret, r.Method, r.URL.Path, devID, at)
	mac.Write(body)
	if tooLarge {
		n, err := io.Copy(mac, io.LimitReader(r.Body, MaxCheckedBody-int64(len(body))+1))
		if err != nil || int64(len(body))+n > MaxCheckedBody {
			return unproven(nil) // too large to check: unsigned
		}
	}
	if !verify(sig, hex.EncodeToString(mac.Sum(nil))) {
		return unproven(protocolError(CodeBadSignature, ""))
	}
	if tooLarge {
		return dev, sig, nil, tooLargeErr
	}
	// Only a correctly signed request learns about the clock.
	if skew := s.clock.Now().Sub(time.UnixMilli(ms)); skew > ReplayWindow || skew < -ReplayWindow {
		return dev, sig, nil, protocolError(CodeStaleTimestamp, "skew "+skew.Round(time.Second).String())
	}
	return dev, sig, body, nil
}

func missingHeaders(dev, at, sig string) string {
	var m []string
	for _, h := range []struct{ name, v string }{{HeaderDevice, dev}, {HeaderTime, at}, {HeaderSignature, sig}} {
		if h.v == "" {
			m = append(m, h.name)
		}
	}
	return strings.Join(m, ", ")
}

func (s *Server) refuse(w http.ResponseWriter, dev app.Device, sig string, e *app.Error) {
	if e.Code == CodeBodyTooLarge {
		// The rest of the body may still be on the way: this connection is done.
		w.Header().Set("Connection", "close")
	}
	s.log.Info("pos message refused", "device", dev.ID, "code", e.Code, "detail", e.Detail, "signed", sig != "")
	s.writeAnswer(w, StatusOf(e.Code), sig, dev.Secret, errorAnswer(e))
}

// StatusOf is the HTTP status of every answer that refuses with code: the protocol's own
// refusals have theirs; every refusal of the ledger is HTTP 200, a final answer about the
// message. docs/pos-protocol.md lists each (TestProtocolDocListsEveryCode).
func StatusOf(code app.Code) int {
	switch code {
	case CodeUnauthenticated, CodeBadSignature, CodeStaleTimestamp, app.CodeUnknownDevice:
		return http.StatusUnauthorized
	case CodeMalformed, CodeDeviceMismatch:
		return http.StatusBadRequest
	case CodeNotFoundPath:
		return http.StatusNotFound
	case CodeBodyTooLarge:
		return http.StatusRequestEntityTooLarge
	case CodeHostUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusOK
}

// writeAnswer sends body, signed for the device when the request was authenticated. A
// signed answer carries the host's time: the body of a replay stays byte for byte the first
// answer, and the time beside it is now.
func (s *Server) writeAnswer(w http.ResponseWriter, status int, reqSig string, secret []byte, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	if reqSig != "" && len(secret) > 0 {
		now := s.clock.Now().UnixMilli()
		h.Set(HeaderHostTime, strconv.FormatInt(now, 10))
		h.Set(HeaderSignature, SignResponse(secret, reqSig, now, body))
	}
	w.WriteHeader(status)
	w.Write(body)
}

func errorAnswer(e *app.Error) []byte {
	b, _ := json.Marshal(Answer{Code: e.Code, ZH: e.ZH, EN: e.EN, Detail: e.Detail})
	return b
}

func codeOf(err error) app.Code {
	if ae, ok := app.AsError(err); ok {
		return ae.Code
	}
	return ""
}
