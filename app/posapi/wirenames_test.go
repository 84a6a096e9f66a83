package posapi

import (
	"encoding/json"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
)

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// wireNames checks that every field of t that goes on the wire has a json name in
// snake_case, and returns the problems found, each with its path.
func wireNames(t reflect.Type, path string, seen map[reflect.Type]bool) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == reflect.TypeFor[time.Time]() || seen[t] {
		return nil
	}
	seen[t] = true
	var bad []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if !snakeCase.MatchString(name) {
			bad = append(bad, path+"."+f.Name+" has json name "+strconvQuote(name))
			continue
		}
		bad = append(bad, wireNames(f.Type, path+"."+name, seen)...)
	}
	return bad
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

// Issue 9.3: JSON names are snake_case everywhere on the wire — every request, every
// result (the summary's totals were "Count" and "Amount"), every answer.
func TestEveryWireNameIsSnakeCase(t *testing.T) {
	srv := NewServer(apptest.New(t, apptest.Options{}).Svc, nil)
	paths := make([]string, 0, len(srv.results))
	for p := range srv.results {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	if len(paths) != len(srv.schemas) || len(paths) < 9 {
		t.Fatalf("%d endpoints with results, %d with schemas", len(paths), len(srv.schemas))
	}
	types := map[string]reflect.Type{"answer": reflect.TypeFor[Answer](), "batch request": reflect.TypeFor[BatchRequest](),
		"batch item": reflect.TypeFor[app.BatchItem]()}
	for _, p := range paths {
		types[p+" request"], types[p+" result"] = srv.requests[p], srv.results[p]
	}
	for name, ty := range types {
		for _, b := range wireNames(ty, name, map[reflect.Type]bool{}) {
			t.Error(b)
		}
	}
	// And on the wire itself: the summary's totals.
	blob, _ := json.Marshal(app.SummaryTotals{Recharges: app.Totals{Count: 1, Amount: 100}})
	if !strings.Contains(string(blob), `"recharges":{"count":1,"amount":100}`) {
		t.Errorf("summary totals encode as %s", blob)
	}
}
