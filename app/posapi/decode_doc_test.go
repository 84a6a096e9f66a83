package posapi

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"cardcenter/app/apptest"
	"cardcenter/app/strictjson"
)

// docRows lists the field table of an endpoint as docs/pos-protocol.md must show it.
func docRows(s *strictjson.Schema, prefix string) []string {
	var rows []string
	for _, f := range s.Fields {
		name := prefix + f.Name
		req := "required"
		if !f.Required {
			req = "optional"
		}
		switch f.Schema.Kind {
		case strictjson.String:
			rows = append(rows, fmt.Sprintf("| `%s` | string | at most %d characters | %s |", name, f.Schema.Limit, req))
		case strictjson.Int:
			rows = append(rows, fmt.Sprintf("| `%s` | integer | | %s |", name, req))
		case strictjson.Array:
			rows = append(rows, fmt.Sprintf("| `%s` | array | at most %d elements | %s |", name, f.Schema.Limit, req))
		}
	}
	return rows
}

func TestProtocolDocListsEveryFieldWithItsLimit(t *testing.T) {
	doc, err := os.ReadFile("../../docs/pos-protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(apptest.New(t, apptest.Options{}).Svc, nil)
	paths := make([]string, 0, len(srv.schemas))
	for p := range srv.schemas {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		head := "### `" + p + "`"
		i := strings.Index(string(doc), head)
		if i < 0 {
			t.Errorf("docs/pos-protocol.md has no section %q", head)
			continue
		}
		section := string(doc[i+len(head):])
		if j := strings.Index(section, "\n#"); j >= 0 {
			section = section[:j]
		}
		rows := docRows(srv.schemas[p], "")
		if p == PathBatch {
			rows = append(rows, docRows(offlineRecordSchema, "records[].")...)
		}
		for _, r := range rows {
			if !strings.Contains(section, r) {
				t.Errorf("section %s lacks the row\n%s", head, r)
			}
		}
	}
}
