package repair

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"cardcenter/app"
)

// The repair screen's async results. Each carries the seq of the card event it was
// started under (and the write its card's UID), so a reply about a card that has since
// left the reader is dropped.
type (
	repairReadMsg struct {
		seq int
		dc  app.DeskCard
		ops map[int64]string
		err error
	}
	repairWriteMsg struct {
		seq        int
		uid        string
		rechargeID int64
		rc         app.Receipt
		err        error
	}
	repairReceiptMsg struct {
		seq        int
		rechargeID int64
		rc         app.Receipt
		err        error
	}
	repairPrintMsg struct {
		ref, path string
		err       error
	}
	repairReadersMsg struct {
		names []string
		auto  bool // asked at start: only open the picker when there is a choice to make
		err   error
	}
	repairChosenMsg struct{ name string }
)

// Time limits of the screen's I/O: a card read is milliseconds, the repair a few reads and
// a write plus three small transactions.
const (
	repairReadTimeout  = 10 * time.Second
	repairWriteTimeout = 30 * time.Second
)

// readCard reads the card on the reader with its recharges awaiting the desk.
func (m *repairPage) readCard(seq int) tea.Cmd {
	base, svc, actor, reader := m.c.Ctx, m.c.Svc, m.c.Actor, m.c.Cards.Reader()
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(base, repairReadTimeout)
		defer cancel()
		dc, err := app.LookAtCard(ctx, svc, actor, reader)
		if err != nil {
			return repairReadMsg{seq: seq, err: err}
		}
		ops := map[int64]string{}
		if len(dc.Items) > 0 {
			all, err := svc.Operators(ctx, actor)
			if err != nil {
				return repairReadMsg{seq: seq, err: err}
			}
			for _, o := range all {
				ops[o.ID] = o.OpNo
			}
		}
		return repairReadMsg{seq: seq, dc: dc, ops: ops}
	}
}

// repair runs the repair use case: it reads the card again, checks it is the card shown
// in the state shown, records the intent, writes, and records the completion.
func (m *repairPage) repair(seq int, rechargeID int64, shown app.CardOnDesk) tea.Cmd {
	base, svc, actor, reader, uid := m.c.Ctx, m.c.Svc, m.c.Actor, m.c.Cards.Reader(), shown.UID()
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(base, repairWriteTimeout)
		defer cancel()
		rc, err := app.RepairCard(ctx, svc, actor, reader, rechargeID, shown)
		return repairWriteMsg{seq: seq, uid: uid, rechargeID: rechargeID, rc: rc, err: err}
	}
}

// loadReceipt rebuilds a finished repair's receipt for reprinting.
func (m *repairPage) loadReceipt(seq int, rechargeID int64) tea.Cmd {
	base, svc, actor := m.c.Ctx, m.c.Svc, m.c.Actor
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(base, repairReadTimeout)
		defer cancel()
		rc, err := svc.ReceiptOf(ctx, actor, rechargeID)
		return repairReceiptMsg{seq: seq, rechargeID: rechargeID, rc: rc, err: err}
	}
}

// print saves the receipt as a UTF-8 text file (the desk has no printer of its own) in the
// desk's receipts folder, as <repair ref>.txt.
func (m *repairPage) print(rc app.Receipt, reprint bool) tea.Cmd {
	text := repairReceiptText(m.c, rc, reprint, m.c.Svc.Settings().Location)
	receipts := m.c.Receipts
	return func() tea.Msg {
		path, err := receipts.Save(rc.RepairRef+".txt", []byte(text))
		return repairPrintMsg{ref: rc.RepairRef, path: path, err: err}
	}
}

// listReaders asks the card source for its readers.
func (m *repairPage) listReaders(auto bool) tea.Cmd {
	if m.c.Cards == nil {
		return nil
	}
	base, cards := m.c.Ctx, m.c.Cards
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(base, repairReadTimeout)
		defer cancel()
		names, err := cards.Readers(ctx)
		return repairReadersMsg{names: names, auto: auto, err: err}
	}
}

// choose switches the desk to another reader.
func (m *repairPage) choose(name string) tea.Cmd {
	cards := m.c.Cards
	return func() tea.Msg {
		cards.Choose(name)
		return repairChosenMsg{name: name}
	}
}
