package deskapi_test

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/deskapi"
	"cardcenter/app/deskapi/deskapitest"
	"cardcenter/app/posapi"
)

// roleFixture is a fresh site on a host, with what the desk calls act on: a recharge awaiting
// the desk (cancelled at the POS), the virtual card it is for as the desk reads it, a repair
// intent of another recharge, and a clerk account "target" for the staff calls to change.
type roleFixture struct {
	w        *world
	recharge int64         // awaiting the desk
	facts    app.CardFacts // the card of that recharge, as read at the desk
	repair   int64         // an open intent (a second recharge, started in process)
	repaired int64         // the recharge of that intent
	after    app.CardSnapshot
}

func newRoleFixture(t *testing.T) *roleFixture {
	t.Helper()
	ctx := context.Background()
	w := newWorld(t)
	f := &roleFixture{w: w}
	first := w.cancelled(50 * app.Yuan)
	second := w.cancelled(10 * app.Yuan)
	r1, ok1 := w.site.RechargeByKey("P1", first.Serial)
	r2, ok2 := w.site.RechargeByKey("P1", second.Serial)
	if !ok1 || !ok2 {
		t.Fatal("the cancelled recharges are not in the ledger")
	}
	f.recharge = r1.ID
	var held sync.Mutex
	c, err := w.reader(w.card, &held).Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.facts = app.FactsOf(c, nil)
	rs, err := w.site.Svc.StartRepair(ctx, w.site.Clerk, r2.ID, f.facts)
	if err != nil {
		t.Fatalf("repair intent: %v", err)
	}
	f.repair, f.repaired = rs.Repair.ID, r2.ID
	f.after = app.CardSnapshot{Balance: f.facts.Purse + 10*app.Yuan, Counter: f.facts.Count + 1}
	w.site.Staff("target", app.RoleClerk)
	w.site.Svc.ServeCardKeys(w.key) // the host gives card keys (to the roles that may have them)
	return f
}

// deskArgs are arguments of each Desk method (after ctx and actor) that make sense on a
// roleFixture: called by a role that may, the call does its work (see firstAllowedFails),
// so a refusal that did not hold would show in the ledger as well as in the code. A method
// missing here is called with zero values: the role check comes first in every use case.
var deskArgs = map[string]func(f *roleFixture, a app.Actor) []any{
	"ChangeOwnPassword": func(f *roleFixture, a app.Actor) []any {
		return []any{deskapitest.Password(a.User), a.User + "-pass-2"}
	},
	"CardQuestions":  func(f *roleFixture, _ app.Actor) []any { return []any{apptest.UserCard(0)} },
	"ReadCard":       func(f *roleFixture, _ app.Actor) []any { return []any{f.facts} },
	"StartRepair":    func(f *roleFixture, _ app.Actor) []any { return []any{f.recharge, f.facts} },
	"CompleteRepair": func(f *roleFixture, _ app.Actor) []any { return []any{f.repair, app.RepairWritten, f.after} },
	"AwaitingDesk":   func(f *roleFixture, _ app.Actor) []any { return []any{apptest.UserCard(0)} },
	"RepairOf":       func(f *roleFixture, _ app.Actor) []any { return []any{f.repaired} },
	"ReceiptOf":      func(f *roleFixture, _ app.Actor) []any { return []any{f.repaired} },
	"CardKeys": func(f *roleFixture, _ app.Actor) []any {
		return []any{app.CardKeyRequest{UID: f.facts.UIDHex, CardNo: f.facts.No}}
	},
	"Report":    func(f *roleFixture, _ app.Actor) []any { return []any{f.w.site.Svc.Today(), f.w.site.Svc.Today()} },
	"IsSettled": func(f *roleFixture, _ app.Actor) []any { return []any{f.w.site.Svc.Today()} },
	"Decide": func(f *roleFixture, _ app.Actor) []any {
		return []any{app.DecisionInput{Reason: "核对无误"}} // no such case: refused after the role check
	},
	"Device": func(f *roleFixture, _ app.Actor) []any { return []any{"P1"} },
	"RegisterDevice": func(f *roleFixture, _ app.Actor) []any {
		return []any{app.DeviceInput{ID: "P9", Name: "新充值机", Model: app.ModelRechargePOS, Location: "二食堂"}}
	},
	"UpdateDevice": func(f *roleFixture, _ app.Actor) []any {
		return []any{app.DeviceInput{ID: "P2", Name: "图书馆二楼充值机", Model: app.ModelRechargePOS, Location: "图书馆"}}
	},
	"SetDeviceEnabled":   func(f *roleFixture, _ app.Actor) []any { return []any{"P2", false} },
	"RotateDeviceSecret": func(f *roleFixture, _ app.Actor) []any { return []any{"P2"} },
	"DeviceJournalEnds":  func(f *roleFixture, _ app.Actor) []any { return []any{"P1"} },
	"DeviceLastSerial":   func(f *roleFixture, _ app.Actor) []any { return []any{"P1"} },
	"EndDeviceJournal": func(f *roleFixture, _ app.Actor) []any {
		return []any{"P2", app.JournalRetired, "撤机"}
	},
	"CreateOperator": func(f *roleFixture, _ app.Actor) []any {
		return []any{app.OperatorInput{OpNo: "OP09", Name: "充值员9", PIN: "246810", Enabled: true}}
	},
	"UpdateOperator": func(f *roleFixture, _ app.Actor) []any {
		op := f.w.site.Ops[1]
		return []any{app.OperatorInput{ID: op.ID, OpNo: op.OpNo, Name: "改名", Enabled: true}}
	},
	"ResetPIN":      func(f *roleFixture, _ app.Actor) []any { return []any{f.w.site.Ops[1].ID, "654321"} },
	"BindCard":      func(f *roleFixture, _ app.Actor) []any { return []any{f.w.site.Ops[1].ID, apptest.AuthCard(1)} },
	"UnbindCard":    func(f *roleFixture, _ app.Actor) []any { return []any{f.w.site.Ops[1].ID} },
	"CardByNo":      func(f *roleFixture, _ app.Actor) []any { return []any{apptest.UserCard(0)} },
	"CardDetail":    func(f *roleFixture, _ app.Actor) []any { return []any{apptest.UserCard(0)} },
	"SetCardStatus": func(f *roleFixture, _ app.Actor) []any { return []any{apptest.UserCard(1), app.CardLost} },
	"CreateStaff": func(f *roleFixture, _ app.Actor) []any {
		return []any{"newclerk", "新柜员", app.RoleClerk, "newclerk-pass-1"}
	},
	"SetStaffEnabled":    func(f *roleFixture, _ app.Actor) []any { return []any{"target", false} },
	"SetStaffRole":       func(f *roleFixture, _ app.Actor) []any { return []any{"target", app.RoleSupervisor} },
	"ResetStaffPassword": func(f *roleFixture, _ app.Actor) []any { return []any{"target", "target-pass-2"} },
	"UnlockStaff":        func(f *roleFixture, _ app.Actor) []any { return []any{"target"} },
	"Audit":              func(f *roleFixture, _ app.Actor) []any { return []any{10} },
	"AuditFiltered":      func(f *roleFixture, _ app.Actor) []any { return []any{"", "", 10} },
}

// deskPrepare readies a fixture for one method's calls: BindCard needs an operator without a
// card and a card bound to nobody (operator 1's, unbound).
var deskPrepare = map[string]func(t *testing.T, f *roleFixture){
	"BindCard": func(t *testing.T, f *roleFixture) {
		if err := f.w.site.Svc.UnbindCard(context.Background(), f.w.site.Admin, f.w.site.Ops[1].ID); err != nil {
			t.Fatal(err)
		}
	},
}

// firstAllowedFails: methods whose fixture arguments are refused after the role check even
// for the first role that may call them (the refusal is then the input's, not the role's).
// ReceiptOf: the fixture's only repair is an open intent, which has no receipt yet.
var firstAllowedFails = map[string]app.Code{"Decide": app.CodeNotFound, "ReceiptOf": app.CodeRepairInProgress}

// Issue 11: roles are enforced on the host for every call. Every method of app.Desk that
// takes an actor is called through the desk API's client, on a real TLS socket, by a
// logged-in session of each role (clerk, supervisor, admin); each role apptest.AccessWant
// does not name gets PERMISSION_DENIED and leaves the ledger as it was (but for the audit
// row of a refused key request), and each it names gets past the role check. The roles that
// may not call a method call it first, on a site where its arguments would do real work.
func TestEveryDeskCallAsEveryRole(t *testing.T) {
	ctx := context.Background()
	desk := reflect.TypeFor[app.Desk]()
	client := reflect.TypeFor[*deskapi.Client]()
	actorType := reflect.TypeFor[app.Actor]()
	users := map[app.Role]string{app.RoleClerk: "clerk1", app.RoleSupervisor: "super1", app.RoleAdmin: "admin"}
	called, refused := 0, 0
	for i := 0; i < desk.NumMethod(); i++ {
		dm := desk.Method(i)
		if dm.Type.NumIn() < 2 || dm.Type.In(1) != actorType {
			continue // Settings, Today, Clock, NeedsFirstAdmin, CreateFirstAdmin, Login: TestEveryDeskMethodIsServed
		}
		name := dm.Name
		if _, known := apptest.MayCall(name, app.RoleAdmin); !known {
			t.Errorf("Desk.%s is not in apptest.AccessWant: say who may call it", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			f := newRoleFixture(t)
			f.w.site.Staff("super1", app.RoleSupervisor)
			if prep := deskPrepare[name]; prep != nil {
				prep(t, f)
			}
			cm, ok := client.MethodByName(name)
			if !ok {
				t.Fatalf("*deskapi.Client has no %s", name)
			}
			// The refused roles first, then those that may.
			var order []app.Role
			for _, allowedPass := range []bool{false, true} {
				for _, r := range apptest.Roles {
					if may, _ := apptest.MayCall(name, r); may == allowedPass {
						order = append(order, r)
					}
				}
			}
			firstAllowed := true
			for _, r := range order {
				c, actor := f.w.host.Login(users[r])
				if actor.Role != r || actor.Session == "" {
					t.Fatalf("login %s: %+v", users[r], actor)
				}
				in := []reflect.Value{reflect.ValueOf(c), reflect.ValueOf(ctx), reflect.ValueOf(actor)}
				var args []any
				if mk := deskArgs[name]; mk != nil {
					args = mk(f, actor)
				}
				for j := 3; j < cm.Type.NumIn(); j++ {
					if k := j - 3; k < len(args) {
						in = append(in, reflect.ValueOf(args[k]).Convert(cm.Type.In(j)))
					} else {
						in = append(in, reflect.Zero(cm.Type.In(j)))
					}
				}
				before := f.w.site.Ledger()
				out := cm.Func.Call(in)
				called++
				var err error
				if e := out[len(out)-1]; !e.IsNil() {
					err = e.Interface().(error)
				}
				may, _ := apptest.MayCall(name, r)
				if !may {
					refused++
					if !errors.Is(err, app.CodePermission) {
						t.Errorf("%s as %s over the wire: got %v, want PERMISSION_DENIED", name, r, err)
					}
					if after := f.w.site.Ledger(); !apptest.UnchangedBut(name, before, after) {
						t.Errorf("%s as %s: refused, yet the ledger changed:\n%+v\n%+v", name, r, before, after)
					}
					continue
				}
				for _, code := range []app.Code{app.CodePermission, app.CodeSessionEnded, posapi.CodeUnauthenticated} {
					if errors.Is(err, code) {
						t.Errorf("%s as %s over the wire: refused (%v), want allowed", name, r, err)
					}
				}
				if firstAllowed && deskArgs[name] != nil {
					want, listed := firstAllowedFails[name]
					switch {
					case !listed && err != nil:
						t.Errorf("%s as %s with the fixture's arguments: %v, want done (the arguments should do work)", name, r, err)
					case listed && want != "" && !errors.Is(err, want):
						t.Errorf("%s as %s: %v, want %s", name, r, err, want)
					}
				}
				firstAllowed = false
			}
		})
	}
	if called < 3*40 || refused < 40 {
		t.Fatalf("%d calls, %d of them refused: the reflection over app.Desk is broken", called, refused)
	}
}
