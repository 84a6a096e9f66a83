package deskapi_test

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/deskapi"
	"cardcenter/app/posapi"
)

// docs/desk-protocol.md's tables of methods and of types are generated from app.Desk (its
// parameter names from app/deskport.go, its types by reflection, as the server decodes
// them): go test ./app/deskapi -run TestDeskDoc -update-doc rewrites them, and without the
// flag the test fails when they are out of step with the code.
var updateDoc = flag.Bool("update-doc", false, "rewrite the generated tables of docs/desk-protocol.md")

const docPath = "../../docs/desk-protocol.md"

func TestDeskDocListsEveryMethodAndType(t *testing.T) {
	b, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, sec := range []struct{ name, body string }{{"methods", methodsTable(t)}, {"types", typesTable()}} {
		begin, end := "<!-- begin generated "+sec.name+" -->\n", "<!-- end generated "+sec.name+" -->"
		i, j := strings.Index(doc, begin), strings.Index(doc, end)
		if i < 0 || j < i {
			t.Fatalf("%s has no %q … %q", docPath, begin, end)
		}
		if got := doc[i+len(begin) : j]; got != sec.body {
			if !*updateDoc {
				t.Errorf("%s: the generated %s are out of date; run go test ./app/deskapi -run TestDeskDoc -update-doc", docPath, sec.name)
			}
			doc = doc[:i+len(begin)] + sec.body + doc[j:]
		}
	}
	if *updateDoc {
		if err := os.WriteFile(docPath, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// paramNames reads the Desk interface's parameter names from its source.
func paramNames(t *testing.T) map[string][]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../deskport.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok || ts.Name.Name != "Desk" {
			return true
		}
		for _, m := range ts.Type.(*ast.InterfaceType).Methods.List {
			ft, ok := m.Type.(*ast.FuncType)
			if !ok {
				continue
			}
			var names []string
			for _, p := range ft.Params.List {
				for _, n := range p.Names {
					names = append(names, n.Name)
				}
			}
			out[m.Names[0].Name] = names
		}
		return false
	})
	return out
}

var (
	actorT = reflect.TypeFor[app.Actor]()
	timeT  = reflect.TypeFor[time.Time]()
)

func methodsTable(t *testing.T) string {
	names := paramNames(t)
	srv := deskapi.NewServer(newWorld(t).site.Svc, nil)
	desk := reflect.TypeFor[app.Desk]()
	var b strings.Builder
	b.WriteString("| method | body: `[` arguments `]` | result |\n| --- | --- | --- |\n")
	for _, name := range srv.Methods() {
		m, _ := desk.MethodByName(name)
		var args []string
		pn := names[name]
		first := 1
		if m.Type.NumIn() > 1 && m.Type.In(1) == actorT {
			first = 2
		}
		for j := first; j < m.Type.NumIn(); j++ {
			n := "?"
			if j < len(pn) {
				n = pn[j]
			}
			args = append(args, n+" "+wireType(m.Type.In(j)))
		}
		var res []string
		for j := 0; j < m.Type.NumOut()-1; j++ {
			res = append(res, wireType(m.Type.Out(j)))
		}
		result := "`null`"
		switch len(res) {
		case 1:
			result = res[0]
		case 0:
		default:
			result = "`[`" + strings.Join(res, ", ") + "`]`"
		}
		body := "`[]`"
		if len(args) > 0 {
			body = strings.Join(args, ", ")
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", name, body, result)
	}
	return b.String()
}

// wireType names a type as it crosses the wire.
func wireType(t reflect.Type) string {
	if t == timeT {
		return "time"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "integer"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "bytes"
		}
		return wireType(t.Elem()) + "…"
	case reflect.Pointer:
		return wireType(t.Elem()) + " or null"
	case reflect.Struct:
		return "[" + t.Name() + "](#" + strings.ToLower(t.Name()) + ")"
	case reflect.Interface:
		if t.Name() == "CardOnDesk" {
			return "[CardFacts](#cardfacts)"
		}
	}
	return t.String()
}

// typesTable lists every object a method takes or gives, field by field as encoding/json
// names them (embedded structs flattened).
func typesTable() string {
	seen := map[reflect.Type]bool{}
	var order []reflect.Type
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		switch t.Kind() {
		case reflect.Slice, reflect.Pointer:
			walk(t.Elem())
			return
		case reflect.Interface:
			if t.Name() == "CardOnDesk" {
				walk(reflect.TypeFor[app.CardFacts]())
			}
			return
		case reflect.Struct:
		default:
			return
		}
		if t == timeT || seen[t] {
			return
		}
		seen[t] = true
		order = append(order, t)
		for _, f := range fields(t) {
			walk(f.Type)
		}
	}
	desk := reflect.TypeFor[app.Desk]()
	for i := 0; i < desk.NumMethod(); i++ {
		m := desk.Method(i).Type
		for j := 0; j < m.NumIn(); j++ {
			if m.In(j) != actorT && m.In(j).Kind() != reflect.Interface {
				walk(m.In(j))
			}
		}
		for j := 0; j < m.NumOut(); j++ {
			if m.Out(j).Name() != "Settings" {
				walk(m.Out(j))
			}
		}
	}
	walk(reflect.TypeFor[app.Error]())
	sort.Slice(order, func(i, j int) bool { return order[i].Name() < order[j].Name() })
	var b strings.Builder
	for _, t := range order {
		fmt.Fprintf(&b, "#### %s\n\n", t.Name())
		var fs []string
		for _, f := range fields(t) {
			fs = append(fs, "`"+f.Name+"` "+wireType(f.Type))
		}
		b.WriteString(strings.Join(fs, " · ") + "\n\n")
	}
	return b.String()
}

// fields are t's fields as encoding/json sees them: the json name, an embedded struct's
// fields in its place.
func fields(t reflect.Type) []reflect.StructField {
	var out []reflect.StructField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			out = append(out, fields(f.Type)...)
			continue
		}
		if !f.IsExported() || name == "-" {
			continue
		}
		if name != "" {
			f.Name = name
		}
		out = append(out, f)
	}
	return out
}

var codeRow = regexp.MustCompile("(?m)^\\| `([A-Z][A-Z0-9_]*)` \\| ([0-9]{3}|—) \\|")

// docs/desk-protocol.md gives the HTTP status of every code whose status is not 422 (the
// ledger's refusals, listed in docs/pos-protocol.md), and "—" for what a client says of its
// own; a row whose status is not the server's fails.
func TestDeskDocListsEveryStatus(t *testing.T) {
	b, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[app.Code]string{}
	for _, m := range codeRow.FindAllStringSubmatch(string(b), -1) {
		rows[app.Code(m[1])] = m[2]
	}
	clientOnly := map[app.Code]bool{posapi.CodeNoAnswer: true, posapi.CodeBadAnswer: true, app.CodeHostCertMismatch: true, app.CodeHostCertUntrusted: true}
	codes := append(app.Codes(), posapi.CodeUnauthenticated, posapi.CodeMalformed, posapi.CodeBodyTooLarge, posapi.CodeNotFoundPath,
		posapi.CodeNoAnswer, posapi.CodeBadAnswer)
	known := map[app.Code]bool{}
	for _, c := range codes {
		known[c] = true
		want := strconv.Itoa(deskapi.StatusOf(c))
		if clientOnly[c] {
			want = "—"
		}
		got, listed := rows[c]
		switch {
		case listed && got != want:
			t.Errorf("%s: the document says %s, the host sends %s", c, got, want)
		case !listed && want != "422":
			t.Errorf("%s (%s) is not in the document's table of codes", c, want)
		}
	}
	for c := range rows {
		if !known[c] {
			t.Errorf("the document lists %s, which no code declares", c)
		}
	}
}
