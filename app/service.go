// Package app holds cardcenter's use cases: the rules of the recharge POS manual and of the
// card-center desk, free of SQL and of screens. It talks to the ledger through Store.
// "Rule N" in comments is rule N of docs/rules.md, which states each rule and where it lives.
package app

import (
	"errors"
	"fmt"
	"log/slog"
)

// Service is the ledger's use cases bound to a store, a clock and a site configuration.
type Service struct {
	store Store
	clock Clock
	cfg   Config
	log   *slog.Logger
	// unknown is what a login of a name with no account is checked against (staff.go).
	unknown unknownHash
	// keys derives card keys for the desks and POS that ask (cardkeys.go); nil refuses.
	keys CardKeyDeriver
}

// New returns the use cases over st. A nil logger discards.
func New(st Store, clock Clock, cfg Config, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Location == nil {
		panic("app.New: Config.Location is nil; start from DefaultConfig")
	}
	// The ceiling bounds every balance the ledger computes: above the purse it would let a
	// recharge book what no card can hold.
	if cfg.BalanceCeiling < Yuan || cfg.BalanceCeiling > MaxPurse || cfg.BalanceCeiling%Yuan != 0 {
		panic(fmt.Sprintf("app.New: balance ceiling %d fen is not whole yuan in 1 yuan … the purse (%d fen)", cfg.BalanceCeiling, MaxPurse))
	}
	return &Service{store: st, clock: clock, cfg: cfg, log: log}
}

// Config returns the site configuration the service runs with.
func (s *Service) Config() Config { return s.cfg }

// Settings are the site's rules for a desk's screens.
func (s *Service) Settings() Settings { return s.cfg.Settings() }

// Clock returns the service's clock.
func (s *Service) Clock() Clock { return s.clock }

// notFound maps a missing row to refusal code; other errors pass through with context.
func notFound(err error, code Code, what string, args ...any) error {
	if errors.Is(err, ErrNoRow) {
		return E(code, what, args...)
	}
	return fmt.Errorf("%s: %w", fmt.Sprintf(what, args...), err)
}

// checkAmount enforces rule 11's input side: positive whole yuan.
func checkAmount(amount Fen) *Error {
	if amount <= 0 {
		return E(CodeAmountNotPos, "%d fen", amount)
	}
	if amount%Yuan != 0 {
		return E(CodeAmountNotYuan, "%d fen", amount)
	}
	return nil
}
