package strictjson

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

type note struct {
	Text  string  `json:"text" limit:"8"`
	Tags  []int64 `json:"tags" limit:"2"`
	Count int16   `json:"count"`
	Maybe bool    `json:"maybe,omitempty"`
}

// The rules a protocol states change what a pass accepts; the rest is the same for both.
func TestRulesDecideLinesNullsAndNames(t *testing.T) {
	pos := Rules{Who: "pos"}
	desk := Rules{Who: "desk", DefaultString: 10, DefaultArray: 10, Multiline: true, NullArray: true, GoNames: true}
	s := reflect.TypeFor[note]()
	cases := []struct {
		body      string
		pos, desk string // the refusal's why, or "" for accepted
	}{
		{`{"text":"a","tags":[],"count":1}`, "", ""},
		{`{"text":"a\nb","tags":[],"count":1}`, "control character", ""},
		{`{"text":"a","tags":null,"count":1}`, "want an array, got null", ""},
		{`{"text":"a","tags":[],"count":40000}`, "want an integer of 16 bits, got 40000", "want an integer of 16 bits, got 40000"},
		{`{"text":"a","tags":[],"count":1,"Count":2}`, "unknown field (names are exact, case included)", "unknown field (names are exact, case included)"},
		{`{"text":"a","tags":[],"count":1,"count":2}`, "duplicate field", "duplicate field"},
		{`{"text":"a","tags":[]}`, "missing field", "missing field"},
		{`{"text":"123456789","tags":[],"count":1}`, "9 characters, at most 8", "9 characters, at most 8"},
		{`{"text":"a","tags":[1,2,3],"count":1}`, "more than 2 elements", "more than 2 elements"},
		{`{"text":"a","tags":[],"count":1} x`, "trailing data after the message", "trailing data after the message"},
		{`{"text":"a","tags":[],"count":1`, "message ends early", "message ends early"},
	}
	for _, tc := range cases {
		for _, side := range []struct {
			r    Rules
			want string
		}{{pos, tc.pos}, {desk, tc.desk}} {
			bad := side.r.Whole([]byte(tc.body), side.r.SchemaFor(s, "note"), "", "message")
			got := ""
			if bad != nil {
				got = bad.Why
			}
			if got != side.want {
				t.Errorf("%s on %s: refused %q, want %q", side.r.Who, tc.body, got, side.want)
			}
			if got == "" {
				var v note
				if err := json.Unmarshal([]byte(tc.body), &v); err != nil {
					t.Errorf("%s accepted %s, which encoding/json refuses: %v", side.r.Who, tc.body, err)
				}
			}
		}
	}
}

// A protocol that documents every limit refuses, when the server is built, a type with a
// string or array that has none, and one whose field has no wire name.
func TestMissingLimitsAndNamesArePanicsUnlessDefaulted(t *testing.T) {
	type unbounded struct {
		Name string `json:"name"`
	}
	type unnamed struct {
		Name string `limit:"4"`
	}
	for _, tc := range []struct {
		t    reflect.Type
		want string
	}{{reflect.TypeFor[unbounded](), "string without a limit"}, {reflect.TypeFor[unnamed](), "has no json name"}} {
		func() {
			defer func() {
				if r, _ := recover().(string); !strings.Contains(r, tc.want) {
					t.Errorf("%v: panic %q, want %q", tc.t, r, tc.want)
				}
			}()
			Rules{Who: "pos"}.SchemaFor(tc.t, tc.t.String())
		}()
	}
	s := Rules{Who: "desk", DefaultString: 5, GoNames: true}.SchemaFor(reflect.TypeFor[unnamed](), "unnamed")
	if s.Fields[0].Name != "Name" || s.Fields[0].Schema.Limit != 4 {
		t.Errorf("desk rules: %+v", s.Fields[0])
	}
}
