package viewtest

import (
	"cardcenter/app"
	"cardcenter/app/apptest"
	"context"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

var Boss = app.Actor{User: "boss", Role: app.RoleSupervisor}

var Supervisor = app.Actor{User: "fin", Role: app.RoleSupervisor}

// ReportsDesk is a site with two operators' day: on 03-02 OP01 books 100 and 50 yuan (the
// 50 cancelled: shown, not counted), OP02 books 200 and, at 23:59:30, 30 yuan that its POS
// reverses (processed after midnight, counted on 03-02); on 03-03 OP01 books 10 yuan.
// The clock ends at 03-03 00:01:30, when 03-02 may be settled; settle says whether it is.
func ReportsDesk(t *testing.T, lang string, settle bool) *Desk {
	t.Helper()
	d := New(t, Supervisor, lang)
	d.C.Cards = nil
	s := d.Site
	ctx := context.Background()
	at := func(day, hms string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04:05", day+" "+hms, apptest.Start.Location())
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	p1, p2 := s.Authorize("P1", 0), s.Authorize("P2", 1)
	s.Recharge(p1, apptest.UserCard(0), 100*app.Yuan)
	reqC, _ := s.Recharge(p1, apptest.UserCard(1), 50*app.Yuan)
	_, err := s.Svc.Cancel(ctx, app.CancelRequest{DeviceID: "P1", Serial: s.NextSerial("P1"), OrigSerial: reqC.Serial, CardNo: reqC.CardNo, Amount: reqC.Amount})
	must(err)
	s.Recharge(p2, apptest.UserCard(2), 200*app.Yuan)
	s.Clock.Set(at("2026-03-02", "23:59:30"))
	reqR, _ := s.Recharge(p2, apptest.UserCard(3), 30*app.Yuan)
	_, err = s.Svc.Reverse(ctx, app.ReverseRequest{DeviceID: "P2", Serial: s.NextSerial("P2"), OrigSerial: reqR.Serial, CardNo: reqR.CardNo, Amount: reqR.Amount})
	must(err)
	s.Clock.Set(at("2026-03-03", "00:00:30"))
	s.Recharge(p1, apptest.UserCard(0), 10*app.Yuan)
	s.Clock.Set(at("2026-03-03", "00:01:30"))
	_, err = s.Svc.ApplyDueReversals(ctx)
	must(err)
	if settle {
		res, err := s.Svc.Settle(ctx, s.Admin)
		must(err)
		if len(res.Settled) != 1 {
			t.Fatalf("fixture: settled %+v", res)
		}
	}
	return d
}

// lockStaff types wrong passwords for user until the account locks.
func LockStaff(t *testing.T, s *apptest.Site, user string) {
	t.Helper()
	for i := 0; i < s.Cfg.MaxWrongPasswords; i++ {
		if _, err := s.Svc.Login(context.Background(), user, "wrong-pass-0"); err == nil {
			t.Fatal("a wrong password logged in")
		}
	}
}

func Ctrl(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Mod: tea.ModCtrl} }
