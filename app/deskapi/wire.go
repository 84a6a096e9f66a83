package deskapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cardcenter/app"
	"cardcenter/app/posapi"
	"cardcenter/app/strictjson"
)

// The strict decoder of the desk API: the rules of posapi's, over types it builds from the
// app's own argument types by reflection (so a new Desk method is checked without new code).
// encoding/json alone takes the last of two duplicate keys, matches keys case-insensitively,
// replaces invalid UTF-8 with U+FFFD and leaves a missing field at zero: each would let a
// body mean something other than what its sender meant. Here every body first goes through a
// token-level pass against the schema, and only a body that passes is unmarshalled.
//
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

type kind int

const (
	kString kind = iota
	kInt
	kUint
	kBool
	kArray
	kObject
	kTime // an RFC 3339 string, as time.Time encodes itself
)

type field struct {
	name     string
	required bool
	schema   *schema
}

type schema struct {
	kind   kind
	bits   int // of an integer
	limit  int // characters of a string, elements of an array
	elem   *schema
	fields []field
}

var timeType = reflect.TypeFor[time.Time]()

// schemaFor builds the schema of t. It panics on a type it cannot describe (an interface, a
// map, a float, a pointer): that is a programming error, found when the server is built, and
// TestEveryDeskMethodIsServed builds it.
func schemaFor(t reflect.Type) *schema { return schemaOf(t, 0, t.String()) }

func schemaOf(t reflect.Type, limit int, where string) *schema {
	if t == timeType {
		return &schema{kind: kTime, limit: 64}
	}
	switch t.Kind() {
	case reflect.String:
		if limit <= 0 {
			limit = MaxString
		}
		return &schema{kind: kString, limit: limit}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return &schema{kind: kInt, bits: t.Bits()}
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &schema{kind: kUint, bits: t.Bits()}
	case reflect.Bool:
		return &schema{kind: kBool}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			panic(fmt.Sprintf("deskapi: no wire schema for bytes in %s", where))
		}
		if limit <= 0 {
			limit = MaxArray
		}
		return &schema{kind: kArray, limit: limit, elem: schemaOf(t.Elem(), 0, where+"[]")}
	case reflect.Struct:
		s := &schema{kind: kObject}
		addFields(s, t, where)
		return s
	}
	panic(fmt.Sprintf("deskapi: no wire schema for %v in %s", t, where))
}

// addFields adds t's fields as encoding/json names them: the json tag's name or the Go name;
// the fields of an untagged embedded struct in place of it.
func addFields(s *schema, t reflect.Type, where string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" && opts == "" {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			addFields(s, f.Type, where)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		for _, g := range s.fields {
			if g.name == name {
				panic(fmt.Sprintf("deskapi: two fields named %q in %s", name, where))
			}
		}
		lim := strictjson.Limit(f, "deskapi: "+where)
		s.fields = append(s.fields, field{name: name, required: !strings.Contains(opts, "omitempty"),
			schema: schemaOf(f.Type, lim, where+"."+f.Name)})
	}
}

// malformed is the refusal for a field; its detail is bounded (a path built from a
// sender's keys is cut).
func malformed(path, why string) *app.Error {
	if path == "" {
		return refusal(posapi.CodeMalformed, why)
	}
	return refusal(posapi.CodeMalformed, strictjson.Clip(path, 80)+": "+why)
}

// pass is one token-level check of a body.
type pass struct {
	body []byte
	dec  *json.Decoder
}

func newPass(body []byte) *pass {
	p := &pass{body: body, dec: json.NewDecoder(bytes.NewReader(body))}
	p.dec.UseNumber()
	return p
}

// token reads the next token and the raw bytes it came from, so that strings can be checked
// for valid UTF-8 before encoding/json repairs them.
func (p *pass) token(path string) (json.Token, []byte, *app.Error) {
	tok, raw, why := strictjson.Next(p.dec, p.body)
	if why == "ends early" {
		why = "body ends early"
	}
	if why != "" {
		return nil, nil, malformed(path, why)
	}
	return tok, raw, nil
}

func (p *pass) end(path string) *app.Error {
	if _, err := p.dec.Token(); err != io.EOF {
		return malformed(path, "trailing data after the body")
	}
	return nil
}

// value checks the next value of the body against s.
func (p *pass) value(s *schema, path string) *app.Error {
	tok, raw, err := p.token(path)
	if err != nil {
		return err
	}
	switch s.kind {
	case kString, kTime:
		str, why := strictjson.Text(tok, raw, s.limit, true)
		if why != "" {
			return malformed(path, why)
		}
		if s.kind == kTime {
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				return malformed(path, "want an RFC 3339 time")
			}
		}
		return nil
	case kInt, kUint:
		num, ok := tok.(json.Number)
		if !ok {
			return malformed(path, "want an integer, got "+strictjson.Describe(tok))
		}
		var perr error
		if s.kind == kInt {
			_, perr = strconv.ParseInt(string(num), 10, s.bits)
		} else {
			_, perr = strconv.ParseUint(string(num), 10, s.bits)
		}
		if perr != nil {
			return malformed(path, fmt.Sprintf("want an integer of %d bits, got %s", s.bits, strictjson.Clip(string(num), 24)))
		}
		return nil
	case kBool:
		if _, ok := tok.(bool); !ok {
			return malformed(path, "want true or false, got "+strictjson.Describe(tok))
		}
		return nil
	case kArray:
		if tok == nil {
			return nil // a Go client's empty slice
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			return malformed(path, "want an array, got "+strictjson.Describe(tok))
		}
		for i := 0; p.dec.More(); i++ {
			if i >= s.limit {
				return malformed(path, fmt.Sprintf("more than %d elements", s.limit))
			}
			if err := p.value(s.elem, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		_, _, err := p.token(path)
		return err
	case kObject:
		return p.object(tok, s, path)
	}
	return malformed(path, "unexpected value")
}

func (p *pass) object(tok json.Token, s *schema, path string) *app.Error {
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return malformed(path, "want an object, got "+strictjson.Describe(tok))
	}
	seen := make([]bool, len(s.fields))
	for p.dec.More() {
		ktok, kraw, err := p.token(path)
		if err != nil {
			return err
		}
		key, _ := ktok.(string)
		if !utf8.Valid(kraw) {
			return malformed(strictjson.Join(path, "?"), "field name not valid UTF-8")
		}
		i := -1
		for j, f := range s.fields {
			if f.name == key {
				i = j
				break
			}
		}
		fpath := strictjson.Join(path, key)
		if i < 0 {
			// Exact match only: "cardno" is not "CardNo".
			return malformed(fpath, "unknown field (names are exact, case included)")
		}
		if seen[i] {
			return malformed(fpath, "duplicate field")
		}
		seen[i] = true
		if err := p.value(s.fields[i].schema, fpath); err != nil {
			return err
		}
	}
	if _, _, err := p.token(path); err != nil {
		return err
	}
	for i, f := range s.fields {
		if f.required && !seen[i] {
			return malformed(strictjson.Join(path, f.name), "missing field")
		}
	}
	return nil
}

// decodeArgs checks a method's body — a JSON array with exactly one element per argument,
// each against its schema — and returns the arguments. Element i's path is "[i]".
func decodeArgs(body []byte, schemas []*schema, types []reflect.Type) ([]reflect.Value, *app.Error) {
	p := newPass(body)
	tok, _, err := p.token("")
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, malformed("", "want an array of the method's arguments, got "+strictjson.Describe(tok))
	}
	var raws []json.RawMessage
	for i := 0; p.dec.More(); i++ {
		if i >= len(schemas) {
			return nil, malformed("", fmt.Sprintf("more than %d arguments", len(schemas)))
		}
		path := "[" + strconv.Itoa(i) + "]"
		start := p.dec.InputOffset()
		if err := p.value(schemas[i], path); err != nil {
			return nil, err
		}
		raws = append(raws, bytes.TrimLeft(p.body[start:p.dec.InputOffset()], " \t\r\n,"))
	}
	if _, _, err := p.token(""); err != nil {
		return nil, err
	}
	if err := p.end(""); err != nil {
		return nil, err
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
func decodeObject(body []byte, s *schema, v any) *app.Error {
	p := newPass(body)
	if err := p.value(s, ""); err != nil {
		return err
	}
	if err := p.end(""); err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return malformed("", "undecodable: "+strictjson.Clip(err.Error(), 120))
	}
	return nil
}
