package app_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
)

// adminOp is one admin change, run as actor.
type adminOp struct {
	name, action, subject string
	run                   func(a app.Actor) error
}

// adminOps are every admin change of the app, in an order that works when all succeed.
func adminOps(s *apptest.Site) []adminOp {
	op1 := s.Ops[1].ID
	var op9 int64
	return []adminOp{
		{"register device", "device_register", "device:P3", func(a app.Actor) error {
			_, _, err := s.Svc.RegisterDevice(ctx, a, app.DeviceInput{ID: "P3", Name: "二食堂充值机", Model: app.ModelRechargePOS, Location: "二食堂"})
			return err
		}},
		{"update device", "device_update", "device:P3", func(a app.Actor) error {
			return s.Svc.UpdateDevice(ctx, a, app.DeviceInput{ID: "P3", Name: "二食堂充值机2", Model: app.ModelRechargePOS, Location: "二食堂东"})
		}},
		{"disable device", "device_enable", "device:P3", func(a app.Actor) error { return s.Svc.SetDeviceEnabled(ctx, a, "P3", false) }},
		{"issue card", "card_issue", "card:U900001", func(a app.Actor) error {
			_, err := s.Svc.IssueCard(ctx, a, app.IssueCardInput{HolderNo: "S900001", HolderName: "新生", CardNo: "U900001", UID: "C0FFEE01"})
			return err
		}},
		{"card status", "card_status", "card:U900001", func(a app.Actor) error {
			return s.Svc.SetCardStatus(ctx, a, "U900001", app.CardFrozen)
		}},
		{"create operator", "operator_create", "operator:OP09", func(a app.Actor) error {
			o, err := s.Svc.CreateOperator(ctx, a, app.OperatorInput{OpNo: "OP09", Name: "充值员9", PIN: "2468", Enabled: true})
			op9 = o.ID
			return err
		}},
		{"update operator", "operator_update", fmt.Sprintf("operator:%d", op1), func(a app.Actor) error {
			return s.Svc.UpdateOperator(ctx, a, app.OperatorInput{ID: op1, OpNo: "OP02", Name: "充值员二", DailyMax: 500 * yuan, Merchant: true, Enabled: true})
		}},
		{"reset PIN", "operator_reset_pin", fmt.Sprintf("operator:%d", op1), func(a app.Actor) error { return s.Svc.ResetPIN(ctx, a, op1, "97531") }},
		{"unbind card", "card_unbind", fmt.Sprintf("operator:%d", op1), func(a app.Actor) error { return s.Svc.UnbindCard(ctx, a, op1) }},
		{"bind card", "card_bind", "card:" + apptest.AuthCard(1), func(a app.Actor) error {
			if op9 == 0 {
				// Refused earlier (role check): bind to an operator that exists.
				return s.Svc.BindCard(ctx, a, op1, apptest.AuthCard(1))
			}
			return s.Svc.BindCard(ctx, a, op9, apptest.AuthCard(1))
		}},
		{"create staff", "staff_create", "staff:clerk2", func(a app.Actor) error {
			return s.Svc.CreateStaff(ctx, a, "clerk2", "柜员二", app.RoleClerk, "clerk-pass-2")
		}},
		{"reset staff password", "staff_reset_password", "staff:clerk2", func(a app.Actor) error {
			return s.Svc.ResetStaffPassword(ctx, a, "clerk2", "clerk-pass-2")
		}},
		{"unlock staff", "staff_unlock", "staff:clerk2", func(a app.Actor) error { return s.Svc.UnlockStaff(ctx, a, "clerk2") }},
		{"staff role", "staff_role", "staff:clerk2", func(a app.Actor) error { return s.Svc.SetStaffRole(ctx, a, "clerk2", app.RoleClerk) }},
		{"disable staff", "staff_enable", "staff:clerk1", func(a app.Actor) error { return s.Svc.SetStaffEnabled(ctx, a, "clerk1", false) }},
	}
}

func TestAudit_EveryAdminChangeAndRepairSaysWhoAndWhen(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	root := s.Staff("root2", app.RoleAdmin) // not the fixture's admin: the log must name who
	for _, op := range adminOps(s) {
		s.Clock.Advance(time.Minute)
		n := s.Ledger().Audit
		must(t, op.run(root))
		a := s.LastAudit()
		if s.Ledger().Audit != n+1 || a.Actor != "root2" || !a.At.Equal(s.Clock.Now()) || a.Action != op.action || a.Subject != op.subject {
			t.Fatalf("%s: audit %+v (count %d → %d), want %s %s by root2 at %v", op.name, a, n, s.Ledger().Audit, op.action, op.subject, s.Clock.Now())
		}
	}
	// The detail says what changed.
	es, err := s.Svc.Audit(ctx, app.SystemActor, 100)
	must(t, err)
	details := map[string]string{}
	for _, e := range es { // newest first: keep the newest of each action
		if _, ok := details[e.Action]; !ok {
			details[e.Action] = e.Detail
		}
	}
	for action, want := range map[string]string{
		"card_status":     "normal→frozen",
		"device_enable":   "enabled=false",
		"operator_update": "daily_max=50000",
		"card_bind":       "operator:OP09",
		"staff_create":    "role=clerk",
	} {
		if !strings.Contains(details[action], want) {
			t.Fatalf("%s detail %q, want it to say %q", action, details[action], want)
		}
	}
	// The disabled clerk can no longer log in; the new one can.
	_, err = s.Svc.Login(ctx, "clerk1", "clerk-pass-1")
	wantCode(t, err, app.CodeBadCredentials)
	who, err := s.Svc.Login(ctx, "clerk2", "clerk-pass-2")
	must(t, err)
	if who.User != "clerk2" || who.Role != app.RoleClerk || who.Session == "" {
		t.Fatalf("login %+v", who)
	}

	// Desk repairs: the intent and the outcome, each with the clerk and the time.
	req, res := s.Recharge(s.Authorize("P1", 0), apptest.UserCard(0), 10*yuan)
	_, err = s.Svc.Cancel(ctx, app.CancelRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: req.Serial, CardNo: req.CardNo, Amount: req.Amount})
	must(t, err)
	s.Clock.Advance(time.Hour)
	who, err = s.Svc.Login(ctx, "clerk2", "clerk-pass-2") // an hour idle ended the first session
	must(t, err)
	rp, _, err := s.Svc.BeginRepair(ctx, who, res.RechargeID, app.CardSnapshot{Balance: 3 * yuan, Counter: 7})
	must(t, err)
	a := s.LastAudit()
	subject := fmt.Sprintf("recharge:%d", res.RechargeID)
	if a.Action != "repair_intent" || a.Actor != "clerk2" || a.Subject != subject || !a.At.Equal(s.Clock.Now()) || !strings.Contains(a.Detail, "balance 300 counter 7") {
		t.Fatalf("intent audit %+v", a)
	}
	s.Clock.Advance(time.Minute)
	_, err = s.Svc.CompleteRepair(ctx, who, rp.ID, app.RepairWritten, app.CardSnapshot{Balance: 13 * yuan, Counter: 8})
	must(t, err)
	a = s.LastAudit()
	if a.Action != "repair_written" || a.Actor != "clerk2" || a.Subject != subject || !a.At.Equal(s.Clock.Now()) || !strings.Contains(a.Detail, rp.Ref) {
		t.Fatalf("completion audit %+v", a)
	}
	// A resumed intent is not a change and writes nothing.
	n := s.Ledger().Audit
	_, _, err = s.Svc.BeginRepair(ctx, who, res.RechargeID, app.CardSnapshot{})
	wantCode(t, err, app.CodeAlreadyRepaired)
	if s.Ledger().Audit != n {
		t.Fatal("a refused repair was audited as a change")
	}
}

// The audit log is append-only in the schema: not even SQL can edit or delete it.
func TestAudit_AppendOnlyInTheDatabase(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	before := s.LastAudit()
	n := s.Ledger().Audit
	for _, q := range []string{
		`UPDATE audit_log SET actor = 'someone else'`,
		`UPDATE audit_log SET detail = '' WHERE id = (SELECT MAX(id) FROM audit_log)`,
		`DELETE FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log)`,
		`DELETE FROM audit_log`,
	} {
		_, err := s.RawDB().Exec(q)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Fatalf("%q: %v, want the append-only refusal", q, err)
		}
	}
	if s.Ledger().Audit != n || s.LastAudit() != before {
		t.Fatalf("audit log changed: %+v", s.LastAudit())
	}
}

// Only admins change devices, cards, operators, bindings and staff; a refusal changes nothing.
func TestAdmin_OnlyAdminsChangeMasterData(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	boss := s.Staff("boss", app.RoleSupervisor)
	before := s.Ledger()
	for _, actor := range []app.Actor{s.Clerk, boss} {
		for _, op := range adminOps(s) {
			wantCode(t, op.run(actor), app.CodePermission)
		}
	}
	// Nor anyone the ledger has no account for, whatever role they claim.
	for _, actor := range []app.Actor{{User: "anon"}, {User: "x", Role: "root"}, {User: "ghost", Role: app.RoleAdmin}} {
		for _, op := range adminOps(s) {
			wantCode(t, op.run(actor), app.CodeSessionEnded)
		}
	}
	if after := s.Ledger(); after != before {
		t.Fatalf("refused admin changes changed the ledger:\n%+v\n%+v", before, after)
	}
	// And the same list does go through for an admin (the refusals were about the role).
	for _, op := range adminOps(s) {
		must(t, op.run(s.Admin))
	}
}
