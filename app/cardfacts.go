package app

// The desk reads the card on its own side (its PC/SC reader); the ledger decides from what
// the desk tells it. CardFacts is that telling, as data that can cross a network: the
// card's face, and the card's own answers about the recharges the ledger asked of — the
// log's proofs are the card's to give (cardio knows how its log is kept), the verdicts and
// what the desk may do are the ledger's (VerdictFor, settle).

// CardQuestion is a recharge the ledger wants the card's word on.
type CardQuestion struct {
	DeviceID      string
	Serial        int64
	Amount        Fen
	CounterBefore int64
}

// CardAnswer is the card's word on one question: its committed log holds the credit (and
// whether the desk wrote it), or it proves the credit absent since CounterBefore.
type CardAnswer struct {
	CardQuestion
	Holds, ByDesk, ProvesAbsent bool
}

// CardFacts is a card as a desk read it. It is a CardOnDesk: a question it has no answer
// to is neither held nor proven absent, so the verdict on it is "cannot tell".
type CardFacts struct {
	UIDHex, No, HolderNo string
	IsBlocked            bool
	Purse                Fen
	Count                int64
	FromBackup           bool
	Entries              []CardLogEntry // the card's log, newest first, for the screen
	Answers              []CardAnswer
}

var (
	_ CardOnDesk = CardFacts{}
	_ CardLog    = CardFacts{}
)

func (f CardFacts) UID() string           { return f.UIDHex }
func (f CardFacts) CardNo() string        { return f.No }
func (f CardFacts) Holder() string        { return f.HolderNo }
func (f CardFacts) Blocked() bool         { return f.IsBlocked }
func (f CardFacts) Balance() Fen          { return f.Purse }
func (f CardFacts) Counter() int64        { return f.Count }
func (f CardFacts) Log() []CardLogEntry   { return f.Entries }
func (f CardFacts) PurseFromBackup() bool { return f.FromBackup }

func (f CardFacts) answer(terminal string, serial int64, amount Fen) (CardAnswer, bool) {
	for _, a := range f.Answers {
		if a.DeviceID == terminal && a.Serial == serial && a.Amount == amount {
			return a, true
		}
	}
	return CardAnswer{}, false
}

func (f CardFacts) Holds(terminal string, serial int64, amount Fen) (bool, bool) {
	a, _ := f.answer(terminal, serial, amount)
	return a.Holds, a.ByDesk
}

func (f CardFacts) ProvesAbsent(terminal string, serial int64, amount Fen, counterBefore int64) bool {
	a, ok := f.answer(terminal, serial, amount)
	return ok && a.CounterBefore == counterBefore && a.ProvesAbsent
}

// FactsOf is what the desk tells the ledger of card c: its face, and its answers to qs.
func FactsOf(c CardOnDesk, qs []CardQuestion) CardFacts {
	f := CardFacts{UIDHex: c.UID(), No: c.CardNo(), HolderNo: c.Holder(), IsBlocked: c.Blocked(), Purse: c.Balance(), Count: c.Counter()}
	if l, ok := c.(CardLog); ok {
		f.Entries = l.Log()
	}
	if b, ok := c.(interface{ PurseFromBackup() bool }); ok {
		f.FromBackup = b.PurseFromBackup()
	}
	for _, q := range qs {
		a := CardAnswer{CardQuestion: q}
		a.Holds, a.ByDesk = c.Holds(q.DeviceID, q.Serial, q.Amount)
		a.ProvesAbsent = c.ProvesAbsent(q.DeviceID, q.Serial, q.Amount, q.CounterBefore)
		f.Answers = append(f.Answers, a)
	}
	return f
}
