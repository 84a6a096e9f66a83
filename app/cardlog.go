package app

import "time"

// CardLogEntry is one transaction of a card's own cyclic log, as the desk shows it.
type CardLogEntry struct {
	Kind         string // "recharge", "spend" or "repair"
	Counter      int64  // the card's transaction counter after it
	Amount       Fen
	BalanceAfter Fen
	Serial       int64 // the low 24 bits of the terminal's serial (what the card keeps)
	At           time.Time
}

// CardLog is a CardOnDesk that can show its log (the desk's card does; test doubles of
// the repair use case need not).
type CardLog interface {
	Log() []CardLogEntry // newest first
}
