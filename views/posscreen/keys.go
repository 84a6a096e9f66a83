package posscreen

import "charm.land/bubbles/v2/key"

// keyMap is the POS keypad: digits, 确认 (Enter), 取消 (Esc), and quit.
type keyMap struct {
	Confirm key.Binding
	Cancel  key.Binding
	Erase   key.Binding
	Quit    key.Binding
}

func newKeys(en bool) keyMap {
	h := func(zh, e string) string {
		if en {
			return e
		}
		return zh
	}
	return keyMap{
		Confirm: key.NewBinding(key.WithKeys("enter"), key.WithHelp("Enter", h("确认", "OK"))),
		Cancel:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("Esc", h("取消", "cancel"))),
		Erase:   key.NewBinding(key.WithKeys("backspace"), key.WithHelp("⌫", h("删除", "erase"))),
		Quit:    key.NewBinding(key.WithKeys("ctrl+c", "f10"), key.WithHelp("Ctrl+C", h("关机", "power off"))),
	}
}
