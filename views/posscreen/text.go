package posscreen

// text is every line the POS shows, in the POS's own words.
type text struct {
	Device, Operator, NoOperator            string
	Starting, TapAuthCard, EnterPIN         string
	Menu1, Menu2, Menu3, MenuQuit           string
	EnterAmount, WholeYuanOnly, PutCard     string
	Working, Authorized, Recharged, Balance string
	Retap, RetapHint, Cancelled, Timeout    string
	SummaryTitle, Session, Today            string
	Recharges, Reversals, Cash, Yuan, Count string
	Uploaded, NothingToUpload, PressAnyKey  string
	Refused, QueuePending                   string
	NoticesTitle, MoreNotices               string // MoreNotices takes the count
	LateReversals                           string
}

var textZH = text{
	Device: "增值机", Operator: "操作员", NoOperator: "未授权",
	Starting: "开机中:冲正与脱机流水上送…", TapAuthCard: "请刷授权卡", EnterPIN: "请输入授权卡密码",
	Menu1: "1. 查询充值汇总", Menu2: "2. 充值", Menu3: "3. 脱机批上送记录", MenuQuit: "Ctrl+C 关机",
	EnterAmount: "请输入充值金额(元)", WholeYuanOnly: "只能输入整元,不能有角和分", PutCard: "请放卡,按确认",
	Working: "处理中,请勿移卡…", Authorized: "授权成功", Recharged: "充值成功", Balance: "余额",
	Retap: "请重刷卡", RetapHint: "放回原卡按确认重刷;按取消则撤销(现金照收,持卡人到卡中心处理)",
	Cancelled: "已取消:请收取现金,请持卡人到卡中心处理", Timeout: "充值超时,已自动冲正",
	SummaryTitle: "充值汇总", Session: "本次授权", Today: "今日",
	Recharges: "充值", Reversals: "冲正", Cash: "现金", Yuan: "元", Count: "笔",
	Uploaded: "上送完成", NothingToUpload: "没有脱机流水", PressAnyKey: "按任意键返回",
	Refused: "交易失败", QueuePending: "有脱机流水",
	NoticesTitle: "冲正结果", MoreNotices: "还有 %d 条", LateReversals: "迟到冲正",
}

var textEN = text{
	Device: "Recharge POS", Operator: "Operator", NoOperator: "not authorized",
	Starting: "Starting: reversals and offline records first…", TapAuthCard: "Tap the authorization card", EnterPIN: "Enter the card's PIN",
	Menu1: "1. Recharge summary", Menu2: "2. Recharge", Menu3: "3. Upload offline records", MenuQuit: "Ctrl+C power off",
	EnterAmount: "Amount (whole yuan)", WholeYuanOnly: "whole yuan only, no jiao or fen", PutCard: "Put the card on the reader, press OK",
	Working: "Working, keep the card still…", Authorized: "Authorized", Recharged: "Recharged", Balance: "balance",
	Retap: "Tap the card again", RetapHint: "put the same card back and press OK; Cancel sends a cancel record (keep the cash, send the cardholder to the card center)",
	Cancelled: "Cancelled: keep the cash; the cardholder goes to the card center", Timeout: "Recharge timed out; reversed automatically",
	SummaryTitle: "Recharge summary", Session: "This session", Today: "Today",
	Recharges: "recharges", Reversals: "reversals", Cash: "cash", Yuan: "yuan", Count: "",
	Uploaded: "Upload done", NothingToUpload: "No offline records", PressAnyKey: "press any key",
	Refused: "Refused", QueuePending: "offline records pending",
	NoticesTitle: "Reversal outcomes", MoreNotices: "%d more", LateReversals: "late reversals",
}
