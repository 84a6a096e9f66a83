package deskapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"

	"cardcenter/app"
	"cardcenter/app/posapi"
	"cardcenter/app/strictjson"
)

// The strict decoder of the desk API: strictjson's pass, over schemas it builds from the
// app's own argument types by reflection (so a new Desk method is checked without new code).
// The app's types carry no wire tags, so the bounds are the package's: a string is at most
// MaxString characters (a `limit:"N"` tag says otherwise), an array at most MaxArray
// elements. Every field of an object must be present; an array may be null (empty).

// MaxString and MaxArray bound every string and array of a request (unless a field's
// `limit` tag says otherwise): far above anything a desk sends, far below what would cost
// the host.
const (
	MaxString = 1000
	MaxArray  = 1000
)

// wireRules are the desk API's: the app's types carry no limit tags, so strings and arrays
// are bounded by default; a note may span lines; a Go client's nil slice is null; a field
// without a json tag goes by its Go name, as encoding/json names it.
var wireRules = strictjson.Rules{Who: "deskapi", DefaultString: MaxString, DefaultArray: MaxArray,
	Multiline: true, NullArray: true, GoNames: true}

// schemaFor builds the schema of t. It panics on a type it cannot describe (an interface, a
// map, a float, a pointer): that is a programming error, found when the server is built, and
// TestEveryDeskMethodIsServed builds it.
func schemaFor(t reflect.Type, where string) *strictjson.Schema { return wireRules.SchemaFor(t, where) }

// malformed is the refusal for a field; its detail is bounded (a path built from a
// sender's keys is cut).
func malformed(path, why string) *app.Error {
	if path == "" {
		return refusal(posapi.CodeMalformed, why)
	}
	return refusal(posapi.CodeMalformed, strictjson.Clip(path, 80)+": "+why)
}

// decodeArgs checks a method's body — a JSON array with exactly one element per argument,
// each against its schema — and returns the arguments. Element i's path is "[i]".
func decodeArgs(body []byte, schemas []*strictjson.Schema, types []reflect.Type) ([]reflect.Value, *app.Error) {
	p := wireRules.NewPass(body, "body")
	tok, _, bad := p.Token("")
	if bad != nil {
		return nil, malformed(bad.Path, bad.Why)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, malformed("", "want an array of the method's arguments, got "+strictjson.Describe(tok))
	}
	var raws []json.RawMessage
	for i := 0; p.More(); i++ {
		if i >= len(schemas) {
			return nil, malformed("", fmt.Sprintf("more than %d arguments", len(schemas)))
		}
		start := p.Offset()
		if bad := p.Value(schemas[i], "["+strconv.Itoa(i)+"]"); bad != nil {
			return nil, malformed(bad.Path, bad.Why)
		}
		raws = append(raws, bytes.TrimLeft(body[start:p.Offset()], " \t\r\n,"))
	}
	if _, _, bad := p.Token(""); bad != nil {
		return nil, malformed(bad.Path, bad.Why)
	}
	if bad := p.End(""); bad != nil {
		return nil, malformed(bad.Path, bad.Why)
	}
	if len(raws) != len(schemas) {
		return nil, malformed("", fmt.Sprintf("%d arguments, want %d", len(raws), len(schemas)))
	}
	out := make([]reflect.Value, len(types))
	for i, t := range types {
		v := reflect.New(t)
		if err := json.Unmarshal(raws[i], v.Interface()); err != nil {
			// The pass accepts only what Unmarshal takes; reaching here is a bug in it.
			return nil, malformed("["+strconv.Itoa(i)+"]", "undecodable: "+strictjson.Clip(err.Error(), 120))
		}
		out[i] = v.Elem()
	}
	return out, nil
}

// decodeObject checks a body that is one object (the login's) and unmarshals it into v.
func decodeObject(body []byte, s *strictjson.Schema, v any) *app.Error {
	if bad := wireRules.Whole(body, s, "", "body"); bad != nil {
		return malformed(bad.Path, bad.Why)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return malformed("", "undecodable: "+strictjson.Clip(err.Error(), 120))
	}
	return nil
}
