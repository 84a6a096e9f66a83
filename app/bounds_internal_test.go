package app

import (
	"math"
	"testing"
)

// A report's totals add up day rows: a sum that would wrap is an error, never a figure.
func TestAddFenRefusesToWrap(t *testing.T) {
	for _, c := range []struct {
		a, b Fen
		ok   bool
	}{
		{1, 2, true}, {math.MaxInt64 - 1, 1, true}, {math.MaxInt64, 1, false}, {math.MaxInt64 / 2, math.MaxInt64/2 + 2, false},
		{math.MinInt64 + 1, -1, true}, {math.MinInt64, -1, false}, {-5, 3, true},
	} {
		got, err := addFen(c.a, c.b)
		if (err == nil) != c.ok || (c.ok && got != c.a+c.b) {
			t.Errorf("addFen(%d, %d) = %d, %v", c.a, c.b, got, err)
		}
	}
}
