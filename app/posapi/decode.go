package posapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"cardcenter/app"
	"cardcenter/app/strictjson"
)

// The strict decoder. encoding/json alone takes the last of two duplicate keys, matches
// keys case-insensitively, replaces invalid UTF-8 with U+FFFD, leaves a missing field at
// zero and reads null as "leave it": each of those let a body mean something other than
// what its signer saw or meant. So every body first goes through a token-level pass against
// a schema built from the request type, and only a body that passes is unmarshalled.
//
// The schema comes from the struct tags: the json name; `limit:"N"` is the longest string
// in characters (Unicode code points) or the most elements of an array; a field is required
// unless its json tag says omitempty. docs/pos-protocol.md lists every field with its limit
// (TestProtocolDocListsEveryFieldWithItsLimit keeps the two in step).

// kind of a wire value.
type wireKind int

const (
	wireString wireKind = iota
	wireInt
	wireArray // of elem
	wireObject
	wireRaw // any JSON value, checked later by the caller (a batch's records)
)

type wireField struct {
	name     string
	required bool
	schema   *wireSchema
}

type wireSchema struct {
	kind   wireKind
	limit  int // characters of a string, elements of an array; 0 = none
	elem   *wireSchema
	fields []wireField // of an object, in declaration order
}

var rawMessageType = reflect.TypeFor[json.RawMessage]()

// schemaFor builds the schema of a request type. It panics on a type it cannot describe:
// that is a programming error, found when the server is built.
func schemaFor(t reflect.Type) *wireSchema {
	return schemaOf(t, 0)
}

func schemaOf(t reflect.Type, limit int) *wireSchema {
	if t == rawMessageType {
		return &wireSchema{kind: wireRaw}
	}
	switch t.Kind() {
	case reflect.String:
		if limit <= 0 {
			panic(fmt.Sprintf("posapi: string without a limit in %v", t))
		}
		return &wireSchema{kind: wireString, limit: limit}
	case reflect.Int64:
		return &wireSchema{kind: wireInt}
	case reflect.Slice:
		if limit <= 0 {
			panic(fmt.Sprintf("posapi: array without a limit in %v", t))
		}
		return &wireSchema{kind: wireArray, limit: limit, elem: schemaOf(t.Elem(), 0)}
	case reflect.Struct:
		s := &wireSchema{kind: wireObject}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			name, opts, _ := strings.Cut(tag, ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				panic(fmt.Sprintf("posapi: field %s of %v has no json name", f.Name, t))
			}
			lim := strictjson.Limit(f, fmt.Sprintf("posapi: %v", t))
			s.fields = append(s.fields, wireField{name: name, required: !strings.Contains(opts, "omitempty"),
				schema: schemaOf(f.Type, lim)})
		}
		return s
	}
	panic(fmt.Sprintf("posapi: no wire schema for %v", t))
}

// decodeStrict checks body against s and, if it passes, unmarshals it into v. A refusal
// is MALFORMED_REQUEST whose detail starts with the field's path ("records[2].card_no").
func decodeStrict(body []byte, s *wireSchema, v any) *app.Error {
	return decodeAt(body, s, v, "")
}

// decodeAt is decodeStrict for a value that sits at path inside a larger message.
func decodeAt(body []byte, s *wireSchema, v any, path string) *app.Error {
	p := &strictPass{body: body, dec: json.NewDecoder(bytes.NewReader(body))}
	p.dec.UseNumber()
	if err := p.value(s, path); err != nil {
		return err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		return malformed(path, "trailing data after the message")
	}
	if err := json.Unmarshal(body, v); err != nil {
		// The pass above accepts only what Unmarshal takes; reaching here is a bug in it.
		return malformed("", "undecodable: "+err.Error())
	}
	return nil
}

// malformed is the refusal for a field. The detail is bounded: a field path built from an
// attacker's keys is cut, so that a log line or a kept record stays small.
func malformed(path, why string) *app.Error {
	if path == "" {
		return protocolError(CodeMalformed, why)
	}
	return protocolError(CodeMalformed, strictjson.Clip(path, 80)+": "+why)
}

type strictPass struct {
	body []byte
	dec  *json.Decoder
}

// token reads the next token and the raw bytes it came from (with any separator before
// it), so that strings can be checked for valid UTF-8 before encoding/json repairs them.
func (p *strictPass) token(path string) (json.Token, []byte, *app.Error) {
	tok, raw, why := strictjson.Next(p.dec, p.body)
	if why == "ends early" {
		why = "message ends early"
	}
	if why != "" {
		return nil, nil, malformed(path, why)
	}
	return tok, raw, nil
}

func (p *strictPass) value(s *wireSchema, path string) *app.Error {
	if s.kind == wireRaw {
		if !p.dec.More() {
			return malformed(path, "missing value")
		}
		var raw json.RawMessage
		if err := p.dec.Decode(&raw); err != nil {
			return malformed(path, "not JSON")
		}
		return nil
	}
	tok, raw, err := p.token(path)
	if err != nil {
		return err
	}
	switch s.kind {
	case wireString:
		_, why := strictjson.Text(tok, raw, s.limit, false)
		if why != "" {
			return malformed(path, why)
		}
		return nil
	case wireInt:
		num, ok := tok.(json.Number)
		if !ok {
			return malformed(path, "want an integer, got "+strictjson.Describe(tok))
		}
		if _, err := strconv.ParseInt(string(num), 10, 64); err != nil {
			return malformed(path, "want an integer in the int64 range, got "+strictjson.Clip(string(num), 24))
		}
		return nil
	case wireArray:
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
		_, _, err := p.token(path) // the closing ']'
		return err
	case wireObject:
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			return malformed(path, "want an object, got "+strictjson.Describe(tok))
		}
		seen := make([]bool, len(s.fields))
		for p.dec.More() {
			ktok, kraw, err := p.token(path)
			if err != nil {
				return err
			}
			key, _ := ktok.(string) // encoding/json only yields string keys here
			if !utf8.Valid(kraw) {
				return malformed(strictjson.Join(path, "?"), "field name not valid UTF-8")
			}
			i := fieldIndex(s.fields, key)
			if i < 0 {
				// Exact match only: "AMOUNT" is not "amount".
				return malformed(strictjson.Join(path, key), "unknown field (names are lower case and exact)")
			}
			fpath := strictjson.Join(path, key)
			if seen[i] {
				return malformed(fpath, "duplicate field")
			}
			seen[i] = true
			if err := p.value(s.fields[i].schema, fpath); err != nil {
				return err
			}
		}
		if _, _, err := p.token(path); err != nil { // the closing '}'
			return err
		}
		for i, f := range s.fields {
			if f.required && !seen[i] {
				return malformed(strictjson.Join(path, f.name), "missing field")
			}
		}
		return nil
	}
	return malformed(path, "unexpected value")
}

func fieldIndex(fields []wireField, key string) int {
	for i, f := range fields {
		if f.name == key {
			return i
		}
	}
	return -1
}

// offlineRecordSchema is a batch record's: each record is decoded on its own, so that one
// malformed record is refused alone and the rest of the batch goes on (rule 6: a POS must
// get every record of its queue answered, or it blocks behind it).
var offlineRecordSchema = schemaFor(reflect.TypeFor[app.OfflineRecord]())

// batchWire is the batch body as the server first reads it: the records stay raw.
type batchWire struct {
	DeviceID string            `json:"device_id" limit:"64"`
	Records  []json.RawMessage `json:"records" limit:"1000"`
}

// MaxBatchRecords bounds the records of one batch.
const MaxBatchRecords = 1000

// decodeRecords decodes each record strictly; one that does not decode is handed on as
// malformed (with its serial if that much could be read), to be refused and kept alone.
func decodeRecords(raws []json.RawMessage) []app.OfflineRecord {
	out := make([]app.OfflineRecord, len(raws))
	for i, raw := range raws {
		var rec app.OfflineRecord
		if bad := decodeAt(raw, offlineRecordSchema, &rec, "records["+strconv.Itoa(i)+"]"); bad != nil {
			out[i] = app.NewMalformedRecord(serialOf(raw), raw, bad)
			continue
		}
		out[i] = rec
	}
	return out
}

// serialOf reads a malformed record's serial, if it has one that reads as an integer, so
// that the POS can match the answer to its queue.
func serialOf(raw []byte) int64 {
	var probe struct {
		Serial json.Number `json:"serial"`
	}
	if json.Unmarshal(raw, &probe) != nil {
		return 0
	}
	n, err := strconv.ParseInt(string(probe.Serial), 10, 64)
	if err != nil {
		return 0
	}
	return n
}
