package reportfmt

import (
	"slices"
	"strconv"
	"strings"

	"cardcenter/app"
)

// Kind is what a line of the 科目 layout is.
type Kind int

const (
	DayHeading      Kind = iota // a settlement day: Text, Settled
	OperatorHeading             // an operator within the day: Text
	TotalHeading                // the totals of the whole report: Text
	Entry                       // 充值 / 冲正 / 撤销 under a 科目
	Balance                     // 小计: 收入, 支出 and 结存 = 收入 − 支出
)

// Num is a number that may be absent (an empty cell).
type Num struct {
	V  int64
	OK bool
}

func num[N ~int64](v N) Num { return Num{V: int64(v), OK: true} }

// Line is one line of the traditional report.
type Line struct {
	Kind    Kind
	Text    string // headings
	Settled bool   // DayHeading: the day's figures are frozen
	// Entry and Balance lines:
	Subject, Summary        string // 科目, 摘要
	Count                   Num    // 交易次数
	Income, Expense, Remain Num    // 收入, 支出, 结存 (fen)
	// OpNo of the operator block this line belongs to ("" for totals).
	OpNo string
}

// Columns are the headings of the 科目 layout.
func Columns(lang string) []string {
	if lang == "en" {
		return []string{"Account", "Item", "Count", "Income", "Expense", "Balance"}
	}
	return []string{"科目", "摘要", "交易次数", "收入", "支出", "结存"}
}

// SubjectCash is the 科目 of the recharge POS's cash.
func SubjectCash(lang string) string { return t(lang, "POS现金充值", "POS cash") }

// DayText names a settlement day and whether it is settled.
func DayText(day string, settled bool, lang string) string {
	if settled {
		return t(lang, "结算日 "+day+"  已结算", "Day "+day+"  settled")
	}
	return t(lang, "结算日 "+day+"  未结算(实时)", "Day "+day+"  not settled (live)")
}

// OperatorText names an operator.
func OperatorText(r app.ReportRow, lang string) string {
	return t(lang, "操作员 ", "Operator ") + r.OpNo + " " + r.OperatorName
}

// block is the lines of one operator's (or the total's) figures: recharges as income,
// processed reversals as expense, cancels counted but without money (rule 13), late
// reversals (of earlier, settled days) and cash adjustments (长短款) when there are any,
// and the balance the operator hands in.
func block(r app.ReportRow, lang, opNo string) []Line {
	out := []Line{
		{Kind: Entry, Subject: SubjectCash(lang), Summary: t(lang, "充值", "Recharge"), Count: num(r.Recharges.Count), Income: num(r.Recharges.Amount), OpNo: opNo},
		{Kind: Entry, Summary: t(lang, "冲正", "Reversal"), Count: num(r.Reversals.Count), Expense: num(r.Reversals.Amount), OpNo: opNo},
		{Kind: Entry, Summary: t(lang, "撤销", "Cancel"), Count: num(r.Cancels), OpNo: opNo},
	}
	income, expense := r.Recharges.Amount, r.Reversals.Amount
	if r.LateReversals.Count != 0 {
		out = append(out, Line{Kind: Entry, Summary: t(lang, "迟到冲正", "Late reversal"), Count: num(r.LateReversals.Count),
			Expense: num(r.LateReversals.Amount), OpNo: opNo})
		expense += r.LateReversals.Amount
	}
	if r.Adjustments.Count != 0 {
		adj := Line{Kind: Entry, Summary: t(lang, "长短款", "Cash adjustment"), Count: num(r.Adjustments.Count), OpNo: opNo}
		if r.Adjustments.Amount >= 0 {
			adj.Income = num(r.Adjustments.Amount)
			income += r.Adjustments.Amount
		} else {
			adj.Expense = num(-r.Adjustments.Amount)
			expense -= r.Adjustments.Amount
		}
		out = append(out, adj)
	}
	return append(out, Line{Kind: Balance, Summary: t(lang, "小计", "Subtotal"), Income: num(income), Expense: num(expense),
		Remain: num(r.Cash()), OpNo: opNo})
}

// Ledger lays the report out as finance offices know it: per settlement day, per operator,
// a block under 科目 POS现金充值; then the totals.
func Ledger(rep app.Report, lang string) []Line {
	var out []Line
	day := ""
	for _, r := range rep.Rows {
		if r.Day != day {
			day = r.Day
			out = append(out, Line{Kind: DayHeading, Text: DayText(r.Day, r.Settled, lang), Settled: r.Settled})
		}
		out = append(out, Line{Kind: OperatorHeading, Text: OperatorText(r, lang), OpNo: r.OpNo})
		out = append(out, block(r, lang, r.OpNo)...)
	}
	out = append(out, Line{Kind: TotalHeading, Text: t(lang, "合计", "Total")})
	return append(out, block(rep.Total, lang, "")...)
}

// Cells is the line as six text cells (headings in the first).
func (l Line) Cells() []string {
	if l.Kind == DayHeading || l.Kind == OperatorHeading || l.Kind == TotalHeading {
		return []string{l.Text, "", "", "", "", ""}
	}
	count := ""
	if l.Count.OK {
		count = strconv.FormatInt(l.Count.V, 10)
	}
	money := func(n Num) string {
		if !n.OK {
			return ""
		}
		return app.Fen(n.V).String()
	}
	return []string{l.Subject, l.Summary, count, money(l.Income), money(l.Expense), money(l.Remain)}
}

// Sheet is the 科目 layout as text cells: the title, the column headings, every line.
func Sheet(rep app.Report, lang string) [][]string {
	out := [][]string{{Title(rep, lang), "", "", "", "", ""}, Columns(lang)}
	for _, l := range Ledger(rep, lang) {
		out = append(out, l.Cells())
	}
	return out
}

// OperatorCash is one operator's POS现金充值 over the whole report, for the chart.
type OperatorCash struct {
	OpNo, Name string
	Cash       app.Fen
}

// ByOperator sums each operator's POS现金充值 over the report's days, by operator number.
func ByOperator(rep app.Report) []OperatorCash {
	var out []OperatorCash
	idx := map[string]int{}
	for _, r := range rep.Rows {
		i, ok := idx[r.OpNo]
		if !ok {
			i = len(out)
			idx[r.OpNo] = i
			out = append(out, OperatorCash{OpNo: r.OpNo, Name: r.OperatorName})
		}
		out[i].Cash += r.Cash()
	}
	slices.SortStableFunc(out, func(a, b OperatorCash) int { return strings.Compare(a.OpNo, b.OpNo) })
	return out
}
