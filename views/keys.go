package views

import (
	"cardcenter/views/common"

	"charm.land/bubbles/v2/key"
)

// rootKeys are the desk-wide keys; screens have their own.
type rootKeys struct {
	Next, Prev, Help, Quit, Logout key.Binding
	// Password opens "change my password", for every role.
	Password key.Binding
}

func newRootKeys(c *common.Common) rootKeys {
	return rootKeys{
		Next:     key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", c.T("下一页", "next screen"))),
		Prev:     key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", c.T("上一页", "previous screen"))),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", c.T("帮助", "help"))),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", c.T("退出", "quit"))),
		Logout:   key.NewBinding(key.WithKeys("ctrl+l"), key.WithHelp("ctrl+l", c.T("注销", "log out"))),
		Password: key.NewBinding(key.WithKeys("ctrl+p"), key.WithHelp("ctrl+p", c.T("修改我的密码", "change my password"))),
	}
}
