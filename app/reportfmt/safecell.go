package reportfmt

import (
	"regexp"
	"strings"
)

// A spreadsheet takes a cell that begins with = + - or @ (and, in some, a tab or a carriage
// return, or the full-width forms an input method types) as a formula, so an operator name
// like `=HYPERLINK("http://…","点此")` that an admin entered would run on the supervisor's PC
// when the export is opened. SafeCell neutralises such a text cell the way the spreadsheets
// themselves do for typed text: a leading apostrophe. A number, negative ones included, is
// left as it is, so money stays a number.
func SafeCell(s string) string {
	if s == "" || isPlainNumber.MatchString(s) {
		return s
	}
	if strings.ContainsRune(formulaStarts, []rune(s)[0]) {
		return "'" + s
	}
	return s
}

const formulaStarts = "=+-@\t\r＝＋－＠"

// isPlainNumber: what Flat and Sheet write for counts and yuan ("-30.00", "1,234.50").
var isPlainNumber = regexp.MustCompile(`^-?[0-9][0-9,]*(\.[0-9]+)?$`)
