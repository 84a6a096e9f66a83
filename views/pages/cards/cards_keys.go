package cards

import (
	"cardcenter/views/common"

	"charm.land/bubbles/v2/key"

	"cardcenter/app"
)

// cardsKeys are the card status screen's keys; setting a status is admins' only.
type cardsKeys struct {
	Find, Read, Done, Lost, Frozen, Bad, Normal, Cancel key.Binding
}

func newCardsKeys(c *common.Common) cardsKeys {
	admin := c.Actor.Role == app.RoleAdmin
	return cardsKeys{
		Find:   common.Key(true, "/", c.T("输入卡号", "type a card no"), "/"),
		Read:   common.Key(true, "c", c.T("读卡", "read card"), "c"),
		Done:   common.Key(true, "enter", c.T("查询", "look up"), "enter"),
		Lost:   common.Key(admin, "l", c.T("挂失", "lost"), "l"),
		Frozen: common.Key(admin, "f", c.T("冻结", "freeze"), "f"),
		Bad:    common.Key(admin, "b", c.T("坏卡登记", "bad"), "b"),
		Normal: common.Key(admin, "o", c.T("恢复正常", "normal"), "o"),
		Cancel: common.Key(admin, "x", c.T("注销", "cancel card"), "x"),
	}
}
