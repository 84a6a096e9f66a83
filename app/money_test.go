package app_test

import (
	"testing"

	"cardcenter/app"
)

func TestFormatYuanIsExact(t *testing.T) {
	for f, want := range map[app.Fen]string{0: "0.00", 5: "0.05", 1005: "10.05", -250: "-2.50", 123456789: "1234567.89"} {
		if got := app.FormatYuan(f); got != want {
			t.Errorf("FormatYuan(%d) = %q, want %q", f, got, want)
		}
	}
}
