package app

// What the recharge POS terminal (app/pos) says of its own, beside the host's refusals: it
// shows these on its screen and never sends them. app/pos names them again for its callers.
const (
	CodeRechargeTimeout Code = "RECHARGE_TIMEOUT" // 充值超时: no answer; reversed
	// 充值超时, and the reversal not yet acknowledged: it stays queued and goes first.
	CodeRechargeTimeoutPending Code = "RECHARGE_TIMEOUT_REVERSAL_PENDING"
	CodeRetapCard              Code = "RETAP_CARD"              // 请重刷卡
	CodeRetapPending           Code = "RETAP_PENDING"           // finish 请重刷卡 first
	CodeWrongCard              Code = "WRONG_CARD"              // not the card of the recharge
	CodeCardCannotProve        Code = "CARD_CANNOT_PROVE"       // the card cannot tell: Cancel
	CodeOfflinePending         Code = "OFFLINE_RECORDS_PENDING" // 有脱机流水
	CodeCardReadFailed         Code = "CARD_READ_FAILED"
)

func init() {
	catalogue[CodeRechargeTimeout] = [2]string{"充值超时,已自动冲正", "recharge timed out; reversed automatically"}
	catalogue[CodeRechargeTimeoutPending] = [2]string{"充值超时,冲正尚未被主机确认,将自动重发;确认前请勿退还现金", "recharge timed out; the host has not yet acknowledged the reversal, which is sent again: do not refund the cash until it is"}
	catalogue[CodeRetapCard] = [2]string{"写卡失败,请重刷卡", "card write failed; tap the card again"}
	catalogue[CodeRetapPending] = [2]string{"请先完成重刷卡或按取消", "finish the re-tap or press Cancel first"}
	catalogue[CodeWrongCard] = [2]string{"不是原卡,请放原充值卡", "not the card of this recharge; tap the original card"}
	catalogue[CodeCardCannotProve] = [2]string{"无法从卡上确认是否充值成功,请按取消并请持卡人到卡中心处理", "the card cannot prove whether the recharge landed; press Cancel and send the cardholder to the card center"}
	catalogue[CodeOfflinePending] = [2]string{"有脱机流水未上送,请稍后重试", "offline records not yet uploaded; try again later"}
	catalogue[CodeCardReadFailed] = [2]string{"读卡失败,请放卡", "could not read the card; put it on the reader"}
}
