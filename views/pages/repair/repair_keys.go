package repair

import (
	"cardcenter/views/common"

	"charm.land/bubbles/v2/key"

	"cardcenter/app"
)

// repairKeys are the repair screen's keys. Which are enabled follows the state (setKeys), so
// the help bar only offers what works now: the write key only while confirming.
type repairKeys struct {
	Up, Down   key.Binding
	Open       key.Binding // enter: ask to settle the selected recharge, or open a finished repair's receipt
	Yes, No    key.Binding // the confirm dialog; No is the default
	Print      key.Binding
	Back       key.Binding
	Reread     key.Binding
	PickReader key.Binding
}

func newRepairKeys(c *common.Common) repairKeys {
	return repairKeys{
		Up:         key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", c.T("上移", "up"))),
		Down:       key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", c.T("下移", "down"))),
		Open:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", c.T("处理所选", "settle"))),
		Yes:        key.NewBinding(key.WithKeys("y"), key.WithHelp("y", c.T("确认", "confirm"))),
		No:         key.NewBinding(key.WithKeys("n", "esc", "enter"), key.WithHelp("n/enter", c.T("取消", "cancel"))),
		Print:      key.NewBinding(key.WithKeys("p"), key.WithHelp("p", c.T("打印凭条", "print"))),
		Back:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", c.T("返回", "back"))),
		Reread:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", c.T("重新读卡", "read again"))),
		PickReader: key.NewBinding(key.WithKeys("s"), key.WithHelp("s", c.T("选择读卡器", "reader"))),
	}
}

// setKeys enables the keys that work in the page's current state.
func (m *repairPage) setKeys() {
	k := &m.keys
	for _, b := range []*key.Binding{&k.Up, &k.Down, &k.Open, &k.Yes, &k.No, &k.Print, &k.Back, &k.Reread, &k.PickReader} {
		b.SetEnabled(false)
	}
	switch m.state {
	case repairNoReader, repairWaiting, repairFailed:
		k.PickReader.SetEnabled(m.c.Cards != nil)
		k.Reread.SetEnabled(m.c.Cards != nil && m.state != repairNoReader)
	case repairShown:
		rows := m.rows()
		k.Up.SetEnabled(len(rows) > 1)
		k.Down.SetEnabled(len(rows) > 1)
		if m.sel < len(rows) {
			// No settle key for an item the ledger holds: its Blocker is shown instead.
			if it := rows[m.sel].item; it != nil {
				k.Open.SetEnabled(settleable(it))
				k.Open.SetHelp("enter", m.c.T("处理所选", "settle"))
			} else {
				k.Open.SetEnabled(true)
				k.Open.SetHelp("enter", m.c.T("查看凭条", "receipt"))
			}
		}
		k.Reread.SetEnabled(true)
		k.PickReader.SetEnabled(true)
	case repairConfirming:
		k.Yes.SetEnabled(true)
		k.No.SetEnabled(true)
	case repairDone:
		k.Print.SetEnabled(!m.printing)
		k.Back.SetEnabled(true)
		k.Reread.SetEnabled(m.reader == app.ReaderCard)
	case repairPicking:
		k.Up.SetEnabled(len(m.readers) > 1)
		k.Down.SetEnabled(len(m.readers) > 1)
		k.Open.SetEnabled(len(m.readers) > 0)
		k.Open.SetHelp("enter", m.c.T("使用该读卡器", "use this reader"))
		k.Back.SetEnabled(true)
	}
}
