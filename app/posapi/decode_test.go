package posapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/posapi"
)

// authorized returns a host whose P1 is authorized, and the body of a good recharge with
// one field spliced by edit (a JSON text fragment, so that tests can send what json.Marshal
// never would).
func authorized(t *testing.T) (*host, []byte, func(fields string) []byte) {
	h, _, auth := authorizedHost(t)
	head := fmt.Sprintf(`{"device_id":"P1","serial":2,"batch_no":%d,"auth_code":%q,"card_balance":0,"card_counter":0`, auth.BatchNo, auth.AuthCode)
	build := func(fields string) []byte { return []byte(head + "," + fields + "}") }
	return h, build(`"card_no":"` + apptest.UserCard(0) + `","amount":10000`), build
}

func TestStrictDecoderRefusesWhatEncodingJSONWouldBend(t *testing.T) {
	h, good, build := authorized(t)
	card := `"card_no":"` + apptest.UserCard(0) + `"`
	cases := []struct {
		name, fields, detail string
	}{
		{"duplicate key, last one wins in encoding/json", card + `,"amount":10000,"amount":9000000`, "amount: duplicate field"},
		{"case variant of a key", card + `,"AMOUNT":9000000`, "AMOUNT: unknown field"},
		{"case variant beside the real key", card + `,"amount":10000,"Amount":9000000`, "Amount: unknown field"},
		{"invalid UTF-8", `"card_no":"2000` + "\xff\xfe" + `001","amount":10000`, "card_no: not valid UTF-8"},
		{"missing field", card, "amount: missing field"},
		{"null number", card + `,"amount":null`, "amount: want an integer, got null"},
		{"fraction", card + `,"amount":10000.5`, "amount: want an integer"},
		{"exponent", card + `,"amount":1e4`, "amount: want an integer"},
		{"number as string", card + `,"amount":"10000"`, "amount: want an integer, got a string"},
		{"string as number", `"card_no":20000001,"amount":10000`, "card_no: want a string, got a number"},
		{"over-long id", `"card_no":"` + strings.Repeat("2", 200<<10) + `","amount":10000`, "card_no: 204800 characters, at most 64"},
		{"control character", `"card_no":"2000\u0000001","amount":10000`, "card_no: control character"},
		{"nested object for a number", card + `,"amount":{"v":1}`, "amount: want an integer, got an object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, ans, hdr, _ := h.post(t, posapi.PathRecharge, "P1", h.client(t, "P1").Secret, h.site.Clock.Now(), build(tc.fields))
			if status != 400 || ans.Code != posapi.CodeMalformed || !strings.HasPrefix(ans.Detail, tc.detail) {
				t.Fatalf("HTTP %d %s %q, want 400 %s %q…", status, ans.Code, ans.Detail, posapi.CodeMalformed, tc.detail)
			}
			if hdr.Get(posapi.HeaderSignature) == "" {
				t.Fatal("the refusal of an authenticated request is unsigned")
			}
			if len(ans.Detail) > 200 {
				t.Fatalf("detail of %d bytes: a refusal must stay small", len(ans.Detail))
			}
		})
	}
	if n := h.site.Count(`SELECT COUNT(*) FROM recharges`); n != 0 {
		t.Fatalf("refused bodies booked %d recharges", n)
	}
	if n := h.site.Count(`SELECT COUNT(*) FROM terminal_answers WHERE serial = 2`); n != 0 {
		t.Fatalf("refused bodies kept %d answers", n)
	}
	// The same key with a good body still books, for the amount it says.
	status, ans, _, _ := h.post(t, posapi.PathRecharge, "P1", h.client(t, "P1").Secret, h.site.Clock.Now(), good)
	if status != 200 || !ans.OK {
		t.Fatalf("good body: HTTP %d %+v", status, ans)
	}
	if got := h.site.Count(`SELECT amount FROM recharges WHERE serial = 2`); got != 10000 {
		t.Fatalf("booked %d fen, want 10000", got)
	}
}

func TestStrictDecoderAppliesToEveryEndpoint(t *testing.T) {
	h := newHost(t)
	secret := h.client(t, "P1").Secret
	for _, path := range []string{posapi.PathAuthorize, posapi.PathRecharge, posapi.PathConfirm, posapi.PathCancel,
		posapi.PathReverse, posapi.PathBatch, posapi.PathSummary, posapi.PathSerial} {
		for name, body := range map[string]string{
			"duplicate device_id": `{"device_id":"P1","device_id":"P1"}`,
			"case variant":        `{"Device_ID":"P1"}`,
			"top-level array":     `[{"device_id":"P1"}]`,
			"trailing data":       `{"device_id":"P1"} {}`,
		} {
			status, ans, _, _ := h.post(t, path, "P1", secret, h.site.Clock.Now(), []byte(body))
			if status != 400 || ans.Code != posapi.CodeMalformed {
				t.Errorf("%s %s: HTTP %d %s %q", path, name, status, ans.Code, ans.Detail)
			}
		}
	}
}

func TestBatchRefusesAMalformedRecordAloneAndKeepsItSmall(t *testing.T) {
	h := newHost(t)
	c := h.client(t, "P1")
	huge := strings.Repeat("9", 200<<10)
	body := `{"device_id":"P1","records":[` +
		`{"kind":"cancel","serial":5,"orig_serial":4,"card_no":"20000001","amount":100,"amount":900000},` +
		`{"kind":"reversal","serial":6,"orig_serial":3,"card_no":"` + huge + `","amount":100},` +
		`{"kind":"reversal","serial":7,"orig_serial":2,"card_no":"20000001","amount":5000}]}`
	status, ans, _, _ := h.post(t, posapi.PathBatch, "P1", c.Secret, h.site.Clock.Now(), []byte(body))
	if status != 200 || !ans.OK {
		t.Fatalf("HTTP %d %+v", status, ans)
	}
	var res posapi.BatchResult
	if err := json.Unmarshal(ans.Result, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 3 {
		t.Fatalf("items %+v", res.Items)
	}
	for i, it := range res.Items[:2] {
		if it.Code != posapi.CodeMalformed || !it.Accepted || it.Serial != int64(5+i) {
			t.Errorf("record %d: %+v, want accepted MALFORMED_REQUEST for serial %d", i, it, 5+i)
		}
	}
	if it := res.Items[2]; it.Code != "" || !it.Accepted || it.Status != string(app.RevPending) {
		t.Errorf("the good record after two bad ones: %+v", it)
	}
	if n := h.site.Count(`SELECT COUNT(*) FROM cancels`); n != 0 {
		t.Fatalf("the record with two amounts was recorded as a cancel (%d)", n)
	}
	if n := h.site.Count(`SELECT COUNT(*) FROM audit_log WHERE action = 'batch_record_refused'`); n != 2 {
		t.Fatalf("%d malformed records kept, want 2", n)
	}
	if n := h.site.Count(`SELECT MAX(length(detail)) FROM audit_log`); n > 600 {
		t.Fatalf("a malformed record is kept as %d bytes: it must stay small", n)
	}
	if n := h.site.Count(`SELECT MAX(length(answer)) FROM terminal_answers`); n > 2048 {
		t.Fatalf("a kept answer of %d bytes", n)
	}
	// The same batch again adds nothing.
	h.site.Clock.Advance(1)
	h.post(t, posapi.PathBatch, "P1", c.Secret, h.site.Clock.Now(), []byte(body))
	if n := h.site.Count(`SELECT COUNT(*) FROM audit_log WHERE action = 'batch_record_refused'`); n != 2 {
		t.Fatalf("uploading again kept %d malformed records, want 2", n)
	}
	// More records than a batch may hold is a malformed batch.
	many := `{"device_id":"P1","records":[` + strings.Repeat(`{},`, posapi.MaxBatchRecords) + `{}]}`
	status, ans, _, _ = h.post(t, posapi.PathBatch, "P1", c.Secret, h.site.Clock.Now(), []byte(many))
	if status != 400 || ans.Code != posapi.CodeMalformed || !strings.HasPrefix(ans.Detail, "records: more than 1000") {
		t.Fatalf("oversized batch: HTTP %d %s %q", status, ans.Code, ans.Detail)
	}
}

// A refusal's detail quotes what the POS sent; whatever reaches the use cases directly, the
// answer kept for ever under the key stays bounded.
func TestKeptRefusalDetailIsBounded(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	sess := s.Authorize("P1", 0)
	req := s.RechargeReq(sess, strings.Repeat("7", 100<<10), 0, 100*app.Yuan)
	if _, err := s.Svc.Recharge(context.Background(), req); err == nil {
		t.Fatal("a recharge for an unknown card was booked")
	}
	if n := s.Count(`SELECT MAX(length(answer)) FROM terminal_answers`); n > 1024 {
		t.Fatalf("kept answer of %d bytes", n)
	}
}
