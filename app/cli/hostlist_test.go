package cli

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"

	"cardcenter/app"
)

// --host takes a comma-separated list, the flag repeated, or both; --pin-sha256 gives one
// fingerprint for all hosts or one per host in order, and nothing else.
func TestHostListFlagsPairHostsWithTheirPins(t *testing.T) {
	fpA := strings.Repeat("AB", 32)
	fpB := strings.Repeat("cd", 32)
	var hosts, pins listFlag
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var(&hosts, "host", "")
	fs.Var(&pins, "pin-sha256", "")
	if err := fs.Parse([]string{"--host", "https://a:8620/, https://b:8620", "--host", "https://c:8620", "--pin-sha256", fpA}); err != nil {
		t.Fatal(err)
	}
	if hosts.String() != "https://a:8620,https://b:8620,https://c:8620" {
		t.Fatalf("hosts %q", hosts.String())
	}
	got, err := pinHosts(hosts, pins, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range got {
		if h.Pin == nil || h.Pin.String() != strings.TrimSuffix(strings.Repeat("AB:", 32), ":") {
			t.Fatalf("%s: pin %v, want the one given for all", h.URL, h.Pin)
		}
	}
	two, err := pinHosts([]string{"https://a:8620", "https://b:8620"}, []string{fpA, fpB}, false)
	if err != nil {
		t.Fatal(err)
	}
	if *two[0].Pin == *two[1].Pin || strings.ToLower(strings.ReplaceAll(two[1].Pin.String(), ":", "")) != fpB {
		t.Fatalf("one pin per host: %v %v", two[0].Pin, two[1].Pin)
	}
	for _, c := range []struct {
		name        string
		hosts, pins []string
	}{
		{"no host", nil, nil},
		{"two pins for three hosts", []string{"https://a", "https://b", "https://c"}, []string{fpA, fpB}},
		{"plain http off this machine", []string{"https://a", "http://b:8620"}, nil},
		{"a pin on plain http", []string{"http://127.0.0.1:8620"}, []string{fpA}},
		{"a bad fingerprint", []string{"https://a"}, []string{"12:34"}},
	} {
		if _, err := pinHosts(c.hosts, c.pins, false); !errors.Is(err, app.CodeBadInput) && !isAppError(err) {
			t.Errorf("%s: want a typed refusal, got %v", c.name, err)
		} else if err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
}

func isAppError(err error) bool { _, ok := app.AsError(err); return ok }
