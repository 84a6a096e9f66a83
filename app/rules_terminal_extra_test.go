package app_test

import (
	"context"
	"strings"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
)

// An authorization card reported lost after the session opened stops that session's
// recharges: whoever holds the card must not book cash in the operator's name.
func TestRule10_LostAuthorizationCardEndsTheOpenSession(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	sess := s.Authorize("P1", 0)
	s.Recharge(sess, apptest.UserCard(0), 10*app.Yuan)
	if err := s.Svc.SetCardStatus(ctx, s.Admin, apptest.AuthCard(0), app.CardLost); err != nil {
		t.Fatal(err)
	}
	_, err := s.Svc.Recharge(ctx, s.RechargeReq(sess, apptest.UserCard(0), 0, 10*app.Yuan))
	ae := apptest.WantCode(t, err, app.CodeCardLost)
	if !strings.Contains(ae.Detail, "authorization") {
		t.Fatalf("detail %q does not say it is the authorization card", ae.Detail)
	}
}

// A malformed record in a batch is acknowledged (the POS's queue must not block on it) and
// kept whole in the audit log, so dropping it loses nothing.
func TestRule06_MalformedUploadedRecordIsKept(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	items, err := s.Svc.BatchUpload(context.Background(), "P1", []app.OfflineRecord{
		{Kind: "refund", Serial: 7, OrigSerial: 3, CardNo: apptest.UserCard(0), Amount: 500},
		{Kind: app.OfflineCancel, Serial: 0, OrigSerial: 3, CardNo: apptest.UserCard(0), Amount: 500},
	})
	if err != nil || len(items) != 2 || !items[0].Accepted || !items[1].Accepted {
		t.Fatalf("items %+v err %v", items, err)
	}
	a := s.LastAudit()
	if a.Action != "batch_record_refused" || !strings.Contains(a.Detail, `"serial":0`) {
		t.Fatalf("last audit %+v", a)
	}
	if n := s.Count(`SELECT COUNT(*) FROM audit_log WHERE action = 'batch_record_refused' AND detail LIKE '%refund%'`); n != 1 {
		t.Fatalf("refund record kept %d times", n)
	}
}
