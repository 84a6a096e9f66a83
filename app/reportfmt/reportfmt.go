// Package reportfmt lays out the operator cash report (操作员票据现金报表, rule 15) for
// people and files: the flat table of the command line, the traditional 科目 / 摘要 /
// 交易次数 / 收入 / 支出 / 结存 layout finance offices know, CSV (UTF-8 with a BOM, so
// Excel shows the Chinese) and XLSX. It does no I/O of its own beyond the writer it is
// given, and knows nothing of terminals.
package reportfmt

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"cardcenter/app"
)

// t picks the text for lang ("en" or anything else for Chinese).
func t(lang, zh, en string) string {
	if lang == "en" {
		return en
	}
	return zh
}

// Title is the report's name with its range.
func Title(rep app.Report, lang string) string {
	if rep.From == rep.To {
		return t(lang, "操作员票据现金报表  ", "Operator cash report  ") + rep.From
	}
	return t(lang, "操作员票据现金报表  "+rep.From+" ~ "+rep.To, "Operator cash report  "+rep.From+" to "+rep.To)
}

// flatLine is what a cell of the flat table is made from: a day and operator's row, or
// the total (day "合计", no operator, no state).
type flatLine struct {
	day, opNo, name, state string
	r                      app.ReportRow
}

// flatColumn is one column of the flat table: its heading, whether it holds a number
// (right-aligned in the table), and its cell. A new column is one line here.
type flatColumn struct {
	zh, en  string
	numeric bool
	cell    func(flatLine) string
}

func count(n int64) string { return strconv.FormatInt(n, 10) }

var flatColumns = []flatColumn{
	{"结算日", "Day", false, func(l flatLine) string { return l.day }},
	{"操作员号", "Op no", false, func(l flatLine) string { return l.opNo }},
	{"操作员", "Operator", false, func(l flatLine) string { return l.name }},
	{"充值笔数", "Recharges", true, func(l flatLine) string { return count(l.r.Recharges.Count) }},
	{"充值金额", "Amount", true, func(l flatLine) string { return app.FormatYuan(l.r.Recharges.Amount) }},
	{"冲正笔数", "Reversals", true, func(l flatLine) string { return count(l.r.Reversals.Count) }},
	{"冲正金额", "Amount", true, func(l flatLine) string { return app.FormatYuan(l.r.Reversals.Amount) }},
	{"撤销笔数", "Cancels", true, func(l flatLine) string { return count(l.r.Cancels) }},
	{"迟到冲正笔数", "Late reversals", true, func(l flatLine) string { return count(l.r.LateReversals.Count) }},
	{"迟到冲正金额", "Amount", true, func(l flatLine) string { return app.FormatYuan(l.r.LateReversals.Amount) }},
	{"长短款", "Adjustments", true, func(l flatLine) string { return app.FormatYuan(l.r.Adjustments.Amount) }},
	{"POS现金充值", "POS cash", true, func(l flatLine) string { return app.FormatYuan(l.r.Cash()) }},
	{"状态", "State", false, func(l flatLine) string { return l.state }},
}

// FlatHeadings are the columns of the flat table, one line per day and operator.
func FlatHeadings(lang string) []string {
	out := make([]string, len(flatColumns))
	for i, c := range flatColumns {
		out[i] = t(lang, c.zh, c.en)
	}
	return out
}

// FlatNumeric reports whether column i of the flat table holds a number.
func FlatNumeric(i int) bool { return i >= 0 && i < len(flatColumns) && flatColumns[i].numeric }

// Flat is the report as a flat table: headings, a line per day and operator, the total.
func Flat(rep app.Report, lang string) [][]string {
	state := map[bool]string{true: t(lang, "已结算", "settled"), false: t(lang, "未结算", "live")}
	out := [][]string{FlatHeadings(lang)}
	line := func(l flatLine) []string {
		cells := make([]string, len(flatColumns))
		for i, c := range flatColumns {
			cells[i] = c.cell(l)
		}
		return cells
	}
	for _, r := range rep.Rows {
		out = append(out, line(flatLine{r.Day, r.OpNo, r.OperatorName, state[r.Settled], r}))
	}
	return append(out, line(flatLine{day: t(lang, "合计", "Total"), r: rep.Total}))
}

// WriteCSV writes cells as CSV for Excel: a UTF-8 byte order mark, then CRLF lines, every
// text cell neutralised against formula injection (SafeCell).
func WriteCSV(w io.Writer, cells [][]string) error {
	safe := make([][]string, len(cells))
	for i, row := range cells {
		safe[i] = make([]string, len(row))
		for j, c := range row {
			safe[i][j] = SafeCell(c)
		}
	}
	cells = safe
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.WriteAll(cells); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}
