package reports

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"

	"cardcenter/app/reportfmt"
)

// columnGap is the space between the report's columns.
const columnGap = 2

// chartMinWidth is the narrowest chart shown beside the table on a wide screen.
const chartMinWidth = 36

func (p *reportsPage) View() string {
	th := p.c.Theme
	if !p.allowed {
		return th.Bad.Render(p.c.T("无此操作权限:报表仅限主管和管理员。", "Not permitted: reports are for supervisors and admins."))
	}
	top := []string{p.modeLine(), p.rangeLine(), p.titleLine()}
	b := p.body()
	foot := p.footer(b.n)
	h := p.bodyHeight()
	out := append(top, b.head)
	for i := p.offset; i < p.offset+h; i++ {
		if i < b.n {
			out = append(out, b.line(i))
		} else {
			out = append(out, "")
		}
	}
	out = append(out, foot...)
	return strings.Join(out, "\n")
}

func (p *reportsPage) modeLine() string {
	th := p.c.Theme
	tab := func(on bool, s string) string {
		if on {
			return th.Tab.Active.Render(s)
		}
		return th.Tab.Inactive.Render(s)
	}
	return tab(p.mode == reportsToday, p.c.T("当日报表", "Today")) + " " + tab(p.mode == reportsHistory, p.c.T("结算报表", "History"))
}

func (p *reportsPage) rangeLine() string {
	th := p.c.Theme
	if p.mode == reportsToday {
		return th.Muted.Render(p.c.T("当日实时数字(未结算),r 刷新", "Today's live figures (not settled); r reloads"))
	}
	field := func(label string, v string, on bool) string {
		if on {
			return th.Emphasis.Render(label) + " " + th.Input.Render(v)
		}
		return th.Muted.Render(label) + " " + v
	}
	from, to := p.from.Value(), p.to.Value()
	if p.editing {
		from, to = p.from.View(), p.to.View()
	}
	s := field(p.c.T("起始日", "From"), from, p.editing && p.field == 0) + "   " + field(p.c.T("截止日", "To"), to, p.editing && p.field == 1)
	if !p.editing {
		s += "   " + th.KeyHint.Render(p.c.T("e 改日期", "e changes the dates"))
	}
	return s
}

func (p *reportsPage) titleLine() string {
	th := p.c.Theme
	switch {
	case p.rep == nil && p.loading:
		return th.Muted.Render(p.c.T("正在查询…", "Loading…"))
	case p.rep == nil:
		return ""
	}
	s := th.Title.Render(reportfmt.Title(*p.rep, p.c.Lang))
	if p.loading {
		s += "  " + th.Muted.Render(p.c.T("正在刷新…", "reloading…"))
	}
	return s
}

// bodyHeight is how many lines of the table (or chart) fit: the page less the three lines
// on top, the column headings and the footer.
func (p *reportsPage) bodyHeight() int {
	return max(p.height-4-len(p.footerNotes())-1, 1)
}

func (p *reportsPage) scroll(by int) {
	p.offset += by
	p.clampOffset()
}

func (p *reportsPage) clampOffset() {
	p.offset = max(min(p.offset, p.body().n-p.bodyHeight()), 0)
}

// footerNotes are the status lines: a refused range, a refused query, what was done.
func (p *reportsPage) footerNotes() []string {
	th := p.c.Theme
	w := max(p.width, 20)
	var out []string
	add := func(st lipgloss.Style, s string) {
		out = append(out, strings.Split(st.Width(w).Render(s), "\n")...)
	}
	if p.dateErr != "" {
		add(th.Bad, p.dateErr)
	}
	for _, n := range p.notes {
		add(map[reportNoteKind]lipgloss.Style{rnMuted: th.Muted, rnGood: th.Good, rnWarn: th.Warn, rnBad: th.Bad}[n.kind], n.text)
	}
	return out
}

// footer is the notes and, when the body does not fit, where in it the screen is.
func (p *reportsPage) footer(lines int) []string {
	pos := ""
	if h := p.bodyHeight(); lines > h {
		first, last := p.offset+1, min(p.offset+h, lines)
		pos = p.c.T("第 "+strconv.Itoa(first)+"-"+strconv.Itoa(last)+" 行,共 "+strconv.Itoa(lines)+" 行  ↑↓ 滚动",
			"lines "+strconv.Itoa(first)+"-"+strconv.Itoa(last)+" of "+strconv.Itoa(lines)+"  ↑↓ scroll")
		pos = p.c.Theme.Muted.Render(pos)
	}
	return append([]string{pos}, p.footerNotes()...)
}

// reportBody is what scrolls under a sticky heading: n lines, drawn one at a time so a
// year of twenty operators (40,000 lines) costs only the lines on screen.
type reportBody struct {
	head string
	n    int
	line func(i int) string
}

// body is the table, the chart, or both side by side when the screen is wide enough.
func (p *reportsPage) body() reportBody {
	th := p.c.Theme
	switch {
	case p.err != nil:
		msg := th.Bad.Render(p.c.T("查询失败:", "The report was refused: ") + p.c.Msg(p.err))
		return reportBody{n: 1, line: func(int) string { return msg }}
	case p.rep == nil:
		return reportBody{line: func(int) string { return "" }}
	}
	table := p.table()
	if !p.chart {
		return table
	}
	tw := p.layout().tableWidth
	if p.width < tw+columnGap+chartMinWidth {
		return p.chartBody(p.width)
	}
	chart := p.chartBody(p.width - tw - columnGap)
	pad := func(s string) string { return s + strings.Repeat(" ", max(tw-lipgloss.Width(s), 0)+columnGap) }
	return reportBody{head: pad(table.head) + chart.head, n: max(table.n, chart.n), line: func(i int) string {
		var l, r string
		if i < table.n {
			l = table.line(i)
		}
		if i < chart.n {
			r = chart.line(i)
		}
		return strings.TrimRight(pad(l)+r, " ")
	}}
}
