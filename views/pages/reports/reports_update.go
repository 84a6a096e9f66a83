package reports

import (
	"cardcenter/views/common"
	"cardcenter/views/components/confirm"
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"cardcenter/app"
)

func (p *reportsPage) Update(msg tea.Msg) (common.Page, tea.Cmd) {
	if !p.allowed {
		return p, nil
	}
	switch msg := msg.(type) {
	case reportLoadedMsg:
		if msg.seq != p.seq {
			return p, nil // an answer to an earlier question
		}
		p.loading = false
		if msg.err != nil {
			p.err = msg.err
			return p, nil
		}
		rep := msg.rep
		p.rep, p.err, p.offset = &rep, nil, 0
		return p, nil
	case reportSettledMsg:
		p.settling = false
		p.notes = p.settleNotes(msg)
		return p, p.load()
	case reportExportedMsg:
		p.exporting = false
		if msg.err != nil {
			p.notes = []reportNote{{rnBad, p.c.T("导出失败:", "Export failed: ") + p.c.Msg(msg.err)}}
		} else {
			p.notes = []reportNote{{rnGood, p.c.T("已导出 ", "Exported ") + msg.format + p.c.T(":", ":")}, {rnMuted, msg.path}}
		}
		return p, nil
	case tea.KeyPressMsg:
		switch {
		case p.editing:
			return p.editKey(msg)
		case p.confirming:
			return p.confirmKey(msg)
		}
		return p.key(msg)
	}
	return p, nil
}

func (p *reportsPage) key(msg tea.KeyPressMsg) (common.Page, tea.Cmd) {
	k := p.keys
	switch {
	case key.Matches(msg, k.Today):
		if p.mode != reportsToday {
			p.mode, p.notes = reportsToday, nil
			return p, p.load()
		}
	case key.Matches(msg, k.History):
		if p.mode != reportsHistory {
			p.mode, p.notes = reportsHistory, nil
			return p, p.load()
		}
	case key.Matches(msg, k.Range):
		p.mode, p.editing, p.field, p.dateErr, p.notes = reportsHistory, true, 0, "", nil
		p.saved = [2]string{p.from.Value(), p.to.Value()}
		p.from.CursorEnd()
		return p, p.from.Focus()
	case key.Matches(msg, k.Reload):
		p.notes = nil
		return p, p.load()
	case key.Matches(msg, k.Chart):
		p.chart = !p.chart
		p.offset = 0
	case key.Matches(msg, k.CSV), key.Matches(msg, k.XLSX):
		format := "xlsx"
		if key.Matches(msg, k.CSV) {
			format = "csv"
		}
		if p.rep == nil || p.err != nil || p.loading || p.exporting {
			p.notes = []reportNote{{rnWarn, p.c.T("报表尚未就绪,稍后再导出", "The report is not ready yet; export it in a moment")}}
			return p, nil
		}
		p.exporting = true
		p.notes = []reportNote{{rnMuted, p.c.T("正在导出…", "Exporting…")}}
		return p, exportReport(p.c, *p.rep, format)
	case key.Matches(msg, k.Settle):
		if !p.settling {
			p.confirming = true
			p.notes = []reportNote{{rnWarn, p.c.T("执行日结?已结算日的数字冻结,不再改变。(y 是 / n 否,默认否)",
				"Settle now? A settled day's figures are frozen for good. (y yes / n no, default no)")}}
		}
	case key.Matches(msg, k.Up):
		p.scroll(-1)
	case key.Matches(msg, k.Down):
		p.scroll(1)
	case key.Matches(msg, k.PageUp):
		p.scroll(-max(p.bodyHeight()-1, 1))
	case key.Matches(msg, k.PageDown):
		p.scroll(max(p.bodyHeight()-1, 1))
	case key.Matches(msg, k.Top):
		p.offset = 0
	case key.Matches(msg, k.End):
		p.scroll(1 << 30)
	}
	return p, nil
}

func (p *reportsPage) confirmKey(msg tea.KeyPressMsg) (common.Page, tea.Cmd) {
	cf := confirm.NewKeys(p.c)
	switch {
	case key.Matches(msg, cf.Yes):
		p.confirming, p.settling = false, true
		p.notes = []reportNote{{rnMuted, p.c.T("正在日结…", "Settling…")}}
		svc, ctx, actor := p.c.Svc, p.c.Ctx, p.c.Actor
		return p, func() tea.Msg {
			res, err := svc.Settle(ctx, actor)
			return reportSettledMsg{res: res, err: err}
		}
	case key.Matches(msg, cf.No):
		p.confirming = false
		p.notes = []reportNote{{rnMuted, p.c.T("未执行日结。", "Not settled.")}}
	}
	return p, nil
}

func (p *reportsPage) editKey(msg tea.KeyPressMsg) (common.Page, tea.Cmd) {
	k := p.keys
	switch {
	case key.Matches(msg, k.Cancel):
		p.editing, p.dateErr = false, ""
		p.from.SetValue(p.saved[0])
		p.to.SetValue(p.saved[1])
		p.from.Blur()
		p.to.Blur()
		return p, nil
	case key.Matches(msg, k.NextField):
		return p, p.focus(1 - p.field)
	case key.Matches(msg, k.Run):
		if field, why := p.checkRange(); why != "" {
			p.dateErr = why
			return p, p.focus(field)
		}
		p.editing, p.dateErr = false, ""
		p.from.Blur()
		p.to.Blur()
		return p, p.load()
	}
	var cmd tea.Cmd
	if p.field == 0 {
		p.from, cmd = p.from.Update(msg)
	} else {
		p.to, cmd = p.to.Update(msg)
	}
	return p, cmd
}

func (p *reportsPage) focus(field int) tea.Cmd {
	p.field = field
	if field == 0 {
		p.to.Blur()
		return p.from.Focus()
	}
	p.from.Blur()
	return p.to.Focus()
}

// checkRange refuses a malformed or backwards range in plain words, naming the field.
func (p *reportsPage) checkRange() (field int, why string) {
	from, to := p.from.Value(), p.to.Value()
	f, err := app.ParseDay(from)
	if err != nil {
		return 0, p.c.T("起始日", "From") + " \"" + from + "\": " + p.c.Msg(err)
	}
	t, err := app.ParseDay(to)
	if err != nil {
		return 1, p.c.T("截止日", "To") + " \"" + to + "\": " + p.c.Msg(err)
	}
	if t.Before(f) {
		return 1, p.c.T("截止日早于起始日", "The last day is before the first day")
	}
	if int(t.Sub(f).Hours()/24)+1 > app.MaxReportDays {
		return 0, p.c.T(fmt.Sprintf("日期范围太长,最多 %d 天", app.MaxReportDays), fmt.Sprintf("The range is too long: at most %d days", app.MaxReportDays))
	}
	return 0, ""
}

// settleNotes says which days were settled and why the next one is not yet.
func (p *reportsPage) settleNotes(msg reportSettledMsg) []reportNote {
	c := p.c
	if msg.err != nil {
		return []reportNote{{rnBad, c.T("日结失败:", "Settlement failed: ") + c.Msg(msg.err)}}
	}
	res := msg.res
	var out []reportNote
	switch n := len(res.Settled); {
	case n == 0:
		out = append(out, reportNote{rnMuted, c.T("没有新结算的日期。", "No day was settled.")})
	case n <= 3:
		out = append(out, reportNote{rnGood, c.T("已结算:", "Settled: ") + strings.Join(res.Settled, ", ")})
	default:
		out = append(out, reportNote{rnGood, c.T("已结算 ", "Settled ") + strconv.Itoa(n) + c.T(" 天:", " days: ") +
			res.Settled[0] + c.T(" 至 ", " to ") + res.Settled[n-1]})
	}
	if res.Waiting != "" && res.Reason != nil {
		why := c.Msg(res.Reason)
		if res.PendingReversals > 0 {
			why += c.T(",还有 "+strconv.FormatInt(res.PendingReversals, 10)+" 笔冲正待处理", ": "+strconv.FormatInt(res.PendingReversals, 10)+" reversals still pending")
		} else if !res.WaitingUntil.IsZero() {
			at := res.WaitingUntil.In(c.Svc.Settings().Location).Format("2006-01-02 15:04:05")
			why += c.T(",最早 "+at+" 可结算", "; from "+at)
		}
		out = append(out, reportNote{rnWarn, res.Waiting + c.T(" 尚不能结算:", " not yet: ") + why})
	}
	return out
}
