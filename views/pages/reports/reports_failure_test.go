package reports_test

import (
	"cardcenter/views/pages/reports"
	"errors"
	"strings"
	"testing"

	"cardcenter/app"
	"cardcenter/views/viewtest"
)

// A report the ledger cannot give (the database stopped answering) is said on the screen,
// and the next reload shows the figures.
func TestReportFailureThenReload(t *testing.T) {
	d := viewtest.New(t, app.Actor{User: "fin", Role: app.RoleSupervisor}, "en")
	faulty := viewtest.NewFaultyDesk(d.C.Svc)
	d.C.Svc = faulty
	faulty.Fail("Report", errors.New("database is locked"), true)
	p := reports.New(d.C)
	p.SetSize(viewtest.Width, viewtest.Height-3)
	p = viewtest.RunPageCmd(p, p.Init())
	viewtest.Want(t, p, "database is locked")
	p = viewtest.RunPageCmd(p, nil)
	p = viewtest.Keys(p, "r")
	s := viewtest.PageScreen(p)
	if strings.Contains(s, "database is locked") {
		t.Fatalf("the reload still shows the failure:\n%s", s)
	}
}
