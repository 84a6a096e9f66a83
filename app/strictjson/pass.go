package strictjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf8"
)

// Refusal says where a body breaks its schema and why; each protocol turns it into its own
// MALFORMED_REQUEST.
type Refusal struct {
	Path, Why string
}

// Pass is one token-level check of a body against schemas, under a protocol's rules.
// encoding/json alone takes the last of two duplicate keys, matches keys case-insensitively,
// replaces invalid UTF-8 with U+FFFD, leaves a missing field at zero and reads null as
// "leave it": each would let a body mean something other than what its sender meant. So a
// body is unmarshalled only after a pass has accepted it.
type Pass struct {
	rules Rules
	noun  string // "body", "message": what a refusal calls the whole
	body  []byte
	dec   *json.Decoder
}

// NewPass starts a pass over body; noun is what refusals call it.
func (r Rules) NewPass(body []byte, noun string) *Pass {
	p := &Pass{rules: r, noun: noun, body: body, dec: json.NewDecoder(bytes.NewReader(body))}
	p.dec.UseNumber()
	return p
}

// Offset is how many bytes of the body the pass has read.
func (p *Pass) Offset() int64 { return p.dec.InputOffset() }

// More says whether the array or object being read has another element.
func (p *Pass) More() bool { return p.dec.More() }

// Token reads the next token and the raw bytes it came from (with any separator before it).
func (p *Pass) Token(path string) (json.Token, []byte, *Refusal) {
	tok, raw, why := Next(p.dec, p.body)
	if why == "ends early" {
		why = p.noun + " ends early"
	}
	if why != "" {
		return nil, nil, &Refusal{path, why}
	}
	return tok, raw, nil
}

// End refuses anything after the value read.
func (p *Pass) End(path string) *Refusal {
	if _, err := p.dec.Token(); err != io.EOF {
		return &Refusal{path, "trailing data after the " + p.noun}
	}
	return nil
}

// Whole checks that body is one value of s and nothing else.
func (r Rules) Whole(body []byte, s *Schema, path, noun string) *Refusal {
	p := r.NewPass(body, noun)
	if bad := p.Value(s, path); bad != nil {
		return bad
	}
	return p.End(path)
}

// Value checks the next value of the body against s.
func (p *Pass) Value(s *Schema, path string) *Refusal {
	if s.Kind == Raw {
		if !p.dec.More() {
			return &Refusal{path, "missing value"}
		}
		var raw json.RawMessage
		if err := p.dec.Decode(&raw); err != nil {
			return &Refusal{path, "not JSON"}
		}
		return nil
	}
	tok, raw, bad := p.Token(path)
	if bad != nil {
		return bad
	}
	why := ""
	switch s.Kind {
	case String, Time:
		var str string
		if str, why = Text(tok, raw, s.Limit, p.rules.Multiline); why == "" && s.Kind == Time {
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				why = "want an RFC 3339 time"
			}
		}
	case Int, Uint:
		why = integer(tok, s)
	case Bool:
		if _, ok := tok.(bool); !ok {
			why = "want true or false, got " + Describe(tok)
		}
	case Array:
		if tok == nil && p.rules.NullArray {
			return nil
		}
		return p.array(tok, s, path)
	case Object:
		return p.object(tok, s, path)
	default:
		why = "unexpected value"
	}
	if why != "" {
		return &Refusal{path, why}
	}
	return nil
}

func integer(tok json.Token, s *Schema) string {
	num, ok := tok.(json.Number)
	if !ok {
		return "want an integer, got " + Describe(tok)
	}
	var err error
	if s.Kind == Int {
		_, err = strconv.ParseInt(string(num), 10, s.Bits)
	} else {
		_, err = strconv.ParseUint(string(num), 10, s.Bits)
	}
	if err != nil {
		return fmt.Sprintf("want an integer of %d bits, got %s", s.Bits, Clip(string(num), 24))
	}
	return ""
}

func (p *Pass) array(tok json.Token, s *Schema, path string) *Refusal {
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return &Refusal{path, "want an array, got " + Describe(tok)}
	}
	for i := 0; p.dec.More(); i++ {
		if i >= s.Limit {
			return &Refusal{path, fmt.Sprintf("more than %d elements", s.Limit)}
		}
		if bad := p.Value(s.Elem, path+"["+strconv.Itoa(i)+"]"); bad != nil {
			return bad
		}
	}
	_, _, bad := p.Token(path) // the closing ']'
	return bad
}

func (p *Pass) object(tok json.Token, s *Schema, path string) *Refusal {
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return &Refusal{path, "want an object, got " + Describe(tok)}
	}
	seen := make([]bool, len(s.Fields))
	for p.dec.More() {
		ktok, kraw, bad := p.Token(path)
		if bad != nil {
			return bad
		}
		key, _ := ktok.(string) // encoding/json only yields string keys here
		if !utf8.Valid(kraw) {
			return &Refusal{Join(path, "?"), "field name not valid UTF-8"}
		}
		fpath := Join(path, key)
		i := s.field(key)
		if i < 0 {
			// Exact match only: "AMOUNT" is not "amount", "cardno" is not "CardNo".
			return &Refusal{fpath, "unknown field (names are exact, case included)"}
		}
		if seen[i] {
			return &Refusal{fpath, "duplicate field"}
		}
		seen[i] = true
		if bad := p.Value(s.Fields[i].Schema, fpath); bad != nil {
			return bad
		}
	}
	if _, _, bad := p.Token(path); bad != nil { // the closing '}'
		return bad
	}
	for i, f := range s.Fields {
		if f.Required && !seen[i] {
			return &Refusal{Join(path, f.Name), "missing field"}
		}
	}
	return nil
}
