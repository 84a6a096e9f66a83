package repair

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"cardcenter/app"
)

// onKey handles a key in the current state; keys that do not belong to it do nothing.
func (m *repairPage) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	switch m.state {
	case repairConfirming:
		switch {
		case key.Matches(msg, m.yesNo.Yes):
			return m.startWrite()
		case key.Matches(msg, m.yesNo.No):
			m.target, m.state = nil, repairShown
			m.say(noteMuted, "已取消,未写卡。", "Cancelled; nothing was written.")
		}
		return nil
	case repairWriting:
		return nil // nothing interrupts a write; q (the root) asks first
	case repairPicking:
		switch {
		case key.Matches(msg, k.Up):
			m.pickSel = max(m.pickSel-1, 0)
		case key.Matches(msg, k.Down):
			m.pickSel = min(m.pickSel+1, len(m.readers)-1)
		case key.Matches(msg, k.Open) && len(m.readers) > 0:
			return m.choose(m.readers[m.pickSel])
		case key.Matches(msg, k.Back):
			return m.resync()
		}
		return nil
	case repairShown:
		rows := m.rows()
		switch {
		case key.Matches(msg, k.Up):
			m.sel = max(m.sel-1, 0)
		case key.Matches(msg, k.Down):
			m.sel = min(m.sel+1, max(len(rows)-1, 0))
		case key.Matches(msg, k.Open) && m.sel < len(rows):
			if rows[m.sel].done != nil {
				return m.loadReceipt(m.seq, rows[m.sel].done.RechargeID)
			}
			m.ask(rows[m.sel].item)
		case key.Matches(msg, k.Reread):
			m.note = ""
			return m.startRead()
		case key.Matches(msg, k.PickReader):
			return m.listReaders(false)
		}
		return nil
	case repairDone:
		switch {
		case key.Matches(msg, k.Print):
			m.printing = true
			return m.print(m.receipt, m.reprint)
		case key.Matches(msg, k.Reread) && m.reader == app.ReaderCard:
			m.note = ""
			return m.startRead()
		case key.Matches(msg, k.Back):
			m.note = ""
			return m.resync()
		}
		return nil
	case repairNoReader, repairWaiting, repairFailed:
		switch {
		case key.Matches(msg, k.Reread) && m.state != repairNoReader:
			m.note = ""
			return m.startRead()
		case key.Matches(msg, k.PickReader):
			return m.listReaders(false)
		}
	}
	return nil
}

// ask opens the confirm dialog for a recharge the ledger lets the desk settle, or says the
// ledger's refusal in plain words (the use case checks again when it writes).
func (m *repairPage) ask(it *app.DeskItemVerdict) {
	if it.Blocker != nil || it.Action == app.DeskNoAction {
		m.note, m.noteKind = m.blockerText(it), noteBad
		return
	}
	m.target, m.state, m.note = it, repairConfirming, ""
}

// blockerText is the ledger's refusal of an item, as a sentence.
func (m *repairPage) blockerText(it *app.DeskItemVerdict) string {
	if it.Blocker == nil {
		return m.c.T("该笔充值现在不能处理。", "This recharge cannot be settled now.")
	}
	return m.c.Msg(it.Blocker) + m.c.T("。", ".")
}

// settleable: the ledger lets the desk settle the item now, by Action.
func settleable(it *app.DeskItemVerdict) bool {
	return it.Blocker == nil && it.Action != app.DeskNoAction
}

func (m *repairPage) startWrite() tea.Cmd {
	if m.target == nil || m.card == nil || m.c.Cards == nil {
		m.state = repairShown
		return nil
	}
	m.state, m.moved, m.writing = repairWriting, false, m.card.Card.UID()
	return m.repair(m.seq, m.target.Recharge.ID, m.card.Card)
}

// resync puts the screen where the reader is (leaving the picker or a receipt).
func (m *repairPage) resync() tea.Cmd {
	switch m.reader {
	case app.ReaderCard:
		return m.startRead()
	case app.ReaderEmpty:
		m.seq++
		m.card, m.state = nil, repairWaiting
	case app.ReaderNoPCSC, app.ReaderNone:
		m.seq++
		m.card, m.state = nil, repairNoReader
	default:
		m.state = m.pickBack
		if m.state == repairPicking || m.state == repairDone {
			m.state = repairNoReader
		}
	}
	return nil
}

// rows are the selectable lines: the recharges awaiting the desk, then finished repairs.
func (m *repairPage) rows() []repairRow {
	if m.card == nil {
		return nil
	}
	var rows []repairRow
	for i := range m.card.Items {
		rows = append(rows, repairRow{item: &m.card.Items[i]})
	}
	for i := range m.card.Repaired {
		if m.card.Repaired[i].State != app.RepairIntent {
			rows = append(rows, repairRow{done: &m.card.Repaired[i]})
		}
	}
	return rows
}
