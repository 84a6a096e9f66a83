package app_test

import (
	"strings"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
)

// Issue 9.3: a batch item says what became of its record — recorded (with the status the
// host gave it, and why it will not be applied if it will not), refused for good (with the
// code), or not taken (send it again) — never "accepted" for a refused record with no
// reason.
func TestBatchItemsSayWhatBecameOfEachRecord(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	sess := s.Authorize("P1", 0)
	reqA, _ := s.Recharge(sess, apptest.UserCard(0), 10*yuan)
	reqB, _ := s.Recharge(sess, apptest.UserCard(1), 20*yuan)
	ser := func() int64 { return s.NextSerial("P1") }
	records := []app.OfflineRecord{
		{Kind: app.OfflineCancel, Serial: ser(), OrigSerial: reqA.Serial, CardNo: reqA.CardNo, Amount: reqA.Amount},
		{Kind: app.OfflineReversal, Serial: ser(), OrigSerial: reqB.Serial, CardNo: reqB.CardNo, Amount: 30 * yuan}, // not B's amount
		{Kind: app.OfflineRecharge, Serial: ser(), OrigSerial: 0, CardNo: reqB.CardNo, Amount: 10 * yuan},
		{Kind: "refund", Serial: ser(), OrigSerial: reqA.Serial, CardNo: reqA.CardNo, Amount: reqA.Amount},
		{Kind: app.OfflineReversal, Serial: ser(), OrigSerial: reqB.Serial, CardNo: reqB.CardNo, Amount: reqB.Amount},
	}
	items, err := s.Svc.BatchUpload(ctx, "P1", records)
	must(t, err)
	type want struct {
		outcome app.BatchOutcome
		status  string
		reason  app.Code
		code    app.Code
		detail  string // a part of the detail
	}
	wants := []want{
		{app.BatchRecorded, string(app.CancelRecorded), "", "", ""},
		{app.BatchRecorded, string(app.RevException), app.CodeRecordMismatch, "", ""},
		{app.BatchRefused, "", "", app.CodeOfflineRecharge, "serial"},
		{app.BatchRefused, "", "", app.CodeBadInput, `"refund"`},
		{app.BatchRecorded, string(app.RevPending), "", "", ""},
	}
	if len(items) != len(wants) {
		t.Fatalf("%d items for %d records", len(items), len(wants))
	}
	for i, it := range items {
		w := wants[i]
		if it.Serial != records[i].Serial || it.Outcome != w.outcome || it.Status != w.status || it.Reason != w.reason ||
			it.Code != w.code || !strings.Contains(it.Detail, w.detail) {
			t.Errorf("item %d: %+v, want %+v", i, it, w)
		}
		// The messages are those of the code, or of the reason of a record not applied.
		why := w.code
		if why == "" {
			why = w.reason
		}
		if m := app.E(why, ""); why != "" && (it.ZH != m.ZH || it.EN != m.EN) || why == "" && (it.ZH != "" || it.EN != "") {
			t.Errorf("item %d: messages %q / %q for %q", i, it.ZH, it.EN, why)
		}
		if it.Accepted != (it.Outcome != app.BatchNotTaken) {
			t.Errorf("item %d: accepted %v with outcome %s", i, it.Accepted, it.Outcome)
		}
	}
	// An unknown device keeps nothing: not taken, and why.
	unk, err := s.Svc.BatchUpload(ctx, "P9", records[:1])
	must(t, err)
	if len(unk) != 1 || unk[0].Outcome != app.BatchNotTaken || unk[0].Accepted || unk[0].Code != app.CodeUnknownDevice || unk[0].EN == "" {
		t.Fatalf("unknown device: %+v", unk)
	}
}
