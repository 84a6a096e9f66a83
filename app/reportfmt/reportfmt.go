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

// FlatHeadings are the columns of the flat table, one line per day and operator.
func FlatHeadings(lang string) []string {
	if lang == "en" {
		return []string{"Day", "Op no", "Operator", "Recharges", "Amount", "Reversals", "Amount", "Cancels",
			"Late reversals", "Amount", "Adjustments", "POS cash", "State"}
	}
	return []string{"结算日", "操作员号", "操作员", "充值笔数", "充值金额", "冲正笔数", "冲正金额", "撤销笔数",
		"迟到冲正笔数", "迟到冲正金额", "长短款", "POS现金充值", "状态"}
}

// FlatNumeric reports whether column i of the flat table holds a number.
func FlatNumeric(i int) bool { return i >= 3 && i < len(FlatHeadings("zh"))-1 }

// Flat is the report as a flat table: headings, a line per day and operator, the total.
func Flat(rep app.Report, lang string) [][]string {
	state := map[bool]string{true: t(lang, "已结算", "settled"), false: t(lang, "未结算", "live")}
	out := [][]string{FlatHeadings(lang)}
	line := func(day, no, name string, r app.ReportRow, st string) []string {
		return []string{day, no, name, strconv.FormatInt(r.Recharges.Count, 10), app.FormatYuan(r.Recharges.Amount),
			strconv.FormatInt(r.Reversals.Count, 10), app.FormatYuan(r.Reversals.Amount), strconv.FormatInt(r.Cancels, 10),
			strconv.FormatInt(r.LateReversals.Count, 10), app.FormatYuan(r.LateReversals.Amount), app.FormatYuan(r.Adjustments.Amount),
			app.FormatYuan(r.Cash()), st}
	}
	for _, r := range rep.Rows {
		out = append(out, line(r.Day, r.OpNo, r.OperatorName, r, state[r.Settled]))
	}
	return append(out, line(t(lang, "合计", "Total"), "", "", rep.Total, ""))
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
