package cards

import (
	"cardcenter/views/common"

	"charm.land/bubbles/v2/key"
)

// cardsKeys are the card status screen's keys; setting a status is admins' only.
type cardsKeys struct {
	Find, Read, Done, Lost, Frozen, Bad, Normal, Cancel key.Binding
}

func newCardsKeys(c *common.Common) cardsKeys {
	return cardsKeys{
		Find:   common.Key(true, "/", c.T("输入卡号", "type a card no"), "/"),
		Read:   common.Key(true, "c", c.T("读卡", "read card"), "c"),
		Done:   common.Key(true, "enter", c.T("查询", "look up"), "enter"),
		Lost:   common.AdminKey(c, "l", c.T("挂失", "lost"), "l"),
		Frozen: common.AdminKey(c, "f", c.T("冻结", "freeze"), "f"),
		Bad:    common.AdminKey(c, "b", c.T("坏卡登记", "bad"), "b"),
		Normal: common.AdminKey(c, "o", c.T("恢复正常", "normal"), "o"),
		Cancel: common.AdminKey(c, "x", c.T("注销", "cancel card"), "x"),
	}
}
