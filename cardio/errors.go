package cardio

import (
	"errors"
	"fmt"
)

// Code is the stable, machine-readable name of a card refusal. The desk and the POS switch on
// it (never on message text), and the audit log records it.
type Code string

const (
	CodeNoService       Code = "PCSC_NOT_RUNNING"
	CodeNoReader        Code = "NO_READER"
	CodeNoCard          Code = "NO_CARD"
	CodeCardRemoved     Code = "CARD_REMOVED"
	CodeAuthFailed      Code = "CARD_AUTH_FAILED"
	CodeUnknownCardType Code = "UNKNOWN_CARD_TYPE"
	CodeBlankCard       Code = "BLANK_CARD"
	CodeNotBlank        Code = "CARD_NOT_BLANK"
	CodeCorrupt         Code = "CARD_DATA_CORRUPT"
	CodeNotAsRead       Code = "CARD_NOT_AS_READ"
	CodeAlreadyOnCard   Code = "ALREADY_ON_CARD"
	CodeBadAmount       Code = "BAD_AMOUNT"
	CodeOverLimit       Code = "CARD_BALANCE_LIMIT"
	CodeBadInput        Code = "BAD_CARD_INPUT"
	CodeReader          Code = "READER_ERROR"
	CodeSiteKey         Code = "SITE_KEY"
)

// Error is every refusal cardio gives: a stable code, a message for the desk in Chinese and
// English, and optionally the cause (a PC/SC error, a status word, a decode detail).
// errors.Is(err, cardio.ErrCardRemoved) matches on the code, whatever the cause.
type Error struct {
	Code Code
	ZH   string
	EN   string
	Err  error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s / %s: %v", e.Code, e.EN, e.ZH, e.Err)
	}
	return fmt.Sprintf("%s: %s / %s", e.Code, e.EN, e.ZH)
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is match any *Error with the same code, so the sentinels below work even
// when the returned error carries a cause.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// With returns a copy of the sentinel carrying cause. Sentinels are never mutated.
func (e *Error) With(cause error) *Error {
	c := *e
	c.Err = cause
	return &c
}

// Withf is With(fmt.Errorf(format, args...)).
func (e *Error) Withf(format string, args ...any) *Error {
	return e.With(fmt.Errorf(format, args...))
}

// CodeOf returns the code of the first *Error in err's chain, or "" if there is none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func newErr(code Code, zh, en string) *Error { return &Error{Code: code, ZH: zh, EN: en} }

var (
	ErrNoService       = newErr(CodeNoService, "读卡服务 pcscd 未运行", "the PC/SC service (pcscd) is not running")
	ErrNoReader        = newErr(CodeNoReader, "未找到读卡器", "no card reader found")
	ErrNoCard          = newErr(CodeNoCard, "读卡器上没有卡", "no card on the reader")
	ErrCardRemoved     = newErr(CodeCardRemoved, "操作过程中卡被移开,请重新放卡", "the card was removed during the operation; put it back")
	ErrAuthFailed      = newErr(CodeAuthFailed, "卡片认证失败:站点密钥不符或不是本校校园卡", "card authentication failed: wrong site key or not a campus card")
	ErrUnknownCardType = newErr(CodeUnknownCardType, "不支持的卡类型(需要 MIFARE Classic 1K)", "unknown card type (a MIFARE Classic 1K is needed)")
	ErrBlankCard       = newErr(CodeBlankCard, "空白卡,尚未发卡", "blank card: not issued yet")
	ErrNotBlank        = newErr(CodeNotBlank, "该卡已发行,不是空白卡", "the card is already issued, not blank")
	ErrCorrupt         = newErr(CodeCorrupt, "卡内数据损坏", "card data is corrupt")
	ErrNotAsRead       = newErr(CodeNotAsRead, "卡片与读卡时不一致,请重新读卡", "the card is not as it was read; read it again")
	ErrAlreadyOnCard   = newErr(CodeAlreadyOnCard, "该笔交易已在卡上", "this transaction is already on the card")
	ErrBadAmount       = newErr(CodeBadAmount, "金额无效", "invalid amount")
	ErrOverLimit       = newErr(CodeOverLimit, "卡余额将超过卡片上限", "the card balance would exceed the card's limit")
	ErrBadInput        = newErr(CodeBadInput, "发卡信息无效", "invalid card data to write")
	ErrReader          = newErr(CodeReader, "读卡器通信错误", "card reader error")
	ErrSiteKey         = newErr(CodeSiteKey, "站点密钥不可用", "site key unavailable")
)

// Message returns the text for a language tag ("zh" or "en").
func (e *Error) Message(lang string) string {
	if lang == "en" {
		return e.EN
	}
	return e.ZH
}
