package app

import (
	"fmt"
	"time"
)

// Config holds the site's rules that an admin may tune.
type Config struct {
	// BalanceCeiling: card balance + amount above this is refused (rule 11).
	BalanceCeiling Fen
	// ReversalDelay: a reversal is applied this long after it arrived (rule 12, host clock).
	ReversalDelay time.Duration
	// Location and Cutoff define the settlement day: a recharge at local time t belongs to
	// the day of t − Cutoff. Cutoff 0 means the day ends at local midnight.
	Location *time.Location
	Cutoff   time.Duration
	// WriteUnknownAfter: a booked recharge still pending after this long shows at the desk.
	WriteUnknownAfter time.Duration
	// CaseAfter: a recharge still pending at its POS after this long goes to the exceptions desk.
	CaseAfter time.Duration
	// MaxWrongPINs in a row lock an operator's PIN until an admin resets it.
	MaxWrongPINs int
	// SessionLifetime: a desk session ends this long after its login; SessionIdle: after
	// this long without a call.
	SessionLifetime, SessionIdle time.Duration
	// MaxWrongPasswords in a row lock a desk account until an admin unlocks it or resets
	// its password (0: DefaultMaxWrongPasswords).
	MaxWrongPasswords int
	// Hasher hashes PINs and passwords; tests use cheaper parameters.
	Hasher Hasher
}

// Settings are the site's rules as a desk shows them: Config without the hasher (a desk
// never hashes; the ledger checks passwords and PINs).
type Settings struct {
	BalanceCeiling                                      Fen
	ReversalDelay, WriteUnknownAfter, CaseAfter, Cutoff time.Duration
	Location                                            *time.Location
	MaxWrongPINs                                        int
	MaxWrongPasswords                                   int
}

// Settings of this site.
func (c Config) Settings() Settings {
	return Settings{BalanceCeiling: c.BalanceCeiling, ReversalDelay: c.ReversalDelay, WriteUnknownAfter: c.WriteUnknownAfter,
		CaseAfter: c.CaseAfter, Cutoff: c.Cutoff, Location: c.Location, MaxWrongPINs: c.MaxWrongPINs,
		MaxWrongPasswords: c.wrongPasswordLimit()}
}

// DefaultMaxWrongPasswords is how many wrong desk passwords in a row lock an account.
const DefaultMaxWrongPasswords = 5

// wrongPasswordLimit is MaxWrongPasswords, or the default for a Config that predates it:
// 0 would lock every account at its first wrong password.
func (c Config) wrongPasswordLimit() int {
	if c.MaxWrongPasswords > 0 {
		return c.MaxWrongPasswords
	}
	return DefaultMaxWrongPasswords
}

// DefaultConfig is what a new site runs with.
func DefaultConfig() Config {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		loc = time.FixedZone("CST", 8*3600)
	}
	return Config{
		BalanceCeiling:    1000 * Yuan,
		ReversalDelay:     90 * time.Second,
		Location:          loc,
		Cutoff:            0,
		WriteUnknownAfter: 10 * time.Minute,
		CaseAfter:         24 * time.Hour,
		MaxWrongPINs:      5,
		SessionLifetime:   12 * time.Hour,
		SessionIdle:       30 * time.Minute,
		MaxWrongPasswords: DefaultMaxWrongPasswords,
		Hasher:            DefaultHasher(),
	}
}

// SettleDay is the settlement day (YYYY-MM-DD) that instant t belongs to.
func (c Config) SettleDay(t time.Time) string {
	return t.In(c.Location).Add(-c.Cutoff).Format(DayLayout)
}

// DayEnd is the instant settlement day day ends (its cut-off).
func (c Config) DayEnd(day string) (time.Time, error) {
	d, err := ParseDay(day)
	if err != nil {
		return time.Time{}, err
	}
	start := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, c.Location)
	return start.AddDate(0, 0, 1).Add(c.Cutoff), nil
}

// DayLayout is how a settlement day is written.
const DayLayout = "2006-01-02"

// ParseDay checks a YYYY-MM-DD date.
func ParseDay(s string) (time.Time, error) {
	t, err := time.Parse(DayLayout, s)
	if err != nil || t.Format(DayLayout) != s {
		return time.Time{}, E(CodeBadDate, "%q", s)
	}
	return t, nil
}

// NextDay returns the day after day (which must be valid).
func NextDay(day string) string {
	t, err := ParseDay(day)
	if err != nil {
		panic(fmt.Sprintf("NextDay(%q): %v", day, err))
	}
	return t.AddDate(0, 0, 1).Format(DayLayout)
}
