package views

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
		Find:   admKey(true, "/", c.T("输入卡号", "type a card no"), "/"),
		Read:   admKey(true, "c", c.T("读卡", "read card"), "c"),
		Done:   admKey(true, "enter", c.T("查询", "look up"), "enter"),
		Lost:   admKey(admin, "l", c.T("挂失", "lost"), "l"),
		Frozen: admKey(admin, "f", c.T("冻结", "freeze"), "f"),
		Bad:    admKey(admin, "b", c.T("坏卡登记", "bad"), "b"),
		Normal: admKey(admin, "o", c.T("恢复正常", "normal"), "o"),
		Cancel: admKey(admin, "x", c.T("注销", "cancel card"), "x"),
	}
}
