package app

// CardStatus is what the card center knows about a card (rule 10).
type CardStatus string

const (
	CardNormal    CardStatus = "normal"
	CardLost      CardStatus = "lost"   // 挂失
	CardFrozen    CardStatus = "frozen" // 冻结
	CardBad       CardStatus = "bad"    // 坏卡登记
	CardCancelled CardStatus = "cancelled"
)

// CardStatusRule is everything the system says about one status: the one home of rule 10.
// A new status is a constant and one line here (and, if it refuses with a code of its own,
// that code in errors.go); the ledger takes its statuses from this table at every open
// (store/cardstatuses.go), and every screen and command only displays it.
type CardStatusRule struct {
	Status CardStatus
	// MayAuthorize: an authorization card in this status may authorise a POS.
	MayAuthorize bool
	// MayRecharge: a user card in this status may be recharged at a POS.
	MayRecharge bool
	// MayRepair: the desk may write a repair onto a card in this status.
	MayRepair bool
	// Refusal is the code a refused use of the card gives ("" for a usable card).
	Refusal Code
	ZH, EN  string // the status's short name, as every screen shows it
}

// CardStatuses is every status, in the order screens list them.
var CardStatuses = []CardStatusRule{
	{CardNormal, true, true, true, "", "正常", "normal"},
	{CardLost, false, false, false, CodeCardLost, "挂失", "lost"},
	{CardFrozen, false, false, false, CodeCardFrozen, "冻结", "frozen"},
	{CardBad, false, false, false, CodeCardBad, "坏卡", "bad"},
	{CardCancelled, false, false, false, CodeCardCancelled, "注销", "cancelled"},
}

// Rule returns the status's rule; an unknown status (a row no program wrote) may do nothing.
func (s CardStatus) Rule() CardStatusRule {
	for _, r := range CardStatuses {
		if r.Status == s {
			return r
		}
	}
	return CardStatusRule{Status: s, Refusal: CodeCardCancelled, ZH: string(s), EN: string(s)}
}

// Valid reports whether s is one of the known statuses.
func (s CardStatus) Valid() bool {
	for _, r := range CardStatuses {
		if r.Status == s {
			return true
		}
	}
	return false
}

// Label is the status's name in zh or en.
func (s CardStatus) Label(lang string) string {
	r := s.Rule()
	if lang == "en" {
		return r.EN
	}
	return r.ZH
}

// cardRefusal refuses a card whose status does not allow use (may says which use).
func cardRefusal(c Card, may func(CardStatusRule) bool) *Error {
	r := c.Status.Rule()
	if may(r) {
		return nil
	}
	return E(r.Refusal, "card %s", c.CardNo)
}

func (r CardStatusRule) authorizes() bool { return r.MayAuthorize }
func (r CardStatusRule) recharges() bool  { return r.MayRecharge }
func (r CardStatusRule) repairs() bool    { return r.MayRepair }
