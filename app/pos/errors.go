package pos

import "cardcenter/app"

// What the POS itself says, beside the host's refusals.
const (
	CodeTimeout app.Code = "RECHARGE_TIMEOUT" // 充值超时: no answer; reversed
	// 充值超时, and the reversal not yet acknowledged: it stays queued and goes first.
	CodeTimeoutPending app.Code = "RECHARGE_TIMEOUT_REVERSAL_PENDING"
	CodeRetap          app.Code = "RETAP_CARD"              // 请重刷卡
	CodeRetapPending   app.Code = "RETAP_PENDING"           // finish 请重刷卡 first
	CodeWrongCard      app.Code = "WRONG_CARD"              // not the card of the recharge
	CodeVerdictUnknown app.Code = "CARD_CANNOT_PROVE"       // the card cannot tell: Cancel
	CodeQueuePending   app.Code = "OFFLINE_RECORDS_PENDING" // 有脱机流水
	CodeNoCard         app.Code = "CARD_READ_FAILED"
)

var messages = map[app.Code][2]string{
	CodeTimeout:        {"充值超时,已自动冲正", "recharge timed out; reversed automatically"},
	CodeTimeoutPending: {"充值超时,冲正尚未被主机确认,将自动重发;确认前请勿退还现金", "recharge timed out; the host has not yet acknowledged the reversal, which is sent again: do not refund the cash until it is"},
	CodeRetap:          {"写卡失败,请重刷卡", "card write failed; tap the card again"},
	CodeRetapPending:   {"请先完成重刷卡或按取消", "finish the re-tap or press Cancel first"},
	CodeWrongCard:      {"不是原卡,请放原充值卡", "not the card of this recharge; tap the original card"},
	CodeVerdictUnknown: {"无法从卡上确认是否充值成功,请按取消并请持卡人到卡中心处理", "the card cannot prove whether the recharge landed; press Cancel and send the cardholder to the card center"},
	CodeQueuePending:   {"有脱机流水未上送,请稍后重试", "offline records not yet uploaded; try again later"},
	CodeNoCard:         {"读卡失败,请放卡", "could not read the card; put it on the reader"},
}

func posError(code app.Code, detail string) *app.Error {
	m := messages[code]
	return &app.Error{Code: code, ZH: m[0], EN: m[1], Detail: detail}
}
