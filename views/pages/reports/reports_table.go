package reports

import (
	"strings"

	"charm.land/lipgloss/v2"

	"cardcenter/app"
	"cardcenter/app/reportfmt"
)

// reportLayout is the report on screen in the 科目 layout, built once per report and
// language: its lines and column widths in cells (CJK = 2).
type reportLayout struct {
	rep        *app.Report
	lang       string
	lines      []reportfmt.Line
	widths     []int
	tableWidth int
	ops        []reportfmt.OperatorCash
}

// layout returns the cached layout of the report on screen.
func (p *reportsPage) layout() *reportLayout {
	if l := p.cache; l != nil && l.rep == p.rep && l.lang == p.c.Lang {
		return l
	}
	l := &reportLayout{rep: p.rep, lang: p.c.Lang, lines: reportfmt.Ledger(*p.rep, p.c.Lang), ops: reportfmt.ByOperator(*p.rep)}
	cols := reportfmt.Columns(p.c.Lang)
	l.widths = make([]int, len(cols))
	for i, c := range cols {
		l.widths[i] = lipgloss.Width(c)
	}
	for i := 3; i < 6; i++ { // money: at least 9999999.99
		l.widths[i] = max(l.widths[i], 10)
	}
	seen := map[string]int{} // 科目 and 摘要 repeat; numbers are ASCII
	for _, ln := range l.lines {
		if ln.Kind == reportfmt.Entry || ln.Kind == reportfmt.Balance {
			for i, c := range ln.Cells() {
				w, ok := len(c), i >= 2
				if !ok {
					if w, ok = seen[c]; !ok {
						w = lipgloss.Width(c)
						seen[c] = w
					}
				}
				l.widths[i] = max(l.widths[i], w)
			}
		}
	}
	for _, w := range l.widths {
		l.tableWidth += w + columnGap
	}
	l.tableWidth -= columnGap
	p.cache = l
	return l
}

// row lays out six cells: words left, numbers right.
func row(cells []string, widths []int) string {
	var b strings.Builder
	for i, c := range cells {
		pad := strings.Repeat(" ", max(widths[i]-lipgloss.Width(c), 0))
		if i > 0 {
			b.WriteString(strings.Repeat(" ", columnGap))
		}
		if i >= 2 {
			b.WriteString(pad + c)
		} else {
			b.WriteString(c + pad)
		}
	}
	return strings.TrimRight(b.String(), " ")
}

// table is the report as the finance office's form: the column headings, then per
// settlement day and operator a block of 充值 (income), 冲正 (expense), 撤销 (counted,
// no money) and 小计 with 结存 = 收入 − 支出; the totals last.
func (p *reportsPage) table() reportBody {
	th := p.c.Theme
	l := p.layout()
	head := th.Header.Render(row(reportfmt.Columns(p.c.Lang), l.widths))
	lines := l.lines
	skip := 0
	if len(p.rep.Rows) == 0 {
		skip = 1 // a line saying so, above the (zero) totals
	}
	empty := th.Muted.Render(p.c.T("(该期间无充值记录)", "(no recharges in this range)"))
	return reportBody{head: head, n: skip + len(lines), line: func(i int) string {
		if i < skip {
			return empty
		}
		ln := lines[i-skip]
		switch ln.Kind {
		case reportfmt.DayHeading:
			if ln.Settled {
				return th.Good.Render(ln.Text)
			}
			return th.Warn.Render(ln.Text)
		case reportfmt.OperatorHeading:
			return th.Emphasis.Render(ln.Text)
		case reportfmt.TotalHeading:
			return th.Title.Render(ln.Text)
		case reportfmt.Balance:
			return th.Emphasis.Render(row(ln.Cells(), l.widths))
		}
		if ln.Count.OK && !ln.Income.OK && !ln.Expense.OK { // 撤销: shown, never money
			return th.Muted.Render(row(ln.Cells(), l.widths))
		}
		return row(ln.Cells(), l.widths)
	}}
}

// chartBody is a bar per operator of POS现金充值 over the report's days, in width cells.
// The bar ends the line, so a terminal that draws block glyphs wide misaligns nothing.
func (p *reportsPage) chartBody(width int) reportBody {
	th := p.c.Theme
	head := th.Header.Render(p.c.T("POS现金充值(按操作员)", "POS cash by operator"))
	ops := p.layout().ops
	if len(ops) == 0 {
		empty := th.Muted.Render(p.c.T("(该期间无充值记录)", "(no recharges in this range)"))
		return reportBody{head: head, n: 1, line: func(int) string { return empty }}
	}
	labelW, valueW := 0, 0
	var most app.Fen
	for _, o := range ops {
		labelW = max(labelW, lipgloss.Width(o.OpNo+" "+o.Name))
		valueW = max(valueW, len(app.FormatYuan(o.Cash)))
		most = max(most, o.Cash)
	}
	total := app.FormatYuan(p.rep.Total.Cash())
	valueW = max(valueW, len(total))
	barW := max(width-labelW-valueW-2*columnGap, 1)
	label := func(s string) string { return s + strings.Repeat(" ", labelW-lipgloss.Width(s)+columnGap) }
	value := func(s string) string { return strings.Repeat(" ", valueW-len(s)) + s }
	out := make([]string, 0, len(ops)+2)
	for _, o := range ops {
		n := 0
		if most > 0 && o.Cash > 0 {
			n = max(int(o.Cash*app.Fen(barW)/most), 1)
		}
		v := value(app.FormatYuan(o.Cash))
		if o.Cash < 0 { // late reversals or a short adjustment above the day's recharges: no bar, the sign in red
			v = th.Bad.Render(v)
		}
		out = append(out, label(o.OpNo+" "+o.Name)+v+strings.Repeat(" ", columnGap)+th.Bar.Render(strings.Repeat("█", n)))
	}
	out = append(out, "", th.Emphasis.Render(label(p.c.T("合计", "Total"))+value(total)))
	return reportBody{head: head, n: len(out), line: func(i int) string { return out[i] }}
}
