package app

import (
	"errors"
	"fmt"
)

// Code is the stable identifier of a refusal. Codes are part of the POS protocol and of
// the desk's messages: never rename one, only add.
type Code string

// Error is every refusal the ledger gives: a stable code, a message for the cardholder-facing
// side in Chinese and one in English, and optional detail for logs. Compare with errors.Is
// against a Code (errors.Is(err, app.CodeWrongPIN)) or with errors.As to read the messages.
type Error struct {
	Code   Code
	ZH, EN string
	Detail string
}

func (e *Error) Error() string {
	if e.Detail != "" {
		return fmt.Sprintf("%s: %s (%s): %s", e.Code, e.EN, e.ZH, e.Detail)
	}
	return fmt.Sprintf("%s: %s (%s)", e.Code, e.EN, e.ZH)
}

// Is lets errors.Is match on the code alone, whatever the detail.
func (e *Error) Is(target error) bool {
	switch t := target.(type) {
	case Code:
		return e.Code == t
	case *Error:
		return e.Code == t.Code
	}
	return false
}

// Error makes a Code usable as an errors.Is target.
func (c Code) Error() string { return string(c) }

// Message returns the text for a language tag ("zh" or "en").
func (e *Error) Message(lang string) string {
	if lang == "en" {
		return e.EN
	}
	return e.ZH
}

// E builds the refusal for code, with the catalogue's messages and the given detail.
func E(code Code, detailf string, args ...any) *Error {
	m, ok := catalogue[code]
	if !ok {
		m = [2]string{"未知错误", "unknown error"}
	}
	detail := detailf
	if len(args) > 0 {
		detail = fmt.Sprintf(detailf, args...)
	}
	return &Error{Code: code, ZH: m[0], EN: m[1], Detail: detail}
}

// Because is refusal e given because of cause, a refusal with its own code (KEYS_REFUSED
// because SESSION_ENDED): errors.Is finds both codes, so a desk still sees its session end;
// errors.As and AsError give e.
func Because(e *Error, cause error) error { return &becauseError{e: e, cause: cause} }

// CauseOf is the refusal a Because error was given for, if err is one.
func CauseOf(err error) (*Error, bool) {
	var b *becauseError
	if errors.As(err, &b) {
		return AsError(b.cause)
	}
	return nil, false
}

type becauseError struct {
	e     *Error
	cause error
}

func (b *becauseError) Error() string        { return b.e.Error() }
func (b *becauseError) Unwrap() error        { return b.cause }
func (b *becauseError) Is(target error) bool { return b.e.Is(target) }
func (b *becauseError) As(target any) bool {
	if p, ok := target.(**Error); ok {
		*p = b.e
		return true
	}
	return false
}

// AsError returns the *Error inside err, if there is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// The catalogue of refusals. Grouped by where they arise.
const (
	// Input.
	CodeBadInput        Code = "BAD_INPUT"
	CodeAmountNotYuan   Code = "AMOUNT_NOT_WHOLE_YUAN"
	CodeAmountNotPos    Code = "AMOUNT_NOT_POSITIVE"
	CodeBadDate         Code = "BAD_DATE"
	CodeNotFound        Code = "NOT_FOUND"
	CodeAlreadyExists   Code = "ALREADY_EXISTS"
	CodePermission      Code = "PERMISSION_DENIED"
	CodeBadCredentials  Code = "BAD_CREDENTIALS"
	CodeDatabaseMissing Code = "DATABASE_MISSING"
	CodeDatabaseCorrupt Code = "DATABASE_CORRUPT"
	CodeDatabaseTooOld  Code = "DATABASE_NEWER_THAN_PROGRAM"
	CodeSQLiteTooOld    Code = "SQLITE_TOO_OLD"

	// Devices and authorization (rules 1, 8, 9, 10).
	CodeUnknownDevice      Code = "UNKNOWN_DEVICE"
	CodeDeviceDisabled     Code = "DEVICE_DISABLED"
	CodeNotRechargePOS     Code = "NOT_RECHARGE_POS"
	CodeCardNotBound       Code = "CARD_NOT_BOUND"
	CodeCardLost           Code = "CARD_LOST"
	CodeCardFrozen         Code = "CARD_FROZEN"
	CodeCardBad            Code = "CARD_BAD"
	CodeCardCancelled      Code = "CARD_CANCELLED"
	CodeUnknownCard        Code = "UNKNOWN_CARD"
	CodeWrongPIN           Code = "WRONG_PIN"
	CodePINLocked          Code = "PIN_LOCKED"
	CodeOperatorDisabled   Code = "OPERATOR_DISABLED"
	CodeNotDesignatedDev   Code = "NOT_DESIGNATED_DEVICE"
	CodeNotAuthorized      Code = "DEVICE_NOT_AUTHORIZED"
	CodeStaleSession       Code = "STALE_SESSION"
	CodeOperatorHasCard    Code = "OPERATOR_ALREADY_HAS_CARD"
	CodeCardBoundElsewhere Code = "CARD_BOUND_TO_OTHER_OPERATOR"

	// Recharge (rules 2, 11, 9).
	CodeOverCeiling       Code = "OVER_BALANCE_CEILING"
	CodeOverDailyMax      Code = "OVER_DAILY_MAXIMUM"
	CodeDuplicateConflict Code = "DUPLICATE_CONFLICT"
	CodePreviouslyRev     Code = "PREVIOUSLY_REVERSED"
	CodeOfflineRecharge   Code = "OFFLINE_RECHARGE_NOT_ALLOWED"
	CodeDaySettled        Code = "DAY_SETTLED"

	// Confirm, cancel, reversal (rules 3, 4, 12, 13).
	CodeOriginalNotFound Code = "ORIGINAL_NOT_FOUND"
	CodeRecordMismatch   Code = "RECORD_MISMATCH"
	CodeForeignDevice    Code = "FOREIGN_DEVICE"
	CodeAlreadyReversed  Code = "ALREADY_REVERSED"
	CodeAlreadyWritten   Code = "ALREADY_WRITTEN"
	CodeAlreadyCancelled Code = "ALREADY_CANCELLED"
	CodeFurtherActivity  Code = "FURTHER_ACTIVITY"

	// Desk repair.
	CodeNotAwaitingDesk   Code = "NOT_AWAITING_DESK"
	CodeAlreadyRepaired   Code = "ALREADY_REPAIRED"
	CodeReversalPending   Code = "REVERSAL_PENDING"
	CodeRepairInProgress  Code = "REPAIR_IN_PROGRESS"
	CodeCardChanged       Code = "CARD_CHANGED"
	CodeCardMismatch      Code = "CARD_MISMATCH"
	CodeCardBlocked       Code = "CARD_BLOCKED"
	CodeCannotTell        Code = "CARD_CANNOT_TELL"
	CodeWriteUnknown      Code = "WRITE_UNKNOWN"
	CodeNotWritten        Code = "NOT_WRITTEN"
	CodeWrittenUnrecorded Code = "WRITTEN_NOT_RECORDED"
	CodeCardBehindLedger  Code = "CARD_BEHIND_LEDGER"
	CodeAwaitingPOS       Code = "AWAITING_POS_UPLOAD"
	CodeReversalNotDone   Code = "REVERSAL_NOT_APPLIED"

	// The exceptions desk.
	CodeSamePerson      Code = "SAME_PERSON_APPROVED"
	CodeCaseDecided     Code = "CASE_ALREADY_DECIDED"
	CodeNotApprovable   Code = "CASE_CANNOT_BE_APPROVED"
	CodeReasonRequired  Code = "REASON_REQUIRED"
	CodeDeviceRetired   Code = "DEVICE_RETIRED"
	CodeJournalNotEnded Code = "DEVICE_JOURNAL_OPEN"
	CodeDecidedNoWrite  Code = "DECIDED_NO_WRITE"

	// Settlement.
	CodeTooEarlyToSettle Code = "TOO_EARLY_TO_SETTLE"
)

var catalogue = map[Code][2]string{
	CodeBadInput:        {"输入有误", "invalid input"},
	CodeAmountNotYuan:   {"充值金额只能是整元,不能有角和分", "amount must be whole yuan, no jiao or fen"},
	CodeAmountNotPos:    {"金额必须大于零", "amount must be positive"},
	CodeBadDate:         {"日期格式有误,应为 YYYY-MM-DD", "malformed date, expected YYYY-MM-DD"},
	CodeNotFound:        {"记录不存在", "no such record"},
	CodeAlreadyExists:   {"记录已存在", "record already exists"},
	CodePermission:      {"无此操作权限", "not permitted for this role"},
	CodeBadCredentials:  {"用户名或密码错误", "wrong user name or password"},
	CodeDatabaseMissing: {"数据库文件不存在", "database file does not exist"},
	CodeDatabaseCorrupt: {"数据库文件损坏或不是本系统的数据库", "database file is corrupt or not a cardcenter database"},
	CodeDatabaseTooOld:  {"数据库版本高于本程序,请升级程序", "database was written by a newer cardcenter; upgrade the program"},
	CodeSQLiteTooOld:    {"SQLite 版本过旧", "SQLite library too old"},

	CodeUnknownDevice:      {"设备未注册", "device is not registered"},
	CodeDeviceDisabled:     {"设备已停用", "device is disabled"},
	CodeNotRechargePOS:     {"设备机型不是 0201-增值机", "device model is not 0201 recharge POS"},
	CodeCardNotBound:       {"该卡不是充值操作员授权卡", "card is not bound to a recharge operator"},
	CodeCardLost:           {"卡已挂失", "card is reported lost"},
	CodeCardFrozen:         {"卡已冻结", "card is frozen"},
	CodeCardBad:            {"卡已坏卡登记", "card is registered bad"},
	CodeCardCancelled:      {"卡已注销", "card is cancelled"},
	CodeUnknownCard:        {"卡号不存在", "unknown card number"},
	CodeWrongPIN:           {"授权卡密码错误", "wrong authorization card PIN"},
	CodePINLocked:          {"密码错误次数过多已锁定,请联系管理员", "PIN locked after too many wrong tries; ask an admin"},
	CodeOperatorDisabled:   {"操作员已停用", "operator is disabled"},
	CodeNotDesignatedDev:   {"操作员不能在此设备上充值", "operator is not allowed on this device"},
	CodeNotAuthorized:      {"充值机未授权,请刷授权卡", "recharge POS is not authorized; tap the authorization card"},
	CodeStaleSession:       {"授权已失效,请重新授权", "authorization is no longer current; authorize again"},
	CodeOperatorHasCard:    {"该操作员已绑定授权卡", "operator already has an authorization card"},
	CodeCardBoundElsewhere: {"该卡已绑定其他操作员", "card is bound to another operator"},

	CodeOverCeiling:       {"卡余额加充值金额超过上限", "card balance plus amount exceeds the ceiling"},
	CodeOverDailyMax:      {"超过操作员每日最大充值金额", "exceeds the operator's daily maximum"},
	CodeDuplicateConflict: {"流水号重复且内容不同", "serial number reused with different content"},
	CodePreviouslyRev:     {"该笔充值已冲正,不予记账", "this recharge was previously reversed and is not booked"},
	CodeOfflineRecharge:   {"不允许脱机充值", "offline recharge is not allowed"},
	CodeDaySettled:        {"该结算日已结算", "settlement day already settled"},

	CodeOriginalNotFound: {"原充值流水不存在", "original recharge not found"},
	CodeRecordMismatch:   {"与原充值流水不符", "does not match the original recharge"},
	CodeForeignDevice:    {"原流水属于其他设备", "original belongs to another device"},
	CodeAlreadyReversed:  {"该笔充值已冲正", "recharge already reversed"},
	CodeAlreadyWritten:   {"该笔充值已确认写卡", "recharge already confirmed as written"},
	CodeAlreadyCancelled: {"该笔充值已有撤销记录", "recharge already has a cancel record"},
	CodeFurtherActivity:  {"该笔充值已有后续处理,不能冲正", "further activity prevents reversal"},

	CodeNotAwaitingDesk:   {"该笔充值无需卡中心处理", "recharge is not awaiting the desk"},
	CodeAlreadyRepaired:   {"该笔充值已处理过", "recharge already repaired"},
	CodeReversalPending:   {"该笔充值有待处理的冲正,请稍后", "a reversal of this recharge is pending; try later"},
	CodeRepairInProgress:  {"该笔充值正在修复中", "a repair of this recharge is in progress"},
	CodeCardChanged:       {"卡片与屏幕上显示的不一致,请重新读卡", "the card is not the one on screen, or it changed; read it again"},
	CodeCardMismatch:      {"卡片与系统记录不符", "the card does not match the card center's record"},
	CodeCardBlocked:       {"卡片状态为止付,不能写卡", "the card is blocked on the card itself; not written"},
	CodeCannotTell:        {"无法从卡上判断是否已写入", "the card cannot tell whether the recharge landed"},
	CodeWriteUnknown:      {"写卡结果未知:请放回原卡重新读卡,系统将据卡确认", "write outcome unknown: put the card back; the next read settles it"},
	CodeNotWritten:        {"写卡未完成,卡上余额未变,可重试", "the write did not complete; the card is unchanged, try again"},
	CodeWrittenUnrecorded: {"款项已在卡上,但系统未确认记录;重新读卡即按卡完成记录", "the money is on the card, but the ledger did not confirm the record; the next read of the card records it"},
	CodeCardBehindLedger:  {"卡数据落后于系统记录,请持卡人到卡务中心处理", "the card is behind what the card center knows it reached; send the cardholder to the card center"},
	CodeAwaitingPOS:       {"等待充值机上送:该机可能仍会冲正或确认此笔充值,暂不能补写", "waiting for the recharge POS: it may still reverse or confirm this recharge; no write yet"},
	CodeReversalNotDone:   {"该笔充值有未能处理的冲正,待主管处理", "a reversal of this recharge could not be applied; a supervisor decides"},

	CodeSamePerson:      {"批准写卡的人不能自己写卡,请另一位柜员操作", "the person who approved the write may not perform it; another clerk writes it"},
	CodeCaseDecided:     {"该异常已处理", "this case is already decided"},
	CodeNotApprovable:   {"该笔充值不能批准写卡", "this recharge cannot be approved for a write"},
	CodeReasonRequired:  {"请填写处理理由", "a reason is required"},
	CodeDeviceRetired:   {"设备已退役", "the device is retired"},
	CodeJournalNotEnded: {"该设备未登记为退役或更换", "the device is not recorded as retired or replaced"},
	CodeDecidedNoWrite:  {"主管已决定不补写此笔充值", "a supervisor decided this recharge is not to be written"},

	CodeTooEarlyToSettle: {"尚未到结算时间", "too early to settle this day"},
}
