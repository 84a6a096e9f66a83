package deskapi

import (
	"encoding/json"
	"reflect"
	"testing"

	"cardcenter/app"
	"cardcenter/app/posapi"
)

// FuzzDecodeArgs feeds the strict decoder arbitrary bodies for the arguments of ReadCard
// (the richest: nested objects, arrays, times, an embedded struct) and of CreateStaff
// (four strings, one a typed string). What it checks: no panic; a refusal is
// MALFORMED_REQUEST with a small detail; what it accepts encoding/json encodes and the
// decoder accepts again with the same values.
//
//	go test -run '^$' -fuzz FuzzDecodeArgs -fuzztime 60s ./app/deskapi
func FuzzDecodeArgs(f *testing.F) {
	for _, seed := range []string{
		`[{"UIDHex":"B2000001","No":"20000001","HolderNo":"H","IsBlocked":false,"Purse":1200,"Count":0,"FromBackup":false,"Entries":null,"Answers":[{"DeviceID":"P1","Serial":2,"Amount":5000,"CounterBefore":0,"Holds":false,"ByDesk":false,"ProvesAbsent":true}]}]`,
		`[{"UIDHex":"","No":"","HolderNo":"","IsBlocked":true,"Purse":-1,"Count":9223372036854775807,"FromBackup":true,"Entries":[{"Kind":"recharge","Counter":1,"Amount":100,"BalanceAfter":100,"Serial":1,"At":"2026-03-02T10:00:00+08:00"}],"Answers":[]}]`,
		`["u","d","clerk","p"]`, `["u","d","clerk","p","x"]`, `[]`, `{}`, `[null]`, "[\"\xff\"]", `[{"uidhex":1}]`,
		`[{"UIDHex":"a","UIDHex":"b"}]`, `["a\u0000"]`, `[1e3]`, `[[[[[[[[[[`,
	} {
		f.Add([]byte(seed))
	}
	desk := reflect.TypeFor[app.Desk]()
	var methods []*method
	for _, name := range []string{"ReadCard", "CreateStaff"} {
		m, _ := desk.MethodByName(name)
		methods = append(methods, newMethod(m, reflect.Value{}))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, m := range methods {
			args, bad := decodeArgs(body, m.schemas, m.args)
			if bad != nil {
				if bad.Code != posapi.CodeMalformed || len(bad.Detail) > 400 || bad.ZH == "" || bad.EN == "" {
					t.Fatalf("%s: refusal %+v", m.name, bad)
				}
				continue
			}
			vals := make([]any, len(args))
			for i, a := range args {
				vals[i] = a.Interface()
			}
			again, err := json.Marshal(vals)
			if err != nil {
				t.Fatalf("%s: accepted %q, does not encode: %v", m.name, body, err)
			}
			args2, bad := decodeArgs(again, m.schemas, m.args)
			if bad != nil {
				t.Fatalf("%s: accepted %q, refused its re-encoding %s: %v", m.name, body, again, bad)
			}
			for i := range args {
				if !reflect.DeepEqual(normal(args[i].Interface()), normal(args2[i].Interface())) {
					t.Fatalf("%s: %q and its re-encoding %s differ at [%d]", m.name, body, again, i)
				}
			}
		}
	})
}

// normal compares two decoded values as their encodings (a time's location and an empty
// slice's nil-ness are not what the body said).
func normal(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
