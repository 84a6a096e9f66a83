package posapi

import (
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"

	"cardcenter/app"
)

// The fuzz targets of the strict decoder, one per endpoint body and one for a batch with
// its records. Seeds: f.Add below and testdata/fuzz/<target>/ (plain `go test` runs both;
// `make fuzz` explores).

// fuzzBody checks one body against the decoder of type T:
//   - it never panics, and a refusal is MALFORMED_REQUEST with a small, valid UTF-8 detail;
//   - what it accepts, encoding/json reads the same way (the strict pass only narrows what
//     is accepted, never changes its meaning), and the value survives a round trip.
func fuzzBody[T any](t *testing.T, body []byte) {
	s := schemaFor(reflect.TypeFor[T]())
	var got T
	if bad := decodeStrict(body, s, &got); bad != nil {
		if bad.Code != CodeMalformed || len(bad.Detail) > 200 || !utf8.ValidString(bad.Detail) {
			t.Fatalf("refusal %s, detail of %d bytes %q", bad.Code, len(bad.Detail), bad.Detail)
		}
		return
	}
	if !utf8.Valid(body) {
		t.Fatalf("accepted invalid UTF-8 %q", body)
	}
	var lax T
	if err := json.Unmarshal(body, &lax); err != nil || !reflect.DeepEqual(lax, got) {
		t.Fatalf("accepted %q as %+v; encoding/json reads %+v (%v)", body, got, lax, err)
	}
	again, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	// Compared as encoded: a raw record (a batch's) is re-encoded by Marshal, compact and
	// with HTML-escaped '&', which is the same JSON in other bytes.
	var round T
	bad := decodeStrict(again, s, &round)
	if third, _ := json.Marshal(round); bad != nil || string(third) != string(again) {
		t.Fatalf("%+v does not survive a round trip (%s): %v", got, again, bad)
	}
}

func seedBodies(f *testing.F, bodies ...string) {
	for _, b := range bodies {
		f.Add([]byte(b))
	}
}

func FuzzDecodeAuthorize(f *testing.F) {
	seedBodies(f, `{"device_id":"P1","serial":1,"card_no":"80000001","pin":"123456"}`,
		`{"device_id":"P1","serial":1,"card_no":"80000001","pin":"123456","pin":"000000"}`)
	f.Fuzz(func(t *testing.T, b []byte) { fuzzBody[app.AuthorizeRequest](t, b) })
}

func FuzzDecodeRecharge(f *testing.F) {
	seedBodies(f, `{"device_id":"P1","serial":2,"batch_no":1,"auth_code":"0123456789abcdef0123456789abcdef","card_no":"20000001","card_balance":0,"card_counter":0,"amount":10000}`,
		`{"device_id":"P1","serial":2,"batch_no":1,"auth_code":"x","card_no":"20000001","card_balance":0,"card_counter":0,"amount":100,"amount":90000}`,
		`{"device_id":"P1","serial":2,"batch_no":1,"auth_code":"x","card_no":"20000001","card_balance":0,"card_counter":0,"AMOUNT":90000}`)
	f.Fuzz(func(t *testing.T, b []byte) { fuzzBody[app.RechargeRequest](t, b) })
}

func FuzzDecodeConfirm(f *testing.F) {
	seedBodies(f, `{"device_id":"P1","serial":3,"orig_serial":2,"card_no":"20000001","amount":10000}`)
	f.Fuzz(func(t *testing.T, b []byte) { fuzzBody[app.ConfirmRequest](t, b) })
}

func FuzzDecodeCancel(f *testing.F) {
	seedBodies(f, `{"device_id":"P1","serial":3,"orig_serial":2,"card_no":"20000001","amount":10000}`)
	f.Fuzz(func(t *testing.T, b []byte) { fuzzBody[app.CancelRequest](t, b) })
}

func FuzzDecodeReverse(f *testing.F) {
	seedBodies(f, `{"device_id":"P1","serial":3,"orig_serial":2,"card_no":"20000001","amount":10000}`,
		`{"device_id":"P1","serial":3,"orig_device_id":"P1","orig_serial":2,"card_no":"20000001","amount":10000}`)
	f.Fuzz(func(t *testing.T, b []byte) { fuzzBody[app.ReverseRequest](t, b) })
}

func FuzzDecodeSummary(f *testing.F) {
	seedBodies(f, `{"device_id":"P1"}`)
	f.Fuzz(func(t *testing.T, b []byte) { fuzzBody[app.SummaryRequest](t, b) })
}

func FuzzDecodeLastSerial(f *testing.F) {
	seedBodies(f, `{"device_id":"P1"}`)
	f.Fuzz(func(t *testing.T, b []byte) { fuzzBody[SerialRequest](t, b) })
}

// FuzzDecodeBatch: the envelope as any body; each record then either decodes strictly (and
// reads as encoding/json reads it) or is handed on as malformed with a bounded fingerprint.
func FuzzDecodeBatch(f *testing.F) {
	seedBodies(f, `{"device_id":"P1","records":[{"kind":"reversal","serial":5,"orig_serial":4,"card_no":"20000001","amount":100}]}`,
		`{"device_id":"P1","records":[{"kind":"cancel","serial":5,"orig_serial":4,"card_no":"2","amount":1,"amount":2},{}]}`,
		`{"device_id":"P1","records":[]}`)
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzBody[batchWire](t, b)
		var env batchWire
		if decodeStrict(b, schemaFor(reflect.TypeFor[batchWire]()), &env) != nil {
			return
		}
		recs := decodeRecords(env.Records)
		if len(recs) != len(env.Records) {
			t.Fatalf("%d records became %d", len(env.Records), len(recs))
		}
		for i, r := range recs {
			if m := r.Malformed; m != nil {
				if m.Refusal.Code != CodeMalformed || len(m.Head) > 3*app.MalformedHeadBytes || !utf8.ValidString(m.Head) ||
					len(m.Refusal.Detail) > 200 || m.Size != len(env.Records[i]) {
					t.Fatalf("record %d: malformed %+v", i, m)
				}
				continue
			}
			var lax app.OfflineRecord
			if err := json.Unmarshal(env.Records[i], &lax); err != nil || !reflect.DeepEqual(lax, r) {
				t.Fatalf("record %d %q read as %+v; encoding/json reads %+v", i, env.Records[i], r, lax)
			}
		}
	})
}
