package strictjson

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Kind is what a wire value must be.
type Kind int

const (
	String Kind = iota
	Time        // an RFC 3339 string, as time.Time encodes itself
	Int         // a signed integer of Schema.Bits
	Uint        // an unsigned integer of Schema.Bits
	Bool
	Array  // of Schema.Elem
	Object // of Schema.Fields
	Raw    // any JSON value, checked later by the caller (a POS batch's records)
)

// Field is one member of an object, named exactly as encoding/json names it.
type Field struct {
	Name     string
	Required bool
	Schema   *Schema
}

// Schema is what one value of a body must be.
type Schema struct {
	Kind   Kind
	Bits   int // of an integer
	Limit  int // characters of a string, elements of an array
	Elem   *Schema
	Fields []Field // of an object, in declaration order
}

// Rules are what a protocol allows beyond the schema the types give, and the bounds of a
// field whose `limit:"N"` tag is missing.
type Rules struct {
	Who string // names the protocol in a programming error ("posapi")
	// DefaultString and DefaultArray bound a string or array without a limit tag; 0 makes the
	// tag required (the POS protocol documents every limit, so none may be implicit).
	DefaultString, DefaultArray int
	Multiline                   bool // strings may hold line breaks and tabs (a desk's note), not only text on one line
	NullArray                   bool // null is an empty array (a Go client's nil slice)
	GoNames                     bool // a field without a json name is named as Go names it (else: a programming error)
}

var (
	timeType       = reflect.TypeFor[time.Time]()
	rawMessageType = reflect.TypeFor[json.RawMessage]()
)

// SchemaFor builds the schema of t under r. It panics on a type it cannot describe (an
// interface, a map, a float, a pointer, bytes): that is a programming error, found when the
// server is built.
func (r Rules) SchemaFor(t reflect.Type, where string) *Schema { return r.schemaOf(t, 0, where) }

func (r Rules) schemaOf(t reflect.Type, limit int, where string) *Schema {
	switch t {
	case timeType:
		return &Schema{Kind: Time, Limit: 64}
	case rawMessageType:
		return &Schema{Kind: Raw}
	}
	switch t.Kind() {
	case reflect.String:
		return &Schema{Kind: String, Limit: r.bound(limit, r.DefaultString, "string", where)}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return &Schema{Kind: Int, Bits: t.Bits()}
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &Schema{Kind: Uint, Bits: t.Bits()}
	case reflect.Bool:
		return &Schema{Kind: Bool}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			panic(fmt.Sprintf("%s: no wire schema for bytes in %s", r.Who, where))
		}
		return &Schema{Kind: Array, Limit: r.bound(limit, r.DefaultArray, "array", where),
			Elem: r.schemaOf(t.Elem(), 0, where+"[]")}
	case reflect.Struct:
		s := &Schema{Kind: Object}
		r.addFields(s, t, where)
		return s
	}
	panic(fmt.Sprintf("%s: no wire schema for %v in %s", r.Who, t, where))
}

func (r Rules) bound(limit, def int, what, where string) int {
	if limit > 0 {
		return limit
	}
	if def <= 0 {
		panic(fmt.Sprintf("%s: %s without a limit in %s", r.Who, what, where))
	}
	return def
}

// addFields adds t's fields as encoding/json names them: the json tag's name (or the Go
// name, under GoNames); the fields of an untagged embedded struct in place of it.
func (r Rules) addFields(s *Schema, t reflect.Type, where string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" && opts == "" {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			r.addFields(s, f.Type, where)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			if !r.GoNames {
				panic(fmt.Sprintf("%s: field %s of %s has no json name", r.Who, f.Name, where))
			}
			name = f.Name
		}
		if s.field(name) >= 0 {
			panic(fmt.Sprintf("%s: two fields named %q in %s", r.Who, name, where))
		}
		s.Fields = append(s.Fields, Field{Name: name, Required: !strings.Contains(opts, "omitempty"),
			Schema: r.schemaOf(f.Type, Limit(f, r.Who+": "+where), where+"."+f.Name)})
	}
}

// field is the index of the field named exactly key, or -1.
func (s *Schema) field(key string) int {
	for i, f := range s.Fields {
		if f.Name == key {
			return i
		}
	}
	return -1
}
