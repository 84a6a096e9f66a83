package app

import (
	"fmt"
	"math"
)

// Every number that enters the ledger is bounded by what it stands for, so that no sum or
// difference of them can overflow an int64 (a wrapped sum once passed the ceiling check
// and booked a negative balance). The schema holds the same bounds (store/sqlite/migrations.go).
const (
	// MaxPurse is the card's purse: 3 bytes of fen (167,772.15 yuan), as the card's log
	// keeps it (docs/card-layout.md). No balance, and no amount, can be above it.
	MaxPurse Fen = 1<<24 - 1
	// MaxCounter is the card's transaction counter: 4 bytes. A recharge adds one, so a
	// card at MaxCounter cannot take another.
	MaxCounter int64 = 1<<32 - 1
	// MaxDailyMax bounds an operator's daily maximum: ten million yuan, far above what one
	// cash desk takes in a day, and small enough that no day's sum with it overflows.
	MaxDailyMax Fen = 10_000_000 * Yuan
)

// field names a bounded number in both languages, for the refusal that names it.
type field struct{ zh, en string }

var (
	fieldCardBalance = field{"卡余额", "card balance"}
	fieldCardCounter = field{"卡交易计数", "card transaction counter"}
	fieldAmount      = field{"金额", "amount"}
	fieldDailyMax    = field{"每日最大充值金额", "daily maximum"}
)

// outOfRange is the BAD_INPUT refusal of a number outside [lo, hi]; yuan says whether the
// bounds are money (shown in yuan) or a count.
func outOfRange[N ~int64](f field, v, lo, hi N, yuan bool) *Error {
	show := func(x N) string { return fmt.Sprint(int64(x)) }
	unitZH, unitEN := "", ""
	if yuan {
		show, unitZH, unitEN = func(x N) string { return Fen(x).String() }, " 元", " yuan"
	}
	e := E(CodeBadInput, "%s %d", f.en, v)
	e.ZH = fmt.Sprintf("%s:%s应在 %s 至 %s%s 之间", e.ZH, f.zh, show(lo), show(hi), unitZH)
	e.EN = fmt.Sprintf("%s: %s must be %s to %s%s", e.EN, f.en, show(lo), show(hi), unitEN)
	return e
}

// checkCard bounds a card's balance and counter as a terminal or the desk read them. A
// card about to be written (forWrite) must leave room for the counter to go up by one.
func checkCard(balance Fen, counter int64, forWrite bool) *Error {
	if balance < 0 || balance > MaxPurse {
		return outOfRange(fieldCardBalance, balance, 0, MaxPurse, true)
	}
	hi := MaxCounter
	if forWrite {
		hi--
	}
	if counter < 0 || counter > hi {
		return outOfRange(fieldCardCounter, counter, 0, hi, false)
	}
	return nil
}

// checkRecordAmount bounds the amount a confirm, cancel or reversal names: a recharge's
// amount, so whole yuan and at most the purse. (The purse, not today's ceiling: a ceiling
// lowered since must not turn away the records of recharges booked under the old one.)
func checkRecordAmount(amount Fen) *Error {
	if amount < Yuan || amount > MaxPurse || amount%Yuan != 0 {
		return outOfRange(fieldAmount, amount, Yuan, MaxPurse-MaxPurse%Yuan, true)
	}
	return nil
}

// addFen adds two sums of the ledger, refusing to wrap: a wrapped total would be a wrong
// figure shown as if it were right.
func addFen(a, b Fen) (Fen, error) {
	if (b > 0 && a > math.MaxInt64-b) || (b < 0 && a < math.MinInt64-b) {
		return 0, fmt.Errorf("sum overflows: %d + %d", a, b)
	}
	return a + b, nil
}
