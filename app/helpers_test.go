package app_test

import (
	"context"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
)

var ctx = context.Background()

const yuan = app.Yuan

func wantCode(t testing.TB, err error, code app.Code) *app.Error {
	t.Helper()
	return apptest.WantCode(t, err, code)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// reportOf is the report of settlement days [from, to], failing the test on error.
func reportOf(t testing.TB, s *apptest.Site, from, to string) app.Report {
	t.Helper()
	rep, err := s.Svc.Report(ctx, app.SystemActor, from, to)
	must(t, err)
	return rep
}

// rowOf returns the report row of operator opNo on day, and whether there is one.
func rowOf(rep app.Report, day, opNo string) (app.ReportRow, bool) {
	for _, r := range rep.Rows {
		if r.Day == day && r.OpNo == opNo {
			return r, true
		}
	}
	return app.ReportRow{}, false
}

// march is that moment of March 2026 in the fixture's zone (Beijing time): the settlement
// tests set the clock around the cut-off of the days they settle.
func march(d, h, m, sec int) time.Time {
	return time.Date(2026, 3, d, h, m, sec, 0, apptest.Start.Location())
}

// rechargedAt is a fresh site on which operator 0, authorized on P1, recharged user card 0
// by amount at that moment.
func rechargedAt(t *testing.T, at time.Time, amount app.Fen) (*apptest.Site, apptest.Session, app.RechargeRequest) {
	t.Helper()
	s := apptest.New(t, apptest.Options{})
	p := s.Authorize("P1", 0)
	s.Clock.Set(at)
	req, _ := s.Recharge(p, apptest.UserCard(0), amount)
	return s, p, req
}

// today is the settlement day of apptest.Start.
const today = "2026-03-02"

// rechargeErr sends a recharge and keeps only its error, for refusals.
func rechargeErr(s *apptest.Site, req app.RechargeRequest) error {
	_, err := s.Svc.Recharge(ctx, req)
	return err
}

func sameRows(a, b []app.ReportRow) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
