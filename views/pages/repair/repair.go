package repair

import (
	"cardcenter/views/common"
	"cardcenter/views/components/confirm"
	"errors"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"cardcenter/app"
	"cardcenter/cardio"
)

// repairState is where the repair screen stands. The write key only works in
// repairConfirming, and only repairWriting is Busy.
type repairState int

const (
	repairNoReader   repairState = iota // pcscd down, no reader, or not known yet
	repairWaiting                       // a reader, no card
	repairReading                       // a read of the card is in flight
	repairShown                         // the card and its recharges awaiting the desk
	repairConfirming                    // "write this?" asked; No is the default
	repairWriting                       // the repair use case runs: re-read, intent, write, completion
	repairDone                          // a receipt on screen (a repair just done, or a reprint)
	repairFailed                        // a read or a repair failed: the message, nothing armed
	repairPicking                       // choosing among several readers
)

// noteKind colours the screen's one status line.
type noteKind int

const (
	noteMuted noteKind = iota
	noteGood
	noteWarn
	noteBad
)

// repairRow is a selectable line of the card view: a recharge awaiting the desk, or a
// finished repair (enter shows its receipt again).
type repairRow struct {
	item *app.DeskItemVerdict
	done *app.Repair
}

// repairPage is the clerk's repair screen (补写卡).
type repairPage struct {
	c      *common.Common
	keys   repairKeys
	yesNo  confirm.Keys
	width  int
	height int

	state  repairState
	reader app.ReaderState
	// seq names the card event the screen is about; every async result carries the seq it
	// was started under and is dropped if the screen has moved on (another card, card gone).
	seq int

	card    *app.DeskCard
	ops     map[int64]string // operator number by id, for the recharge list
	sel     int              // selected row of rows()
	top     int              // first visible recharge row
	target  *app.DeskItemVerdict
	writing string // UID of the card being written
	moved   bool   // the reader changed while writing
	// failure is the refusal the screen shows, if any: the failed screen says "written, not
	// yet recorded" for a credited card (never "not done"), and reads the card again after
	// a new login if it was the ended session.
	failure error

	note     string
	noteKind noteKind

	receipt  app.Receipt
	reprint  bool
	printing bool
	printed  string // where the receipt was saved

	readers  []string
	pickSel  int
	pickBack repairState
}

func New(c *common.Common) common.Page {
	m := &repairPage{c: c, keys: newRepairKeys(c), yesNo: confirm.NewKeys(c), width: c.Width, height: c.Height}
	m.setKeys()
	return m
}

func (m *repairPage) Init() tea.Cmd { return m.listReaders(true) }

func (m *repairPage) SetSize(w, h int) { m.width, m.height = w, h }

func (m *repairPage) Title() string { return m.c.T("补写卡", "Repair") }

func (m *repairPage) Busy() bool { return m.state == repairWriting }

func (m *repairPage) Capturing() bool { return false }

func (m *repairPage) ShortHelp() []key.Binding {
	k := m.keys
	return []key.Binding{k.Up, k.Down, k.Open, k.Yes, k.No, k.Print, k.Back, k.Reread, k.PickReader}
}

func (m *repairPage) FullHelp() [][]key.Binding {
	k := m.keys
	return [][]key.Binding{{k.Up, k.Down, k.Open}, {k.Yes, k.No, k.Print, k.Back}, {k.Reread, k.PickReader}}
}

func (m *repairPage) Update(msg tea.Msg) (common.Page, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case common.ReaderMsg:
		cmd = m.onReader(msg)
	case repairReadMsg:
		m.onRead(msg)
	case repairWriteMsg:
		m.onWrite(msg)
	case repairReceiptMsg:
		m.onReceipt(msg)
	case repairPrintMsg:
		m.onPrinted(msg)
	case repairReadersMsg:
		m.onReaders(msg)
	case repairChosenMsg:
		if m.state == repairPicking {
			cmd = m.startRead()
		}
	case common.SessionResumedMsg:
		// Refused for an ended session, the screen says "log in again"; now that the clerk has,
		// the card still on the reader is read again under the new session.
		if m.state == repairFailed && errors.Is(m.failure, app.CodeSessionEnded) && m.reader == app.ReaderCard {
			cmd = m.startRead()
		}
	case tea.KeyPressMsg:
		cmd = m.onKey(msg)
	default:
		return m, nil
	}
	m.setKeys()
	return m, cmd
}

func (m *repairPage) say(kind noteKind, zh, en string) { m.note, m.noteKind = m.c.T(zh, en), kind }

func (m *repairPage) sayErr(err error) {
	m.note, m.noteKind = m.c.Msg(err), noteBad
	m.failure = err
}

// onReader follows the reader: cards coming and going, pcscd and readers appearing.
func (m *repairPage) onReader(msg common.ReaderMsg) tea.Cmd {
	if msg.State == app.ReaderUnknown {
		return nil
	}
	changed := msg.State != m.reader
	m.reader = msg.State
	switch m.state {
	case repairWriting:
		// The repair use case finds out what happened; its answer decides the screen.
		m.moved = m.moved || changed
		return nil
	case repairPicking:
		return nil
	}
	switch msg.State {
	case app.ReaderNoPCSC, app.ReaderNone:
		m.seq++
		m.card, m.target, m.state = nil, nil, repairNoReader
		m.note = ""
	case app.ReaderEmpty:
		switch m.state {
		case repairReading, repairShown, repairConfirming:
			m.seq++
			m.card, m.target, m.state = nil, nil, repairWaiting
			m.say(noteWarn, "卡片已拿开,未写卡。", "The card was taken away; nothing was written.")
		case repairDone:
			m.seq++ // the receipt stays on screen for printing until the next card
		case repairFailed:
			m.seq++
			m.card, m.target, m.state = nil, nil, repairWaiting
		default:
			m.seq++
			m.state, m.note = repairWaiting, ""
		}
	case app.ReaderCard:
		m.note = m.keepFailure()
		return m.startRead()
	}
	return nil
}

// keepFailure keeps a write-outcome message until the card is read again.
func (m *repairPage) keepFailure() string {
	if m.noteKind == noteBad {
		return m.note
	}
	return ""
}

// startRead reads the card on the reader under a new seq.
func (m *repairPage) startRead() tea.Cmd {
	m.seq++
	m.failure = nil
	m.card, m.target, m.state = nil, nil, repairReading
	if m.c.Cards == nil {
		m.state = repairNoReader
		return nil
	}
	return m.readCard(m.seq)
}

func (m *repairPage) onRead(msg repairReadMsg) {
	if msg.seq != m.seq || m.state != repairReading {
		return // about a card that is no longer on the reader
	}
	if msg.err != nil {
		switch cardio.CodeOf(msg.err) {
		case cardio.CodeNoCard:
			m.state, m.note = repairWaiting, ""
		case cardio.CodeCardRemoved:
			m.state = repairWaiting
			m.say(noteWarn, "读卡时卡片被移开,请重新放卡。", "The card was moved while reading; put it back.")
		case cardio.CodeNoReader:
			m.state, m.reader, m.note = repairNoReader, app.ReaderNone, ""
		case cardio.CodeNoService:
			m.state, m.reader, m.note = repairNoReader, app.ReaderNoPCSC, ""
		default:
			m.state = repairFailed
			m.sayErr(msg.err)
		}
		return
	}
	dc := msg.dc
	m.card, m.ops, m.state = &dc, msg.ops, repairShown
	m.sel, m.top, m.note = 0, 0, "" // an earlier failure's advice is answered by this read
	if len(dc.Resolved) > 0 {
		m.say(noteGood, "上次未完成的补写已按卡上结果完成:"+repairRefs(dc.Resolved)+"。",
			"Unfinished repairs were completed from what the card shows: "+repairRefs(dc.Resolved)+".")
	}
}

func (m *repairPage) onWrite(msg repairWriteMsg) {
	if msg.seq != m.seq || m.state != repairWriting || msg.uid != m.writing {
		return
	}
	m.writing, m.target = "", nil
	if msg.err != nil {
		m.state = repairFailed
		m.sayErr(msg.err)
		if m.writtenUnrecorded() {
			if cause := causeOf(msg.err); cause != nil {
				m.note += m.c.T("(", " (") + m.c.Msg(cause) + m.c.T(")", ")")
			}
		}
		return
	}
	m.receipt, m.reprint, m.printed, m.state = msg.rc, false, "", repairDone
	if msg.rc.Outcome == app.RepairWritten {
		m.say(noteGood, "补写成功。", "Repaired.")
	} else {
		m.say(noteGood, "该笔充值已在卡上,已记录,未写卡。", "The recharge was already on the card: recorded, nothing written.")
	}
	if m.moved {
		m.note += m.c.T(" 写卡期间读卡器上的卡有变化,请按 r 重新读卡核对。", " The card on the reader changed meanwhile; press r to read it again.")
		m.noteKind = noteWarn
	}
}

func (m *repairPage) onReceipt(msg repairReceiptMsg) {
	if msg.seq != m.seq || m.state != repairShown {
		return
	}
	if msg.err != nil {
		m.sayErr(msg.err)
		return
	}
	m.receipt, m.reprint, m.printed, m.state, m.note = msg.rc, true, "", repairDone, ""
}

func (m *repairPage) onPrinted(msg repairPrintMsg) {
	if msg.ref != m.receipt.RepairRef || !m.printing {
		return
	}
	m.printing = false
	if msg.err != nil {
		m.say(noteBad, "凭条保存失败:"+msg.err.Error(), "Could not save the receipt: "+msg.err.Error())
		return
	}
	m.printed = msg.path
	m.say(noteGood, "凭条已保存:"+msg.path, "Receipt saved: "+msg.path)
}

func (m *repairPage) onReaders(msg repairReadersMsg) {
	if msg.err != nil {
		if !msg.auto {
			m.sayErr(msg.err)
		}
		return
	}
	if msg.auto && (len(msg.names) < 2 || m.c.Cards.Name() != "") {
		return
	}
	if m.state == repairWriting || m.state == repairConfirming {
		return
	}
	if m.state != repairPicking {
		m.pickBack = m.state
	}
	m.readers, m.pickSel, m.state = msg.names, 0, repairPicking
	for i, n := range msg.names {
		if n == m.c.Cards.Name() {
			m.pickSel = i
		}
	}
}

func repairRefs(rs []app.Repair) string {
	s := ""
	for i, r := range rs {
		if i > 0 {
			s += ", "
		}
		s += r.Ref
	}
	return s
}

// writtenUnrecorded: the failed repair's money is on the card, only its record is missing.
func (m *repairPage) writtenUnrecorded() bool {
	return errors.Is(m.failure, app.CodeWrittenUnrecorded)
}

// causeOf is what a use case's refusal wraps (fmt.Errorf("%w: %w", refusal, cause)).
func causeOf(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		if errs := j.Unwrap(); len(errs) == 2 {
			return errs[1]
		}
	}
	return nil
}
