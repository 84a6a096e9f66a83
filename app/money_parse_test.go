package app_test

import (
	"testing"

	"cardcenter/app"
)

// One parser for every amount people type, at the desk, the POS, vcard and the command
// line: exact, two decimals at most, signed where the form allows it, bounded.
func TestParseYuanIsExactAndBounded(t *testing.T) {
	for in, want := range map[string]app.Fen{"50": 5000, "50.5": 5050, "50.05": 5005, " 0.01 ": 1, "-20": -2000, "+20": 2000,
		"100000000": 100_000_000 * app.Yuan} {
		if got, err := app.ParseYuan(in); err != nil || got != want {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-", "50.", ".5", "50.123", "1e3", "5O", "12,50", "100000001", "99999999999999999999", "--5", "0x10"} {
		if got, err := app.ParseYuan(in); err == nil {
			t.Errorf("ParseYuan(%q) = %d, want a refusal", in, got)
		}
	}
	if _, err := app.ParseWholeYuan("12.50"); err == nil {
		t.Error("the POS took jiao")
	}
	if _, err := app.ParseWholeYuan("0"); err == nil {
		t.Error("the POS took nothing")
	}
	if f, err := app.ParseWholeYuan("30"); err != nil || f != 30*app.Yuan {
		t.Errorf("ParseWholeYuan(30) = %d, %v", f, err)
	}
	for f, want := range map[app.Fen]string{12345: "123.45", -5: "-0.05", 0: "0.00", -9223372036854775808: "-92233720368547758.08"} {
		if got := f.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int64(f), got, want)
		}
	}
}
