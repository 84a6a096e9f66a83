package app_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
)

// Who may call what is apptest.AccessWant, shared with the desk API's test of the same over
// the wire (app/deskapi).
var (
	accessWant   = apptest.AccessWant
	unchangedBut = apptest.UnchangedBut
	roles        = apptest.Roles
)

var (
	ctxType   = reflect.TypeOf((*context.Context)(nil)).Elem()
	actorType = reflect.TypeOf(app.Actor{})
)

// actorUseCases is every exported method of *app.Service whose first parameters are a
// context and an actor: found by reflection, so none is forgotten.
func actorUseCases() []reflect.Method {
	t := reflect.TypeOf(&app.Service{})
	var out []reflect.Method
	for i := 0; i < t.NumMethod(); i++ {
		m := t.Method(i)
		if m.Type.NumIn() >= 3 && m.Type.In(1) == ctxType && m.Type.In(2) == actorType {
			out = append(out, m)
		}
	}
	return out
}

// call runs use case m as actor with zero values for every other argument. A panic (a nil
// reader, say) counts as having got past the role check: it comes from the work.
func call(s *apptest.Site, m reflect.Method, actor app.Actor) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panicked: %v", r)
		}
	}()
	args := []reflect.Value{reflect.ValueOf(s.Svc), reflect.ValueOf(context.Background()), reflect.ValueOf(actor)}
	for i := 3; i < m.Type.NumIn(); i++ {
		args = append(args, reflect.Zero(m.Type.In(i)))
	}
	out := m.Func.Call(args)
	if last := out[len(out)-1]; !last.IsNil() {
		return last.Interface().(error)
	}
	return nil
}

func allowed(rs []app.Role, r app.Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

func TestAccess_EveryUseCaseAsEveryRole(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	ms := actorUseCases()
	if len(ms) < len(accessWant) {
		t.Fatalf("found %d use cases with an actor, the table has %d: the reflection is broken", len(ms), len(accessWant))
	}
	actors := map[app.Role]app.Actor{}
	for _, r := range roles {
		actors[r] = s.Staff("access-"+string(r), r)
	}
	for _, m := range ms {
		want, ok := accessWant[m.Name]
		if !ok {
			t.Errorf("%s takes an actor but is not in accessWant: say who may call it", m.Name)
			continue
		}
		for _, r := range roles {
			before := s.Ledger()
			err := call(s, m, actors[r])
			if want == nil || allowed(want, r) {
				if errors.Is(err, app.CodePermission) || errors.Is(err, app.CodeSessionEnded) {
					t.Errorf("%s as %s: refused (%v), want allowed", m.Name, r, err)
				}
				continue
			}
			if !errors.Is(err, app.CodePermission) {
				t.Errorf("%s as %s: got %v, want PERMISSION_DENIED", m.Name, r, err)
			}
			if after := s.Ledger(); !unchangedBut(m.Name, before, after) {
				t.Errorf("%s as %s: refused, yet the ledger changed:\n%+v\n%+v", m.Name, r, before, after)
			}
		}
	}
}

// The ledger does not take the caller's word: an account disabled, demoted or never made
// is refused by every use case at its next call, with SESSION_ENDED.
func TestAccess_TheStoredAccountDecides(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	gone := s.Staff("gone", app.RoleAdmin)
	must(t, s.Svc.SetStaffEnabled(ctx, s.Admin, "gone", false))
	demoted := s.Staff("demoted", app.RoleAdmin)
	must(t, s.Store.Update(ctx, func(tx app.Tx) error {
		st, err := tx.Staff("demoted")
		if err != nil {
			return err
		}
		st.Role = app.RoleClerk
		return tx.UpdateStaff(st)
	}))
	cases := map[string]app.Actor{
		"disabled":                   gone,
		"demoted (claims admin)":     demoted,
		"never made":                 {User: "intruder", Role: app.RoleAdmin},
		"no name":                    {Role: app.RoleAdmin},
		"the admin, as a wrong role": {User: s.Admin.User, Role: app.RoleClerk},
	}
	for name, actor := range cases {
		for _, m := range actorUseCases() {
			if accessWant[m.Name] == nil {
				continue
			}
			before := s.Ledger()
			if err := call(s, m, actor); !errors.Is(err, app.CodeSessionEnded) {
				t.Errorf("%s: %s: got %v, want SESSION_ENDED", name, m.Name, err)
			}
			if after := s.Ledger(); !unchangedBut(m.Name, before, after) {
				t.Errorf("%s: %s changed the ledger", name, m.Name)
			}
		}
	}
}

// Field names that sound like secrets and are not: counts and limits of wrong PINs and
// passwords, the key of an exceptions case.
var notSecret = map[string]bool{"WrongPINs": true, "MaxWrongPINs": true, "MaxWrongPasswords": true, "CaseKey": true}

// Nothing that leaves the ledger for a screen carries a secret or a hash: no result of a
// Desk method has a field named like one. (Fresh device secrets are returned as a bare
// []byte by RegisterDevice and RotateDeviceSecret, once, for provisioning the POS. CardKeys
// returns one card's sector keys by design, to the desk's card station and never a screen;
// its rules and audit are app/cardkeys.go's, tested in cardkeys_test.go.)
func TestAccess_NoSecretReachesADesk(t *testing.T) {
	desk := reflect.TypeOf((*app.Desk)(nil)).Elem()
	var bad []string
	seen := map[reflect.Type]bool{}
	var walk func(path string, t reflect.Type)
	walk = func(path string, t reflect.Type) {
		if seen[t] {
			return
		}
		seen[t] = true
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			walk(path, t.Elem())
		case reflect.Struct:
			for i := 0; i < t.NumField(); i++ {
				f := t.Field(i)
				n := strings.ToLower(f.Name)
				if notSecret[f.Name] {
					n = ""
				}
				for _, word := range []string{"secret", "hash", "pin", "password", "key"} {
					if strings.Contains(n, word) {
						bad = append(bad, path+"."+f.Name)
					}
				}
				walk(path+"."+f.Name, f.Type)
			}
		}
	}
	for i := 0; i < desk.NumMethod(); i++ {
		m := desk.Method(i)
		for j := 0; j < m.Type.NumOut(); j++ {
			walk(m.Name, m.Type.Out(j))
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Fatalf("results of app.Desk carry secrets: %s", strings.Join(bad, ", "))
	}
	if len(seen) < 20 {
		t.Fatalf("walked only %d types: the walk is broken", len(seen))
	}
}
