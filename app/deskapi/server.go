package deskapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"cardcenter/app"
	"cardcenter/app/posapi"
	"cardcenter/app/strictjson"
)

// Ledger is what the server needs of the ledger: every Desk method, and the sessions a
// network desk is known by. *app.Service is one.
type Ledger interface {
	app.Desk
	SessionActor(ctx context.Context, token string) (app.Actor, error)
	Logout(ctx context.Context, actor app.Actor) error
}

var _ Ledger = (*app.Service)(nil)

// Desk methods the server does not dispatch by name:
//   - local: a client answers them itself, from GET /v1/desk/settings and its clock;
//   - Login has its own endpoint (a body of named fields, an answer with the token);
//   - unauthenticated: served without a session (they take no actor);
//   - refusedRemote: answered PERMISSION_DENIED, whatever the body: the first admin of a
//     site is made at the host (cardcenter desk --db), not by whoever reaches the port first.
var (
	local           = map[string]bool{"Settings": true, "Today": true, "Clock": true}
	unauthenticated = map[string]bool{"NeedsFirstAdmin": true}
	refusedRemote   = map[string]string{"CreateFirstAdmin": "the first admin is created at the host: cardcenter desk --db FILE"}
	// refusesEndedSessions: called even for a token whose session has ended, as an actor
	// with that token alone, so that the use case itself refuses and audits the request
	// (CardKeys: every key request is audited, issue 11.4).
	refusesEndedSessions = map[string]bool{"CardKeys": true}
)

var (
	ctxType   = reflect.TypeFor[context.Context]()
	actorType = reflect.TypeFor[app.Actor]()
	errorType = reflect.TypeFor[error]()
)

// method is one Desk method as the server calls it.
type method struct {
	name    string
	fn      reflect.Value // bound to the ledger
	actor   bool          // its second parameter is the actor, built from the session
	args    []reflect.Type
	schemas []*strictjson.Schema
	nres    int // results before the error
}

// Server answers desks. Create it with NewServer; it is an http.Handler for the paths under
// PathPrefix (mount it there beside the POS API).
type Server struct {
	svc     Ledger
	clock   app.Clock
	log     *slog.Logger
	mux     *http.ServeMux
	methods map[string]*method
	login   *strictjson.Schema
}

// NewServer returns the desk API over svc. Every method of app.Desk is served by its name
// (reflection over the interface: a method added to Desk is served without new code here;
// a parameter type the strict decoder cannot describe panics here, at start-up).
func NewServer(svc Ledger, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{svc: svc, clock: svc.Clock(), log: log, mux: http.NewServeMux(), methods: map[string]*method{},
		login: schemaFor(reflect.TypeFor[LoginRequest](), "LoginRequest")}
	desk := reflect.TypeFor[app.Desk]()
	bound := reflect.ValueOf(app.Desk(svc))
	for i := 0; i < desk.NumMethod(); i++ {
		m := desk.Method(i)
		if local[m.Name] || m.Name == "Login" {
			continue
		}
		if why, ok := refusedRemote[m.Name]; ok {
			s.mux.HandleFunc("POST "+PathPrefix+m.Name, func(w http.ResponseWriter, r *http.Request) {
				s.refuse(w, r, app.E(app.CodePermission, "%s", why))
			})
			continue
		}
		s.methods[m.Name] = newMethod(m, bound.MethodByName(m.Name))
		mm := s.methods[m.Name]
		s.mux.HandleFunc("POST "+PathPrefix+m.Name, func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, mm) })
	}
	s.mux.HandleFunc("POST "+PathLogin, s.serveLogin)
	s.mux.HandleFunc("POST "+PathLogout, s.serveLogout)
	s.mux.HandleFunc("GET "+PathSettings, s.serveSettings)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.refuse(w, r, refusal(posapi.CodeNotFoundPath, strictjson.Clip(r.Method+" "+r.URL.Path, 120)))
	})
	return s
}

func newMethod(m reflect.Method, fn reflect.Value) *method {
	t := m.Type
	if t.NumIn() < 1 || t.In(0) != ctxType || t.NumOut() < 1 || t.Out(t.NumOut()-1) != errorType {
		panic(fmt.Sprintf("deskapi: Desk.%s is not func(context.Context, …) (…, error)", m.Name))
	}
	mm := &method{name: m.Name, fn: fn, nres: t.NumOut() - 1}
	first := 1
	if t.NumIn() > 1 && t.In(1) == actorType {
		mm.actor, first = true, 2
	} else if !unauthenticated[m.Name] {
		// A method without an actor would be open to anyone who reaches the port: only
		// those listed as such are.
		panic(fmt.Sprintf("deskapi: Desk.%s takes no actor and is not listed as unauthenticated", m.Name))
	}
	for j := first; j < t.NumIn(); j++ {
		mm.args = append(mm.args, t.In(j))
		mm.schemas = append(mm.schemas, schemaFor(t.In(j), m.Name+" argument "+strconv.Itoa(j-first)))
	}
	return mm
}

// Methods are the Desk methods served by name under PathPrefix, sorted.
func (s *Server) Methods() []string {
	var out []string
	for name := range s.methods {
		out = append(out, name)
	}
	for name := range refusedRemote {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// serve answers one Desk method: the body is the arguments after (ctx, actor) as a JSON
// array; the actor is the session's.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, m *method) {
	start := time.Now()
	body, bad := readBody(r)
	if bad != nil {
		s.refuse(w, r, bad)
		return
	}
	in := []reflect.Value{reflect.ValueOf(r.Context())}
	var actor app.Actor
	if m.actor {
		var err error
		if actor, err = s.authenticate(r); err != nil {
			token, ok := bearer(r)
			if !ok || !refusesEndedSessions[m.name] || !errors.Is(err, app.CodeSessionEnded) {
				s.fail(w, r, err)
				return
			}
			actor = app.Actor{Session: token}
		}
		in = append(in, reflect.ValueOf(actor))
	}
	args, bad := decodeArgs(body, m.schemas, m.args)
	if bad != nil {
		s.refuse(w, r, bad)
		return
	}
	out, err := s.call(m, append(in, args...))
	if err != nil {
		s.fail(w, r, err)
	} else {
		var res any
		switch m.nres {
		case 1:
			res = out[0].Interface()
		default:
			if m.nres > 1 {
				all := make([]any, m.nres)
				for i := range all {
					all[i] = out[i].Interface()
				}
				res = all
			}
		}
		s.write(w, http.StatusOK, resultAnswer{Result: res})
	}
	s.log.Debug("desk call", "method", m.name, "user", actor.User, "code", codeOf(err), "ms", time.Since(start).Milliseconds())
}

// call calls m; a panic in the ledger is a failure of the host, answered as such.
func (s *Server) call(m *method, in []reflect.Value) (out []reflect.Value, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("desk call panicked", "method", m.name, "panic", fmt.Sprint(p))
			out, err = nil, fmt.Errorf("panic in %s: %v", m.name, p)
		}
	}()
	out = m.fn.Call(in)
	if e := out[len(out)-1]; !e.IsNil() {
		return nil, e.Interface().(error)
	}
	return out, nil
}

// authenticate builds the call's actor from the bearer token alone: whatever else the
// client sends (it cannot send a name or a role: the body holds only the method's other
// arguments) is not who acts.
func (s *Server) authenticate(r *http.Request) (app.Actor, error) {
	token, ok := bearer(r)
	if !ok {
		return app.Actor{}, refusal(posapi.CodeUnauthenticated, "Authorization: Bearer <session token>")
	}
	return s.svc.SessionActor(r.Context(), token)
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Values("Authorization")
	if len(h) != 1 {
		return "", false
	}
	scheme, token, ok := strings.Cut(h[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" || len(token) > 256 {
		return "", false
	}
	return token, true
}

func (s *Server) serveLogin(w http.ResponseWriter, r *http.Request) {
	body, bad := readBody(r)
	if bad != nil {
		s.refuse(w, r, bad)
		return
	}
	var req LoginRequest
	if bad := decodeObject(body, s.login, &req); bad != nil {
		s.refuse(w, r, bad)
		return
	}
	a, err := s.svc.Login(r.Context(), req.User, req.Password)
	if err != nil {
		s.log.Info("desk login refused", "user", strictjson.Clip(req.User, 64), "code", codeOf(err))
		s.fail(w, r, err)
		return
	}
	s.log.Info("desk login", "user", a.User, "role", a.Role)
	s.write(w, http.StatusOK, resultAnswer{Result: LoginResult{Actor: WireActor{User: a.User, Role: a.Role}, Token: a.Session}})
}

// serveLogout ends the bearer's session. A session that is over already (or a token that
// names none) is out: the answer is the same, so that a retried logout is not an error.
func (s *Server) serveLogout(w http.ResponseWriter, r *http.Request) {
	body, bad := readBody(r)
	if bad != nil {
		s.refuse(w, r, bad)
		return
	}
	if _, bad := decodeArgs(body, nil, nil); bad != nil {
		s.refuse(w, r, bad)
		return
	}
	a, err := s.authenticate(r)
	if errors.Is(err, app.CodeSessionEnded) {
		s.write(w, http.StatusOK, resultAnswer{})
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.svc.Logout(r.Context(), a); err != nil {
		s.fail(w, r, err)
		return
	}
	s.write(w, http.StatusOK, resultAnswer{})
}

func (s *Server) serveSettings(w http.ResponseWriter, r *http.Request) {
	now := s.clock.Now()
	s.write(w, http.StatusOK, resultAnswer{Result: SettingsResult{Settings: wireSettings(s.svc.Settings(), now),
		HostTime: now.UnixMilli(), Today: s.svc.Today()}})
}

// readBody reads a request body, at most MaxBody bytes.
func readBody(r *http.Request) ([]byte, *app.Error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return nil, malformed("", "body cut off")
	}
	if len(body) > MaxBody {
		return nil, refusal(posapi.CodeBodyTooLarge, strconv.Itoa(MaxBody)+" bytes at most")
	}
	return body, nil
}

// fail answers err: a refusal with its code, anything else (the store failed) as
// HOST_UNAVAILABLE, logged here and not sent (its text is the host's business).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	ae, ok := app.AsError(err)
	if !ok {
		s.log.Error("desk call failed", "path", r.URL.Path, "err", err)
		ae = app.E(app.CodeHostUnavailable, "")
	}
	var cause app.Code
	if c, ok := app.CauseOf(err); ok {
		cause = c.Code
	}
	s.refuseBecause(w, r, ae, cause)
}

func (s *Server) refuse(w http.ResponseWriter, r *http.Request, e *app.Error) {
	s.refuseBecause(w, r, e, "")
}

func (s *Server) refuseBecause(w http.ResponseWriter, r *http.Request, e *app.Error, cause app.Code) {
	if e.Code == posapi.CodeBodyTooLarge {
		// The rest of the body may still be on the way: this connection is done.
		w.Header().Set("Connection", "close")
	}
	if e.Code != app.CodeSessionEnded && StatusOf(e.Code) != http.StatusUnprocessableEntity {
		s.log.Info("desk call refused", "path", strictjson.Clip(r.URL.Path, 120), "code", e.Code, "detail", strictjson.Clip(e.Detail, 200))
	}
	we := wireError(e)
	we.Cause = cause
	s.write(w, StatusOf(e.Code), errorAnswer{Error: we})
}

// write sends an answer with the host's time beside it.
func (s *Server) write(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.log.Error("encode desk answer", "err", err)
		status = http.StatusServiceUnavailable
		b, _ = json.Marshal(errorAnswer{Error: wireError(app.E(app.CodeHostUnavailable, ""))})
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set(HeaderHostTime, strconv.FormatInt(s.clock.Now().UnixMilli(), 10))
	w.WriteHeader(status)
	w.Write(b)
}

func wireError(e *app.Error) WireError {
	return WireError{Code: e.Code, ZH: e.ZH, EN: e.EN, Detail: e.Detail}
}

func codeOf(err error) app.Code {
	if ae, ok := app.AsError(err); ok {
		return ae.Code
	}
	return ""
}
