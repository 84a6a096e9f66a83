package views

import (
	"strings"

	"charm.land/lipgloss/v2"

	"cardcenter/app/reportfmt"
)

// columnWidths of the 科目 layout for the report on screen, in cells (CJK = 2); money
// columns are at least wide enough for 9,999,999.99 without the grouping.
func (p *reportsPage) columnWidths() []int {
	cols := reportfmt.Columns(p.c.Lang)
	w := make([]int, len(cols))
	for i, c := range cols {
		w[i] = lipgloss.Width(c)
	}
	for i := 3; i < 6; i++ {
		w[i] = max(w[i], 10)
	}
	if p.rep != nil {
		for _, l := range reportfmt.Ledger(*p.rep, p.c.Lang) {
			if l.Kind != reportfmt.Entry && l.Kind != reportfmt.Balance {
				continue
			}
			for i, c := range l.Cells() {
				w[i] = max(w[i], lipgloss.Width(c))
			}
		}
	}
	return w
}

func (p *reportsPage) tableWidth() int {
	n := 0
	for _, w := range p.columnWidths() {
		n += w + columnGap
	}
	return n - columnGap
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

// tableLines is the report as the finance office's form: the column headings, then per
// settlement day and operator a block of 充值 (income), 冲正 (expense), 撤销 (counted,
// no money) and 小计 with 结存 = 收入 − 支出; the totals last.
func (p *reportsPage) tableLines() (string, []string) {
	th := p.c.Theme
	widths := p.columnWidths()
	head := th.Header.Render(row(reportfmt.Columns(p.c.Lang), widths))
	var out []string
	if len(p.rep.Rows) == 0 {
		out = append(out, th.Muted.Render(p.c.T("(该期间无充值记录)", "(no recharges in this range)")))
	}
	for _, l := range reportfmt.Ledger(*p.rep, p.c.Lang) {
		switch l.Kind {
		case reportfmt.DayHeading:
			st := th.Warn
			if l.Settled {
				st = th.Good
			}
			out = append(out, st.Render(l.Text))
		case reportfmt.OperatorHeading:
			out = append(out, th.Emphasis.Render(l.Text))
		case reportfmt.TotalHeading:
			out = append(out, th.Title.Render(l.Text))
		case reportfmt.Balance:
			out = append(out, th.Emphasis.Render(row(l.Cells(), widths)))
		default:
			if l.Count.OK && !l.Income.OK && !l.Expense.OK { // 撤销: shown, never money
				out = append(out, th.Muted.Render(row(l.Cells(), widths)))
			} else {
				out = append(out, row(l.Cells(), widths))
			}
		}
	}
	return head, out
}

// chartLines is a bar per operator of POS现金充值 over the report's days, in width cells.
// The bar ends the line, so a terminal that draws block glyphs wide misaligns nothing.
func (p *reportsPage) chartLines(width int) (string, []string) {
	th := p.c.Theme
	head := th.Header.Render(p.c.T("POS现金充值(按操作员)", "POS cash by operator"))
	ops := reportfmt.ByOperator(*p.rep)
	if len(ops) == 0 {
		return head, []string{th.Muted.Render(p.c.T("(该期间无充值记录)", "(no recharges in this range)"))}
	}
	labelW, valueW := 0, 0
	var most int64
	for _, o := range ops {
		labelW = max(labelW, lipgloss.Width(o.OpNo+" "+o.Name))
		valueW = max(valueW, len(reportfmt.Yuan(o.Cash)))
		most = max(most, o.Cash)
	}
	barW := max(width-labelW-valueW-2*columnGap, 1)
	var out []string
	for _, o := range ops {
		label := o.OpNo + " " + o.Name
		value := reportfmt.Yuan(o.Cash)
		n := 0
		if most > 0 && o.Cash > 0 {
			n = max(int(o.Cash*int64(barW)/most), 1)
		}
		out = append(out, label+strings.Repeat(" ", labelW-lipgloss.Width(label)+columnGap)+
			strings.Repeat(" ", valueW-len(value))+value+strings.Repeat(" ", columnGap)+th.Bar.Render(strings.Repeat("█", n)))
	}
	total := p.c.T("合计", "Total")
	out = append(out, "", th.Emphasis.Render(total+strings.Repeat(" ", labelW-lipgloss.Width(total)+columnGap)+
		strings.Repeat(" ", max(valueW-len(reportfmt.Yuan(p.rep.Total.Cash())), 0))+reportfmt.Yuan(p.rep.Total.Cash())))
	return head, out
}
