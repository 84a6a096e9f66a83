// Package strictjson is the one strict JSON decoder of both protocols — the POS protocol's
// (app/posapi) and the desk API's (app/deskapi): a schema built from Go types (Rules.SchemaFor)
// and a token-level pass over a body against it (Pass), refusing unknown, duplicate and
// missing fields, keys that differ in case, invalid UTF-8, out-of-range integers and values
// beyond their limits before encoding/json sees the body. Each protocol states its Rules and
// turns a Refusal into its own MALFORMED_REQUEST.
package strictjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"unicode/utf8"
)

// Next reads dec's next token with the raw bytes of body it came from (with any separator
// before it); why is non-empty when the body ends early or is not JSON.
func Next(dec *json.Decoder, body []byte) (tok json.Token, raw []byte, why string) {
	start := dec.InputOffset()
	tok, err := dec.Token()
	if err == io.EOF {
		return nil, nil, "ends early"
	}
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, nil, "not JSON at byte " + strconv.FormatInt(se.Offset, 10)
		}
		return nil, nil, "not JSON"
	}
	return tok, body[start:dec.InputOffset()], ""
}

// Join is the path of field key inside path.
func Join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Describe names what a token is, for a refusal.
func Describe(tok json.Token) string {
	switch t := tok.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case json.Delim:
		if t == '[' {
			return "an array"
		}
		return "an object"
	}
	return "something else"
}

// Clip shortens s to at most n bytes, on a rune boundary, marking the cut.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// Text checks a string token against what both protocols allow in text: valid UTF-8 in the
// raw bytes it came from, at most limit characters, and no control character (a line break
// or tab only where multiline allows them). why says what is wrong, or is empty.
func Text(tok json.Token, raw []byte, limit int, multiline bool) (str, why string) {
	str, ok := tok.(string)
	if !ok {
		return "", "want a string, got " + Describe(tok)
	}
	if !utf8.Valid(raw) {
		return "", "not valid UTF-8"
	}
	if n := utf8.RuneCountInString(str); n > limit {
		return "", strconv.Itoa(n) + " characters, at most " + strconv.Itoa(limit)
	}
	for _, r := range str {
		if r < 0x20 && !(multiline && (r == '\n' || r == '\t')) || r == 0x7f {
			return "", "control character"
		}
	}
	return str, ""
}

// Limit is the length bound a struct field's `limit:"N"` tag gives (0: none); a tag that
// is not a positive number is a programming error, found when the schema is built.
func Limit(f reflect.StructField, where string) int {
	l := f.Tag.Get("limit")
	if l == "" {
		return 0
	}
	n, err := strconv.Atoi(l)
	if err != nil || n <= 0 {
		panic(fmt.Sprintf("%s: bad limit %q on field %s", where, l, f.Name))
	}
	return n
}
