package posapi

import (
	"encoding/json"
	"reflect"
	"strconv"

	"cardcenter/app"
	"cardcenter/app/strictjson"
)

// The strict decoder: every body first goes through a token-level pass against a schema
// built from the request type (strictjson), and only a body that passes is unmarshalled.
//
// The schema comes from the struct tags: the json name; `limit:"N"` is the longest string
// in characters (Unicode code points) or the most elements of an array, and is required on
// every string and array; a field is required unless its json tag says omitempty.
// docs/pos-protocol.md lists every field with its limit
// (TestProtocolDocListsEveryFieldWithItsLimit keeps the two in step).
var wireRules = strictjson.Rules{Who: "posapi"}

// schemaFor builds the schema of a request type. It panics on a type it cannot describe:
// that is a programming error, found when the server is built.
func schemaFor(t reflect.Type) *strictjson.Schema { return wireRules.SchemaFor(t, t.String()) }

// decodeStrict checks body against s and, if it passes, unmarshals it into v. A refusal
// is MALFORMED_REQUEST whose detail starts with the field's path ("records[2].card_no").
func decodeStrict(body []byte, s *strictjson.Schema, v any) *app.Error {
	return decodeAt(body, s, v, "")
}

// decodeAt is decodeStrict for a value that sits at path inside a larger message.
func decodeAt(body []byte, s *strictjson.Schema, v any, path string) *app.Error {
	if bad := wireRules.Whole(body, s, path, "message"); bad != nil {
		return malformed(bad.Path, bad.Why)
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
