package cli

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
)

// `cardcenter exceptions` lists every open case, as the exceptions desk does, for scripts
// (CSV) and people (a table), and nothing once each is decided.
func TestExceptionsCommandListsOpenCasesUntilDecided(t *testing.T) {
	ctx := context.Background()
	s := apptest.New(t, apptest.Options{})
	sess := s.Authorize("P1", 0)
	req, _ := s.Recharge(sess, apptest.UserCard(0), 30*app.Yuan)
	s.Clock.Advance(s.Cfg.CaseAfter + time.Second)
	conf, _ := s.Recharge(sess, apptest.UserCard(1), 20*app.Yuan)
	if _, err := s.Svc.Confirm(ctx, app.ConfirmRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: conf.Serial,
		CardNo: conf.CardNo, Amount: conf.Amount}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Svc.Reverse(ctx, app.ReverseRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: conf.Serial,
		CardNo: conf.CardNo, Amount: conf.Amount}); err != nil {
		t.Fatal(err)
	}
	s.Store.Close() // the command opens the ledger itself, on the wall clock (long after the fixture's day)

	code, out, errOut := runCmd(t, "exceptions", "--db", s.Path, "--format", "csv", "--lang", "en")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[0][0] != "Case" {
		t.Fatalf("csv %q", recs)
	}
	keys := map[string]bool{}
	for _, r := range recs[1:] {
		keys[r[0]] = true
	}
	if !keys["reversal_not_applied/reversal:1"] || !keys["write_unknown_overdue/recharge:1"] {
		t.Fatalf("cases %v (the pending recharge %d and the reversal after a confirm)", keys, req.Serial)
	}
	code, out, _ = runCmd(t, "exceptions", "--db", s.Path)
	if code != 0 || !strings.Contains(out, "异常处理:待处理 2") || !strings.Contains(out, "冲正未能处理") || !strings.Contains(out, "写卡结果未知过久") {
		t.Fatalf("table: exit %d\n%s", code, out)
	}
	code, _, errOut = runCmd(t, "exceptions", "--db", s.Path, "--format", "xml")
	if code != 2 || !strings.Contains(errOut, "BAD_INPUT") {
		t.Fatalf("bad format: exit %d %s", code, errOut)
	}

	s.Reopen()
	cases, err := s.Svc.Exceptions(ctx, app.SystemActor)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if _, err := s.Svc.Decide(ctx, s.Staff("boss", app.RoleSupervisor), app.DecisionInput{CaseKey: c.Case.Key(),
			Kind: app.DecideClose, Reason: "checked"}); err != nil {
			t.Fatal(err)
		}
	}
	s.Store.Close()
	code, out, _ = runCmd(t, "exceptions", "--db", s.Path, "--lang", "en")
	if code != 0 || !strings.Contains(out, "(no open cases)") {
		t.Fatalf("after the decisions: exit %d\n%s", code, out)
	}
}
