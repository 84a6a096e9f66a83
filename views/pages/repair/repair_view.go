package repair

import (
	"cardcenter/views/common"
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"cardcenter/app"
)

func (m *repairPage) View() string {
	w, h := max(m.width, 20), max(m.height, 5)
	th := m.c.Theme
	var body string
	switch m.state {
	case repairNoReader:
		body = m.centre(w, h, m.noReaderView())
	case repairWaiting:
		lines := []string{th.Title.Render(m.c.T("请把卡片放在读卡器上", "Put the card on the reader"))}
		if m.c.Cards != nil {
			lines = append(lines, th.Muted.Render(m.c.T("读卡器:", "Reader: ")+m.readerName()))
		}
		body = m.centre(w, h, m.withNote(lines))
	case repairReading:
		body = m.centre(w, h, m.withNote([]string{th.Warn.Render(m.c.T("正在读卡,请勿移开卡片...", "Reading the card; keep it on the reader..."))}))
	case repairPicking:
		body = m.centre(w, h, m.pickerView())
	case repairShown:
		body = m.cardView(w, h)
	case repairConfirming:
		body = m.confirmView(w)
	case repairWriting:
		body = m.writingView()
	case repairDone:
		body = m.receiptView(w)
	case repairFailed:
		body = m.failedView(w)
	}
	return common.Fit(body, w, h)
}

func (m *repairPage) centre(w, h int, lines []string) string {
	return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, lipgloss.JoinVertical(lipgloss.Center, lines...))
}

func (m *repairPage) withNote(lines []string) []string {
	if m.note != "" {
		lines = append(lines, "", m.noteStyle().Render(m.note))
	}
	return lines
}

func (m *repairPage) noteStyle() lipgloss.Style {
	th := m.c.Theme
	switch m.noteKind {
	case noteGood:
		return th.Good
	case noteWarn:
		return th.Warn
	case noteBad:
		return th.Bad
	}
	return th.Muted
}

func (m *repairPage) readerName() string {
	if n := m.c.Cards.Name(); n != "" {
		return n
	}
	return m.c.T("默认(第一个)", "default (the first)")
}

func (m *repairPage) noReaderView() []string {
	th := m.c.Theme
	switch m.reader {
	case app.ReaderNoPCSC:
		return []string{
			th.Bad.Render(m.c.T("读卡服务 pcscd 没有运行", "The card reader service (pcscd) is not running")),
			"",
			m.c.T("请启动读卡服务:", "Start it:"),
			th.Emphasis.Render("sudo systemctl start pcscd"),
			"",
			th.Muted.Render(m.c.T("启动后本页会自动恢复,无需重启程序。", "This screen recovers by itself once it runs.")),
		}
	case app.ReaderNone:
		return []string{
			th.Bad.Render(m.c.T("没有找到读卡器", "No card reader found")),
			"",
			m.c.T("请把读卡器接到这台电脑上。", "Plug the card reader into this computer."),
			"",
			th.Muted.Render(m.c.T("接上后本页会自动恢复。", "This screen recovers by itself once it is attached.")),
		}
	}
	if m.c.Cards == nil {
		return []string{th.Bad.Render(m.c.T("本机没有配置读卡器", "No card reader is configured on this desk"))}
	}
	return []string{th.Muted.Render(m.c.T("正在查找读卡器...", "Looking for the card reader..."))}
}

func (m *repairPage) pickerView() []string {
	th := m.c.Theme
	lines := []string{th.Title.Render(m.c.T("选择读卡器", "Choose the card reader")), ""}
	for i, n := range m.readers {
		if i == m.pickSel {
			lines = append(lines, th.Selected.Render("> "+n))
		} else {
			lines = append(lines, "  "+n)
		}
	}
	return m.withNote(lines)
}

// cardHeader is the card's identity, status and purse.
func (m *repairPage) cardHeader() []string {
	th := m.c.Theme
	dc := m.card
	status := common.CardStatusName(m.c, dc.Ledger.Status)
	usable := dc.Ledger.Status.Rule().MayRepair // the ledger's word; the card's own byte below
	if usable && !dc.Card.Blocked() {
		status = th.Good.Render(status)
	} else {
		if dc.Card.Blocked() && usable {
			status = m.c.T("卡上止付", "blocked on the card")
		}
		status = th.Bad.Render(status)
	}
	l1 := th.Title.Render(dc.Holder.Name) + " " + th.Muted.Render(dc.Holder.HolderNo) + "   " +
		th.Muted.Render(m.c.T("卡号 ", "Card ")) + dc.Ledger.CardNo + "   " +
		th.Muted.Render(m.c.T("状态 ", "Status ")) + status
	l2 := th.Muted.Render(m.c.T("卡余额 ", "Balance ")) + th.Emphasis.Render(app.FormatYuan(dc.Card.Balance())) + m.c.T(" 元", " yuan") + "   " +
		th.Muted.Render(m.c.T("交易计数 ", "Counter ")) + fmt.Sprint(dc.Card.Counter()) + "   " +
		th.Muted.Render("UID "+dc.Card.UID())
	return []string{l1, l2}
}

// repairCol is a column of the recharge list: its heading and width in cells.
type repairCol struct {
	zh, en string
	width  int
	right  bool
}

var repairItemCols = []repairCol{
	{"时间", "Time", 11, false},
	{"POS", "POS", 4, false},
	{"流水", "Serial", 6, false},
	{"操作员", "Oper.", 6, false},
	{"金额", "Amount", 8, true},
	{"原因", "Reason", 15, false},
	{"卡上判定", "On the card", 15, false},
}

func (m *repairPage) row(cols []repairCol, cells []string) string {
	var b strings.Builder
	for i, col := range cols {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(repairCell(cells[i], col.width, col.right))
	}
	return b.String()
}

func (m *repairPage) heads(cols []repairCol) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = m.c.T(c.zh, c.en)
	}
	return out
}

func (m *repairPage) cardView(w, h int) string {
	th := m.c.Theme
	dc := m.card
	loc := m.c.Svc.Settings().Location
	lines := append(m.cardHeader(), m.cardNotes()...)
	lines = append(lines, "")
	nItems := len(dc.Items)
	var done []app.Repair
	for _, r := range dc.Repaired {
		if r.State != app.RepairIntent {
			done = append(done, r)
		}
	}
	doneLines := 0
	if len(done) > 0 {
		doneLines = 2 + min(len(done), 3)
	}

	// The recharges awaiting the desk.
	lines = append(lines, th.Emphasis.Render(m.c.T(fmt.Sprintf("待卡务中心处理的充值(%d 笔)", nItems), fmt.Sprintf("Recharges awaiting the desk (%d)", nItems))))
	if nItems == 0 {
		lines = append(lines, th.Muted.Render(m.c.T("  没有需要处理的充值。", "  Nothing awaits the desk for this card.")))
	} else {
		lines = append(lines, th.Header.Render("  "+m.row(repairItemCols, m.heads(repairItemCols))))
		sel := -1
		var detail []string
		if m.sel < nItems {
			sel = m.sel
			detail = m.itemDetail(&dc.Items[sel], w)
		}
		// What is left once the header, the headings, the selected one's explanation, the
		// finished repairs and the note line have their room.
		vis := max(min(nItems, h-len(lines)-len(detail)-doneLines-1), 1)
		m.top = repairWindow(m.top, sel, vis, nItems)
		for i := m.top; i < m.top+vis; i++ {
			it := dc.Items[i]
			r := it.Recharge
			cells := []string{r.BookedAt.In(loc).Format("01-02 15:04"), r.DeviceID, fmt.Sprint(r.Serial), m.ops[r.OperatorID],
				app.FormatYuan(r.Amount), repairReasonName(m.c, it.Reason), repairVerdictName(m.c, it.Verdict.OnCard)}
			line := m.row(repairItemCols, cells)
			if i == sel {
				lines = append(lines, th.Selected.Render("> "+line))
			} else {
				lines = append(lines, "  "+m.verdictStyle(it.Verdict.OnCard).Render(line))
			}
		}
		lines = append(lines, detail...)
	}

	// Repairs of this card already finished: a second tap shows them, nothing to write.
	if len(done) > 0 {
		lines = append(lines, "", th.Emphasis.Render(m.c.T(fmt.Sprintf("已补写(%d 笔,不会重复写卡)", len(done)), fmt.Sprintf("Already repaired (%d; never written twice)", len(done)))))
		vis := min(len(done), 3)
		start := repairWindow(0, m.sel-nItems, vis, len(done))
		for i := start; i < start+vis; i++ {
			r := done[i]
			line := fmt.Sprintf("%-6s %s  %s  %s -> %s  %s", r.Ref, r.FinishedAt.In(loc).Format("01-02 15:04"),
				repairCell(common.RepairOutcomeName(m.c, r.State), 14, false), app.FormatYuan(r.CardBalanceBefore), app.FormatYuan(r.CardBalanceAfter), r.Staff)
			if nItems+i == m.sel {
				lines = append(lines, th.Selected.Render("> "+line))
			} else {
				lines = append(lines, "  "+line)
			}
		}
	}

	// The card's own log, as much as fits.
	room := h - len(lines) - 2 // the note line and a gap
	if entries := repairLogOf(dc.Card); room >= 3 && len(entries) > 0 {
		lines = append(lines, "", th.Emphasis.Render(m.c.T("卡内交易记录(新的在前)", "The card's own log (newest first)")))
		lines = append(lines, th.Header.Render("  "+m.row(repairLogCols, m.heads(repairLogCols))))
		for i, e := range entries {
			if i >= room-3 {
				break
			}
			lines = append(lines, "  "+m.row(repairLogCols, []string{e.At.In(loc).Format("01-02 15:04"), repairKindName(m.c, e.Kind),
				app.FormatYuan(e.Amount), app.FormatYuan(e.BalanceAfter), fmt.Sprint(e.Counter), fmt.Sprint(e.Serial)}))
		}
	}
	for len(lines) < h-1 {
		lines = append(lines, "")
	}
	return strings.Join(append(lines[:min(len(lines), h-1)], m.noteStyle().Render(m.note)), "\n")
}

var repairLogCols = []repairCol{
	{"时间", "Time", 11, false},
	{"类型", "Kind", 8, false},
	{"金额", "Amount", 9, true},
	{"余额", "Balance", 9, true},
	{"计数", "Counter", 7, true},
	{"流水", "Serial", 8, true},
}

// cardNotes are what the ledger says of the card as a whole, under its header: a card whose
// status stops every repair (the ledger's refusal of its items), and a card behind what the
// ledger knows it reached.
func (m *repairPage) cardNotes() []string {
	th := m.c.Theme
	dc := m.card
	var out []string
	for _, it := range dc.Items {
		if b := it.Blocker; b != nil && repairCardLevel(b.Code) {
			out = append(out, th.Bad.Render(m.c.Msg(b)+m.c.T(":此卡不能补写,只作查看。", ": this card is not repaired, only shown.")))
			break
		}
	}
	if dc.Behind {
		out = append(out, th.Bad.Render(m.c.T(
			fmt.Sprintf("卡数据落后于系统:系统记录交易计数 %d、余额 %s 元", dc.Memory.Counter, app.FormatYuan(dc.Memory.Balance)),
			fmt.Sprintf("Card behind the ledger: the ledger knows counter %d, balance %s yuan", dc.Memory.Counter, app.FormatYuan(dc.Memory.Balance)))))
	}
	return out
}

// repairCardLevel: the refusal is about the card's status, not one recharge.
func repairCardLevel(c app.Code) bool {
	for _, r := range app.CardStatuses {
		if r.Refusal != "" && r.Refusal == c {
			return true
		}
	}
	return false
}

// itemDetail explains the selected recharge: the card's verdict, a supervisor's approval,
// and the ledger's answer: its refusal (with what a wait for the POS waits for), or what
// enter does.
func (m *repairPage) itemDetail(it *app.DeskItemVerdict, w int) []string {
	th := m.c.Theme
	out := repairIndent(lipgloss.NewStyle(), m.c.T("判定依据:", "Why: ")+m.c.T(it.Verdict.ZH, it.Verdict.EN), w)
	if it.Repair.ID != 0 {
		out = append(out, repairIndent(th.Warn, m.c.T("有未完成的补写 "+it.Repair.Ref+",卡上未见该笔充值", "Unfinished repair "+it.Repair.Ref+": the credit is not on the card"), w)...)
	}
	if a := it.Approval; a.ID != 0 {
		out = append(out, repairIndent(th.Good, m.c.T("已批准补写 (批准人 "+a.DecidedBy+"):", "Write approved (by "+a.DecidedBy+"): ")+a.Reason, w)...)
	}
	switch {
	case it.Blocker != nil:
		out = append(out, repairIndent(th.Bad, m.blockerText(it), w)...)
		if it.Wait != nil && it.Blocker.Code == app.CodeAwaitingPOS {
			out = append(out, repairIndent(th.Muted, m.waitText(it.Wait), w)...)
		}
		if rp := it.Repair; rp.ID != 0 && it.Blocker.Code == app.CodeRepairInProgress {
			loc := m.c.Svc.Settings().Location
			began, from := rp.StartedAt.In(loc).Format("15:04:05"), rp.StartedAt.Add(app.RepairFresh).In(loc).Format("15:04:05")
			out = append(out, repairIndent(th.Muted, m.c.T(rp.Staff+" 于 "+began+" 在另一柜台开始;"+from+" 起本柜台可接续",
				rp.Staff+" began it at "+began+" at another desk; this desk may resume it from "+from), w)...)
		}
	case it.Action == app.DeskWrite:
		out = append(out, repairIndent(th.Good, m.c.T("enter 补写 ", "enter writes ")+app.FormatYuan(it.Recharge.Amount)+m.c.T(" 元到卡上", " yuan to the card"), w)...)
	case it.Action == app.DeskRecordFound:
		out = append(out, repairIndent(th.Good, m.c.T("enter 记为已在卡上(不写卡)", "enter records it as found on the card (no write)"), w)...)
	}
	return out
}

// waitText says what a recharge held for its POS waits for: the POS's last contact, and
// what releases it.
func (m *repairPage) waitText(w *app.POSWait) string {
	loc := m.c.Svc.Settings().Location
	last := m.c.T("从未联系", "no contact yet")
	if !w.LastContact.At.IsZero() {
		last = m.c.T(fmt.Sprintf("上次联系 %s 流水 %d", w.LastContact.At.In(loc).Format("01-02 15:04"), w.LastContact.Serial),
			fmt.Sprintf("last contact %s serial %d", w.LastContact.At.In(loc).Format("01-02 15:04"), w.LastContact.Serial))
	}
	return w.DeviceID + " " + last + m.c.T(";该机上送后续报文或管理员登记退役/更换后可补写",
		"; writable once it sends a later message or an admin records it retired or replaced")
}

// repairIndent wraps text to the width less two cells of indent, styled line by line.
func repairIndent(st lipgloss.Style, text string, w int) []string {
	lines := strings.Split(ansi.Wrap(text, max(w-2, 10), ""), "\n")
	for i, l := range lines {
		lines[i] = "  " + st.Render(l)
	}
	return lines
}

func (m *repairPage) verdictStyle(v app.OnCard) lipgloss.Style {
	switch v {
	case app.CannotTell:
		return m.c.Theme.Warn
	case app.BehindLedger:
		return m.c.Theme.Bad
	}
	return lipgloss.NewStyle()
}

func (m *repairPage) confirmView(w int) string {
	th := m.c.Theme
	it, dc := m.target, m.card
	r := it.Recharge
	loc := m.c.Svc.Settings().Location
	var body []string
	ref := m.c.T(fmt.Sprintf("充值:POS %s 流水 %d,操作员 %s,%s", r.DeviceID, r.Serial, m.ops[r.OperatorID], r.BookedAt.In(loc).Format(time.DateTime)),
		fmt.Sprintf("Recharge: POS %s serial %d, operator %s, %s", r.DeviceID, r.Serial, m.ops[r.OperatorID], r.BookedAt.In(loc).Format(time.DateTime)))
	if it.Action == app.DeskWrite {
		body = []string{
			th.Title.Render(m.c.T("确认补写", "Confirm the repair")),
			"",
			m.c.T("将 ", "Write ") + th.Emphasis.Render(app.FormatYuan(r.Amount)) + m.c.T(" 元写入卡 ", " yuan onto card ") + dc.Ledger.CardNo + " (" + dc.Holder.Name + ")",
			ref,
			m.c.T("卡余额 ", "Card balance ") + app.FormatYuan(dc.Card.Balance()) + " -> " + th.Emphasis.Render(app.FormatYuan(dc.Card.Balance()+r.Amount)) + m.c.T(" 元", " yuan"),
		}
	} else {
		body = []string{
			th.Title.Render(m.c.T("确认记录", "Confirm")),
			"",
			m.c.T("该笔充值已在卡上:记为已处理,不写卡。", "This recharge is already on the card: record it as settled, write nothing."),
			ref,
			m.c.T("卡余额 ", "Card balance ") + app.FormatYuan(dc.Card.Balance()) + m.c.T(" 元(不变)", " yuan (unchanged)"),
		}
	}
	if a := it.Approval; a.ID != 0 {
		body = append(body, th.Good.Render(m.c.T("已批准补写 (批准人 "+a.DecidedBy+")", "Write approved (by "+a.DecidedBy+")")))
	}
	yes := m.c.T("y 确认写卡", "y write it")
	if it.Action != app.DeskWrite {
		yes = m.c.T("y 确认记录", "y record it")
	}
	body = append(body, "", th.KeyHint.Render(yes+"    "+m.c.T("n / enter 取消(默认)", "n / enter cancel (default)")))
	box := th.Frame.Width(min(w, 72)).Render(strings.Join(body, "\n"))
	return strings.Join(append(m.cardHeader(), "", box), "\n")
}

func (m *repairPage) writingView() string {
	th := m.c.Theme
	lines := m.cardHeader()
	lines = append(lines, "", th.Warn.Render(m.c.T("正在写卡,请勿移开卡片!", "Writing the card: keep it on the reader!")))
	if m.target != nil {
		r := m.target.Recharge
		lines = append(lines, th.Muted.Render(m.c.T(fmt.Sprintf("补写 POS %s 流水 %d,%s 元", r.DeviceID, r.Serial, app.FormatYuan(r.Amount)),
			fmt.Sprintf("Repairing POS %s serial %d, %s yuan", r.DeviceID, r.Serial, app.FormatYuan(r.Amount)))))
	}
	return strings.Join(lines, "\n")
}

func (m *repairPage) receiptView(w int) string {
	th := m.c.Theme
	text := repairReceiptText(m.c, m.receipt, m.reprint, m.c.Svc.Settings().Location)
	box := th.Frame.Width(min(w, 60)).Render(strings.TrimRight(text, "\n"))
	lines := []string{box}
	if m.note != "" {
		lines = append(lines, strings.Split(ansi.Wrap(m.noteStyle().Render(m.note), w, "/"), "\n")...)
	}
	if m.reader != app.ReaderCard {
		lines = append(lines, th.Muted.Render(m.c.T("卡片已取走;放上下一张卡即可开始。", "The card is off the reader; put the next card to start.")))
	}
	return strings.Join(lines, "\n")
}

func (m *repairPage) failedView(w int) string {
	th := m.c.Theme
	var lines []string
	if m.card != nil {
		lines = append(m.cardHeader(), "")
	}
	if m.writtenUnrecorded() {
		lines = append(lines, th.Warn.Render(m.c.T("已写卡,尚未记录", "Written to the card; not yet recorded")), "")
		lines = append(lines, repairIndent(th.Warn, m.note, w)...)
	} else {
		lines = append(lines, th.Bad.Render(m.c.T("未完成", "Not done")), "")
		lines = append(lines, repairIndent(th.Bad, m.note, w)...)
	}
	lines = append(lines, "")
	lines = append(lines, repairIndent(th.Muted, m.c.T("按 r 重新读卡,或拿开卡片再放上;系统按卡上的实际情况处理,不会重复写卡。",
		"Press r to read the card again, or take it off and put it back: the desk goes by what the card shows and never writes twice."), w)...)
	return strings.Join(lines, "\n")
}

// repairWindow keeps sel inside [top, top+vis).
func repairWindow(top, sel, vis, n int) int {
	if sel >= 0 {
		if sel < top {
			top = sel
		}
		if sel >= top+vis {
			top = sel - vis + 1
		}
	}
	return max(0, min(top, n-vis))
}

func repairLogOf(c app.CardOnDesk) []app.CardLogEntry {
	if l, ok := c.(app.CardLog); ok {
		return l.Log()
	}
	return nil
}

// repairCell pads or cuts s to width cells (CJK counts two).
func repairCell(s string, width int, right bool) string {
	if lipgloss.Width(s) > width {
		s = ansi.Truncate(s, width, "")
	}
	pad := strings.Repeat(" ", width-lipgloss.Width(s))
	if right {
		return pad + s
	}
	return s + pad
}

var (
	repairReasonNames  = common.Names[app.DeskReason]{app.DeskCancelReported: {"POS 撤销上报", "cancel reported"}, app.DeskWriteUnknown: {"写卡结果未知", "write unknown"}}
	repairVerdictNames = common.Names[app.OnCard]{
		app.NotOnCard:     {"未写入", "not on card"},
		app.AlreadyOnCard: {"已在卡上", "already on card"},
		app.BehindLedger:  {"卡落后于系统", "card behind"},
	}
	repairKindNames = common.Names[string]{"recharge": {"充值", "recharge"}, "spend": {"消费", "spend"}, "repair": {"补写", "repair"}}
)

func repairReasonName(c *common.Common, r app.DeskReason) string {
	return repairReasonNames.Of(c, r, string(r))
}

func repairVerdictName(c *common.Common, v app.OnCard) string {
	return repairVerdictNames.Of(c, v, c.T("无法判断", "cannot tell"))
}

func repairKindName(c *common.Common, k string) string { return repairKindNames.Of(c, k, k) }

// repairReceiptText is the receipt, as shown and as printed (UTF-8 text).
func repairReceiptText(c *common.Common, rc app.Receipt, reprint bool, loc *time.Location) string {
	title := c.T("卡务中心 补写卡凭条", "Card center repair receipt")
	if reprint {
		title += c.T("(补打)", " (reprint)")
	}
	outcome := c.T("已补写到卡上", "written to the card")
	if rc.Outcome == app.RepairFoundOnCard {
		outcome = c.T("原已在卡上,未写卡", "already on the card, nothing written")
	}
	rows := [][2]string{
		{c.T("凭条号", "Receipt"), rc.RepairRef},
		{c.T("卡号", "Card"), rc.CardNo},
		{c.T("持卡人", "Holder"), rc.HolderName},
		{c.T("充值参考", "Recharge"), fmt.Sprintf("POS %s %s %d", rc.DeviceID, c.T("流水", "serial"), rc.Serial)},
		{c.T("结果", "Outcome"), outcome},
		{c.T("补写金额", "Amount written"), app.FormatYuan(rc.Amount) + c.T(" 元", " yuan")},
		{c.T("写前余额", "Balance before"), app.FormatYuan(rc.BalanceBefore) + c.T(" 元", " yuan")},
		{c.T("写后余额", "Balance after"), app.FormatYuan(rc.BalanceAfter) + c.T(" 元", " yuan")},
		{c.T("柜员", "Clerk"), rc.Clerk},
		{c.T("时间", "Time"), rc.At.In(loc).Format(time.DateTime)},
	}
	var b strings.Builder
	b.WriteString(title + "\n\n")
	for _, r := range rows {
		b.WriteString(repairCell(r[0], 16, false) + r[1] + "\n")
	}
	return b.String()
}
