package posapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/posapi"
)

// Issue 9.3, on the wire: each batch item names its outcome in snake_case, a refused record
// its code and detail, a record set aside its reason.
func TestBatchItemsOnTheWire(t *testing.T) {
	h := newHost(t)
	c := h.client(t, "P1")
	body := []byte(`{"device_id":"P1","records":[` +
		`{"kind":"recharge","serial":7,"orig_serial":0,"card_no":"` + apptest.UserCard(0) + `","amount":1000},` +
		`{"kind":"reversal","serial":8,"orig_serial":3,"card_no":"` + apptest.UserCard(0) + `","amount":1000,"AMOUNT":5},` +
		`{"kind":"reversal","serial":9,"orig_device_id":"P2","orig_serial":3,"card_no":"` + apptest.UserCard(0) + `","amount":1000}]}`)
	status, _, _, blob := h.post(t, posapi.PathBatch, "P1", c.Secret, h.site.Clock.Now(), body)
	var ans struct {
		Result struct {
			Items []map[string]any `json:"items"`
		} `json:"result"`
	}
	if err := json.Unmarshal(blob, &ans); status != 200 || err != nil || len(ans.Result.Items) != 3 {
		t.Fatalf("HTTP %d %s", status, blob)
	}
	want := []map[string]any{
		{"serial": 7.0, "outcome": "refused", "accepted": true, "code": "OFFLINE_RECHARGE_NOT_ALLOWED"},
		{"serial": 8.0, "outcome": "refused", "accepted": true, "code": "MALFORMED_REQUEST"},
		{"serial": 9.0, "outcome": "recorded", "accepted": true, "status": "exception", "reason": "FOREIGN_DEVICE"},
	}
	for i, it := range ans.Result.Items {
		for k, v := range want[i] {
			if it[k] != v {
				t.Errorf("item %d: %s = %v, want %v (%v)", i, k, it[k], v, it)
			}
		}
		if it["zh"] == nil || it["en"] == nil {
			t.Errorf("item %d without its messages: %v", i, it)
		}
	}
	if d, _ := ans.Result.Items[1]["detail"].(string); !strings.HasPrefix(d, "records[1].AMOUNT") {
		t.Errorf("the malformed record's detail does not name the field: %q", d)
	}
}

// A POS reads an older host's items (no outcome, only accepted and code) the way that host
// meant them: recorded, refused, or not taken.
func TestClientReadsBatchItemsOfAnOlderHost(t *testing.T) {
	h := newHost(t)
	c := h.client(t, "P1")
	old := `{"ok":true,"result":{"items":[{"serial":5,"accepted":true,"status":"pending"},` +
		`{"serial":6,"accepted":true,"code":"OFFLINE_RECHARGE_NOT_ALLOWED","zh":"不允许脱机充值","en":"offline recharge is not allowed"},` +
		`{"serial":7,"accepted":false,"code":"UNKNOWN_DEVICE"}]}}`
	now := func() string { return strconv.FormatInt(h.site.Clock.Now().UnixMilli(), 10) }
	c.BaseURL = signingHost(t, c.Secret, http.StatusOK, old, true, now).URL
	res, err := c.Batch(context.Background(), []app.OfflineRecord{{Kind: app.OfflineReversal, Serial: 5, OrigSerial: 4, CardNo: "1", Amount: app.Yuan}})
	if err != nil || len(res.Items) != 3 {
		t.Fatalf("%+v %v", res, err)
	}
	for i, want := range []app.BatchOutcome{app.BatchRecorded, app.BatchRefused, app.BatchNotTaken} {
		if res.Items[i].Outcome != want {
			t.Errorf("item %d: %+v, want %s", i, res.Items[i], want)
		}
	}
}

// A host older than the summary's json names sent "Count" and "Amount": a POS still reads
// its totals.
func TestClientReadsTheSummaryOfAnOlderHost(t *testing.T) {
	h := newHost(t)
	c := h.client(t, "P1")
	old := `{"ok":true,"result":{"operator_no":"OP1","day":"2026-03-02","session":{"recharges":{"Count":2,"Amount":3000},` +
		`"reversals":{"Count":1,"Amount":1000},"late_reversals":{"Count":0,"Amount":0},"cash":2000},"today":{}}}`
	now := func() string { return strconv.FormatInt(h.site.Clock.Now().UnixMilli(), 10) }
	c.BaseURL = signingHost(t, c.Secret, http.StatusOK, old, true, now).URL
	s, err := c.Summary(context.Background())
	if err != nil || s.Session.Recharges != (app.Totals{Count: 2, Amount: 3000}) || s.Session.Reversals != (app.Totals{Count: 1, Amount: 1000}) {
		t.Fatalf("%+v %v", s, err)
	}
}
