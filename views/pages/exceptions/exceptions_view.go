package exceptions

import (
	"cardcenter/views/common"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"cardcenter/app"
)

// cells is a case's row of the table.
func (p *exceptionsPage) cells(cv app.CaseView) []string {
	c := p.C
	k, r := cv.Case, cv.Facts.Recharge
	pos, amount := "", ""
	if k.DeviceID != "" {
		pos = k.DeviceID
		if k.Serial != 0 {
			pos += "/" + strconv.FormatInt(k.Serial, 10)
		}
	}
	if r.ID != 0 {
		amount = app.FormatYuan(r.Amount)
	}
	return []string{k.Kind.Label(c.Lang), p.when(k.OpenedAt, "01-02 15:04"), k.CardNo, cv.Facts.HolderName, pos, excRight(amount, 8),
		excStatusName(c, cv.Status)}
}

// excRight right-aligns an amount in its column.
func excRight(s string, w int) string { return strings.Repeat(" ", max(w-lipgloss.Width(s), 0)) + s }

func excStatusName(c *common.Common, s app.CaseStatus) string {
	if s == app.CaseApproved {
		return c.T("已批准", "approved")
	}
	return c.T("待处理", "open")
}

// when shows an instant in the site's time zone ("" if it never happened).
func (p *exceptionsPage) when(t time.Time, layout string) string {
	if t.IsZero() {
		return ""
	}
	return t.In(p.C.Svc.Settings().Location).Format(layout)
}

func (p *exceptionsPage) View() string {
	c, th := p.C, p.C.Theme
	w, h := max(p.Width, 20), max(p.Height, 5)
	if !p.allowed {
		return th.Bad.Render(c.T("无此操作权限:异常处理仅限主管和管理员。", "Not permitted: the exceptions desk is for supervisors and admins."))
	}
	bottom := p.bottom(w)
	room := max(h-len(bottom), 1)
	var body []string
	switch {
	case p.Form != nil:
		body = append(strings.Split(p.Form.View(), "\n"), "")
	case p.detail:
		body = p.detailView(w, room)
	case !p.Loaded && p.Status.Text == "":
		body = []string{th.Muted.Render(c.T("正在读取…", "loading…"))}
	default:
		body = p.listView(room)
	}
	if len(body) > room {
		body = body[:room]
	}
	return common.Fit(strings.Join(append(body, bottom...), "\n"), w, h)
}

// bottom is the open question or the status line, wrapped to the width.
func (p *exceptionsPage) bottom(w int) []string {
	c, th := p.C, p.C.Theme
	if p.Asking != nil {
		out := common.WrapStyled(th.Warn, p.Asking.Prompt, w)
		return append(out, th.KeyHint.Render(c.T("y 确定 / n 或 enter 取消(默认取消)", "y to go ahead / n or enter to leave it (the default)")))
	}
	if p.decideSeq != 0 {
		return []string{th.Muted.Render(c.T("正在提交…", "recording…"))}
	}
	if p.Status.Text == "" {
		return []string{""}
	}
	return common.WrapStyled(p.Status.Style(th), p.Status.Text, w)
}

// listView is the caption and the table, the table's blank filler dropped to leave room.
func (p *exceptionsPage) listView(room int) []string {
	c, th := p.C, p.C.Theme
	open, approved := 0, 0
	for _, cv := range p.rows {
		if cv.Status == app.CaseApproved {
			approved++
		} else {
			open++
		}
	}
	caption := c.T(fmt.Sprintf("待处理 %d 件,已批准待柜员写卡 %d 件;r 刷新", open, approved),
		fmt.Sprintf("%d open, %d approved awaiting a clerk; r reloads", open, approved))
	table := strings.Split(p.Table.View(), "\n")
	for i := len(table) - 2; i > 0 && 1+len(table) > room; i-- {
		if table[i] == "" {
			table = append(table[:i], table[i+1:]...)
		}
	}
	return append([]string{th.Muted.Render(caption)}, table...)
}

// detailView is the facts of the case in detail, from the scroll offset, with where in
// them the screen is when they do not fit.
func (p *exceptionsPage) detailView(w, room int) []string {
	cv, ok := p.byKey(p.detailKey)
	if !ok {
		return nil
	}
	lines := p.facts(cv, w)
	if len(lines) <= room {
		return lines
	}
	show := max(room-1, 1)
	off := min(p.offset, len(lines)-show) // the key handler keeps it there; a resize may not
	out := append([]string{}, lines[off:off+show]...)
	return append(out, p.C.Theme.Muted.Render(p.C.T(
		fmt.Sprintf("第 %d-%d 行,共 %d 行  ↑↓ 滚动", off+1, off+show, len(lines)),
		fmt.Sprintf("lines %d-%d of %d  ↑↓ scroll", off+1, off+show, len(lines)))))
}

// facts is everything the ledger knows around the case, in the desk's language.
func (p *exceptionsPage) facts(cv app.CaseView, w int) []string {
	c, th := p.C, p.C.Theme
	k, f, r := cv.Case, cv.Facts, cv.Facts.Recharge
	var out []string
	add := func(st lipgloss.Style, s string) { out = append(out, common.WrapStyled(st, s, w)...) }
	sub := func(st lipgloss.Style, s string) {
		for _, l := range common.WrapStyled(st, s, w-2) {
			out = append(out, "  "+l)
		}
	}
	section := func(s string) { out = append(out, th.Emphasis.Render(s)) }
	const full = "2006-01-02 15:04"

	out = append(out, th.Title.Render(k.Kind.Label(c.Lang))+"  "+th.Warn.Render(excStatusName(c, cv.Status))+"  "+
		th.Muted.Render(c.T("开立 ", "opened ")+p.when(k.OpenedAt, full)))
	add(th.Muted, k.Key())
	if a := cv.Approval; cv.Status == app.CaseApproved {
		add(th.Good, c.T("已批准补写 (批准人 "+a.DecidedBy+", "+p.when(a.DecidedAt, full)+"):"+a.Reason+";等待另一位柜员在补写卡页写卡",
			"Write approved (by "+a.DecidedBy+", "+p.when(a.DecidedAt, full)+"): "+a.Reason+"; awaiting another clerk at the Repair screen"))
	}
	if k.CardNo != "" {
		add(lipgloss.NewStyle(), c.T("卡号 ", "Card ")+k.CardNo+"  "+f.HolderName+"  "+c.T("状态 ", "status ")+common.CardStatusName(c, f.CardStatus))
	}
	if r.ID != 0 {
		section(c.T(fmt.Sprintf("充值 #%d", r.ID), fmt.Sprintf("Recharge #%d", r.ID)))
		sub(lipgloss.NewStyle(), fmt.Sprintf("POS %s %s %d  %s %s %s  %s%s  %s", r.DeviceID, c.T("流水", "serial"), r.Serial,
			c.T("操作员", "operator"), f.OperatorNo, f.Operator, app.FormatYuan(r.Amount), c.T(" 元", " yuan"), p.when(r.BookedAt, full)))
		state := c.T("记账 ", "booking ") + excBookingName(c, r.Booking) + "  " + c.T("写卡 ", "card write ") + excWriteName(c, r.CardWrite) +
			"  " + c.T("结算日 ", "day ") + r.SettleDay
		if r.LateReversal() {
			state += c.T("  迟到冲正计入 ", "  late reversal counted on ") + r.ReversalDay
		}
		sub(lipgloss.NewStyle(), state)
		sub(th.Muted, c.T(fmt.Sprintf("充值前卡上:余额 %s 元,交易计数 %d", app.FormatYuan(r.BalanceBefore), r.CounterBefore),
			fmt.Sprintf("card before it: balance %s yuan, counter %d", app.FormatYuan(r.BalanceBefore), r.CounterBefore)))
	}
	if len(f.Messages) > 0 {
		section(c.T(fmt.Sprintf("主机收到的报文(%d 条)", len(f.Messages)), fmt.Sprintf("Messages the host got (%d)", len(f.Messages))))
		for _, m := range f.Messages {
			ref := m.DeviceID
			if m.Serial != 0 {
				ref += "/" + strconv.FormatInt(m.Serial, 10)
			}
			sub(lipgloss.NewStyle(), p.when(m.At, "01-02 15:04:05")+"  "+excMessageKind(c, m.Kind)+"  "+ref+"  "+p.messageText(r, m))
		}
	}
	if k.CardNo != "" {
		section(c.T("卡片", "The card"))
		if mem := f.Memory; mem.Known() {
			sub(lipgloss.NewStyle(), c.T(fmt.Sprintf("系统记录该卡已到:交易计数 %d,余额 %s 元", mem.Counter, app.FormatYuan(mem.Balance)),
				fmt.Sprintf("the ledger knows it reached counter %d, balance %s yuan", mem.Counter, app.FormatYuan(mem.Balance))))
			sub(th.Muted, c.T("依据:", "from: ")+excMemorySource(c, mem.Source)+"  "+p.when(mem.At, full))
		} else {
			sub(th.Muted, c.T("系统没有该卡经本系统写卡的记录", "the ledger never saw this card written"))
		}
		if len(f.CardReads) == 0 {
			sub(th.Muted, c.T("卡务中心尚未读过该卡", "the desk has not read it yet"))
		}
		for i, rd := range f.CardReads {
			if i == 3 {
				sub(th.Muted, c.T(fmt.Sprintf("……另有 %d 次读卡", len(f.CardReads)-3), fmt.Sprintf("... %d more reads", len(f.CardReads)-3)))
				break
			}
			s := c.T(fmt.Sprintf("读卡 %s %s:交易计数 %d,余额 %s 元", p.when(rd.At, full), rd.Staff, rd.Counter, app.FormatYuan(rd.Balance)),
				fmt.Sprintf("read %s by %s: counter %d, balance %s yuan", p.when(rd.At, full), rd.Staff, rd.Counter, app.FormatYuan(rd.Balance)))
			if rd.FromBackup {
				s += c.T("(主钱包块损坏,读自备份块)", " (main purse block bad, read from the backup)")
			}
			sub(lipgloss.NewStyle(), s)
		}
	}
	if d := f.Device; d.ID != "" {
		contact := c.T("从未联系", "no contact yet")
		if !d.LastContact.At.IsZero() {
			contact = c.T(fmt.Sprintf("上次联系 %s 流水 %d", p.when(d.LastContact.At, full), d.LastContact.Serial),
				fmt.Sprintf("last contact %s serial %d", p.when(d.LastContact.At, full), d.LastContact.Serial))
		}
		state := c.T("启用", "enabled")
		if !d.Enabled {
			state = c.T("停用", "disabled")
		}
		section(c.T("设备 ", "Device ") + d.ID + " " + d.Name)
		sub(lipgloss.NewStyle(), state+"  "+contact)
		for _, e := range d.JournalEnds {
			sub(th.Warn, c.T(fmt.Sprintf("%s %s 登记%s(流水 %d 止):%s", p.when(e.At, full), e.By, excJournalName(c, e.Kind), e.LastSerial, e.Note),
				fmt.Sprintf("%s %s recorded it %s (up to serial %d): %s", p.when(e.At, full), e.By, excJournalName(c, e.Kind), e.LastSerial, e.Note)))
		}
	}
	if rp := f.Repair; rp.ID != 0 {
		section(c.T("补写", "Desk repair"))
		sub(lipgloss.NewStyle(), fmt.Sprintf("%s  %s  %s  %s", rp.Ref, common.RepairOutcomeName(c, rp.State), rp.Staff, p.when(rp.StartedAt, full)))
	}
	if len(f.Decisions) > 0 {
		section(c.T("既往决定", "Earlier decisions"))
		for _, d := range f.Decisions {
			s := p.when(d.DecidedAt, full) + "  " + d.DecidedBy + "  " + excDecisionName(c, d.Kind)
			if d.Kind == app.DecideAdjustment {
				s += " " + signedYuan(d.Amount) + c.T(" 元 ", " yuan ") + d.Day
			}
			sub(lipgloss.NewStyle(), s+c.T(":", ": ")+d.Reason)
		}
	}
	if len(f.OtherOnCard) > 0 {
		section(c.T("该卡其他待处理充值", "The card's other recharges awaiting the desk"))
		for _, o := range f.OtherOnCard {
			sub(lipgloss.NewStyle(), excRechargeRef(c, o)+"  "+excWriteName(c, o.CardWrite))
		}
	}
	if k.Detail != "" {
		section(c.T("记录(原文)", "Record"))
		sub(th.Muted, k.Detail)
	}
	return out
}

// messageText says what became of a message, from its structured facts.
func (p *exceptionsPage) messageText(r app.Recharge, m app.CaseMessage) string {
	c := p.C
	switch m.Kind {
	case "recharge":
		return c.T(fmt.Sprintf("记账 %s 元,结算日 %s", app.FormatYuan(r.Amount), r.SettleDay),
			fmt.Sprintf("booked %s yuan on %s", app.FormatYuan(r.Amount), r.SettleDay))
	case "confirm":
		return c.T("确认写卡成功", "card write confirmed")
	case "cancel", "reversal":
		s := excRecordStatus(c, m.Kind, m.Status)
		if m.Reason != "" {
			s += c.T(":", ": ") + excReason(c, m.Reason)
		}
		if m.Kind == "reversal" && app.ReversalStatus(m.Status) == app.RevApplied && r.LateReversal() {
			s += c.T(",迟到,计入 ", "; late, counted on ") + r.ReversalDay
		}
		if !m.Processed.IsZero() {
			s += c.T(",处理于 ", "; processed ") + p.when(m.Processed, "01-02 15:04")
		}
		return s
	}
	return m.Outcome
}

// excReason is a refusal code in words, or the code itself if the catalogue lacks it.
func excReason(c *common.Common, code app.Code) string {
	e := app.E(code, "")
	if e.EN == "unknown error" {
		return string(code)
	}
	return e.Message(c.Lang)
}

func excRecordStatus(c *common.Common, kind, s string) string {
	names := map[string][2]string{
		"cancel/" + string(app.CancelRecorded): {"已记录", "recorded"}, "cancel/" + string(app.CancelOrphan): {"无原充值", "no original"},
		"cancel/" + string(app.CancelDuplicate): {"重复撤销", "duplicate"}, "cancel/" + string(app.CancelConflict): {"冲突,未记", "conflict"},
		"reversal/" + string(app.RevPending): {"待处理", "pending"}, "reversal/" + string(app.RevApplied): {"已冲正", "applied"},
		"reversal/" + string(app.RevTombstone): {"原充值未到,已登记", "original not seen, tombstone kept"},
		"reversal/" + string(app.RevConflict):  {"未能冲正", "not applied"},
		"reversal/" + string(app.RevException): {"异常,未冲正", "exception, not applied"},
	}
	if n, ok := names[kind+"/"+s]; ok {
		return c.T(n[0], n[1])
	}
	return s
}

var excMessageKinds = common.Names[string]{
	"recharge": {"充值", "recharge"}, "confirm": {"确认", "confirm"}, "cancel": {"撤销", "cancel"}, "reversal": {"冲正", "reversal"},
}

func excMessageKind(c *common.Common, k string) string { return excMessageKinds.Of(c, k, k) }

func excBookingName(c *common.Common, b app.Booking) string {
	if b == app.Reversed {
		return c.T("已冲正", "reversed")
	}
	return c.T("已记账", "booked")
}

var (
	excWriteNames = common.Names[app.CardWrite]{
		app.WritePending:        {"写卡未确认", "not confirmed"},
		app.WriteWritten:        {"已确认写卡", "confirmed"},
		app.WriteCancelReported: {"POS 撤销上报", "cancel reported"},
		app.WriteRepaired:       {"已补写", "repaired"},
		app.WriteFoundOnCard:    {"原已在卡上", "found on card"},
	}
	excDecisionNames = common.Names[app.DecisionKind]{
		app.DecideApproveWrite: {"批准补写", "write approved"},
		app.DecideClose:        {"结案", "closed"},
		app.DecideAdjustment:   {"长短款", "cash adjustment"},
	}
)

func excWriteName(c *common.Common, w app.CardWrite) string { return excWriteNames.Of(c, w, string(w)) }

func excDecisionName(c *common.Common, k app.DecisionKind) string {
	return excDecisionNames.Of(c, k, string(k))
}

func excJournalName(c *common.Common, k app.JournalEndKind) string {
	if k == app.JournalReplaced {
		return c.T("更换(原机队列丢失)", "replaced (its queue lost)")
	}
	return c.T("退役", "retired")
}

// maxOffset is the last scroll offset of the facts in detail that still fills the page.
func (p *exceptionsPage) maxOffset() int {
	cv, ok := p.byKey(p.detailKey)
	if !ok {
		return 0
	}
	w, h := max(p.Width, 20), max(p.Height, 5)
	room := max(h-len(p.bottom(w)), 1)
	n := len(p.facts(cv, w))
	if n <= room {
		return 0
	}
	return n - max(room-1, 1)
}

// excMemorySource names what moved the ledger's memory of a card: a POS's confirmed write
// ("confirm:<recharge id>") or a desk repair ("repair:<repair id>").
func excMemorySource(c *common.Common, src string) string {
	kind, id, _ := strings.Cut(src, ":")
	switch kind {
	case "confirm":
		return c.T("充值 #"+id+" 的 POS 确认", "POS confirm of recharge #"+id)
	case "repair":
		return c.T("补写 #"+id, "desk repair #"+id)
	}
	return src
}
