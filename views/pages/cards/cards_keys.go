package cards

import (
	"charm.land/bubbles/v2/key"

	"cardcenter/app"
	"cardcenter/views/common"
)

// setStatus is the key an admin presses to set each card status, with the action's name,
// in the order the help lists them. Every status of app.CardStatuses has one (a test holds
// the two together): a new status is a line here besides its line in app/cardstatus.go.
var setStatus = []struct {
	status app.CardStatus
	key    string
	zh, en string
}{
	{app.CardLost, "l", "挂失", "lost"},
	{app.CardFrozen, "f", "冻结", "freeze"},
	{app.CardBad, "b", "坏卡登记", "bad"},
	{app.CardNormal, "o", "恢复正常", "normal"},
	{app.CardCancelled, "x", "注销", "cancel card"},
}

// statusKey sets a card to its status; setting a status is admins' only.
type statusKey struct {
	key.Binding
	status app.CardStatus
}

// cardsKeys are the card status screen's keys.
type cardsKeys struct {
	Find, Read, Done key.Binding
	Set              []statusKey
}

func newCardsKeys(c *common.Common) cardsKeys {
	k := cardsKeys{
		Find: common.Key(true, "/", c.T("输入卡号", "type a card no"), "/"),
		Read: common.Key(true, "c", c.T("读卡", "read card"), "c"),
		Done: common.Key(true, "enter", c.T("查询", "look up"), "enter"),
	}
	for _, s := range setStatus {
		k.Set = append(k.Set, statusKey{common.AdminKey(c, s.key, c.T(s.zh, s.en), s.key), s.status})
	}
	return k
}
