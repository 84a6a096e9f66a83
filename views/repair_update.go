package views

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

// ask opens the confirm dialog for a recharge, or says in plain words why it cannot be.
func (m *repairPage) ask(it *app.DeskItemVerdict) {
	if why := m.refusal(it); why != "" {
		m.note, m.noteKind = why, noteBad
		return
	}
	m.target, m.state, m.note = it, repairConfirming, ""
}

// refusal is why the screen will not offer to settle it (the use case checks again).
func (m *repairPage) refusal(it *app.DeskItemVerdict) string {
	if err := repairStatusRefusal(m.card.Ledger.Status); err != nil {
		return m.c.Msg(err) + m.c.T(",不能补写。", "; no repair.")
	}
	if m.card.Card.Blocked() {
		return m.c.Msg(app.E(app.CodeCardBlocked, ""))
	}
	if it.ReversalPending {
		return m.c.Msg(app.E(app.CodeReversalPending, ""))
	}
	switch it.Verdict.OnCard {
	case app.CannotTell:
		return m.c.T("无法从卡上判断该笔充值是否已写入,不写卡,请主管处理。", "The card cannot tell whether this recharge landed: nothing to write, a supervisor decides.")
	case app.NotOnCard:
		if m.card.Card.Balance()+it.Recharge.Amount > m.c.Svc.Config().BalanceCeiling {
			return m.c.Msg(app.E(app.CodeOverCeiling, "")) + m.c.T(",不能补写。", "; no repair.")
		}
	}
	return ""
}

// repairStatusRefusal is the ledger's refusal of a card that is not in normal use.
func repairStatusRefusal(s app.CardStatus) error {
	switch s {
	case app.CardLost:
		return app.E(app.CodeCardLost, "")
	case app.CardFrozen:
		return app.E(app.CodeCardFrozen, "")
	case app.CardBad:
		return app.E(app.CodeCardBad, "")
	case app.CardCancelled:
		return app.E(app.CodeCardCancelled, "")
	}
	return nil
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
