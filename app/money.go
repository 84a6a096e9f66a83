package app

import (
	"fmt"
	"strconv"
	"strings"
)

// Money has one home: fen as a type of its own, how it is shown and how people type it.
// Every form of the desk, the POS, vcard and the command line parse with ParseYuan or
// ParseWholeYuan, and everything shows money with Fen.String.

// Fen is money: an amount in fen (1 yuan = 100 fen). Never a float.
type Fen int64

// Yuan is 100 fen.
const Yuan Fen = 100

// String shows fen as yuan with two decimals, exactly: 12345 → "123.45", -5 → "-0.05".
func (f Fen) String() string {
	sign := ""
	u := uint64(f)
	if f < 0 {
		sign, u = "-", uint64(-f) // -MinInt64 wraps to itself, and as uint64 it is right
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}

// FormatYuan is f.String(), for the places that format a plain figure.
func FormatYuan(f Fen) string { return f.String() }

// MaxTypedYuan bounds what anyone may type as an amount: more than any purse, any daily
// maximum or any adjustment the ledger takes, far from overflowing.
const MaxTypedYuan = 100_000_000

// ParseYuan reads an amount as people type it — "50", "50.5", "50.05", with an optional
// sign ("-20", "+20") — as fen, exactly: at most two decimals, at most MaxTypedYuan yuan.
func ParseYuan(s string) (Fen, error) {
	s = strings.TrimSpace(s)
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || (dot && frac == "") || !digits(whole) || !digits(frac) {
		return 0, E(CodeBadInput, "amount %q: write yuan, at most two decimals", s)
	}
	y, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || y > MaxTypedYuan {
		return 0, E(CodeBadInput, "amount %q: at most %d yuan", s, MaxTypedYuan)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	c, _ := strconv.ParseInt(frac, 10, 64)
	f := Fen(y)*Yuan + Fen(c)
	if neg {
		f = -f
	}
	return f, nil
}

// ParseWholeYuan reads an amount keyed at a recharge POS: positive whole yuan (rule 11).
func ParseWholeYuan(s string) (Fen, error) {
	f, err := ParseYuan(s)
	switch {
	case err != nil:
		return 0, err
	case f <= 0:
		return 0, E(CodeAmountNotPos, "%s yuan", strings.TrimSpace(s))
	case f%Yuan != 0:
		return 0, E(CodeAmountNotYuan, "%s yuan", strings.TrimSpace(s))
	}
	return f, nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
