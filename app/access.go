package app

import (
	"context"
	"errors"
	"fmt"
)

// Who may do what. The screens hide what a role may not do, but the ledger decides: every use
// case a desk can reach calls allow first (access_test.go calls each as every role).
var (
	deskRoles    = []Role{RoleClerk, RoleAdmin}      // repairs at the desk
	financeRoles = []Role{RoleSupervisor, RoleAdmin} // reports, settlement, exceptions
	adminRoles   = []Role{RoleAdmin}                 // devices, operators, cards, staff, audit
	anyStaff     = []Role{RoleClerk, RoleSupervisor, RoleAdmin}
	// cardKeyRoles: a card's keys go to the desks that read and repair cards, no other.
	cardKeyRoles = deskRoles
)

// CodeSessionEnded: the account behind a desk session was disabled, removed or given another
// role since login; the desk logs out and asks for a login again.
const CodeSessionEnded Code = "SESSION_ENDED"

func init() {
	catalogue[CodeSessionEnded] = [2]string{"会话已结束(已退出、超时,或账户有变更),请重新登录",
		"your session has ended (logged out, timed out, or the account changed); log in again"}
}

// allow checks actor against the stored staff record, never against what the caller says:
// the account must exist, be enabled and still hold the role it logged in with, and that
// role must be one of roles.
func (s *Service) allow(ctx context.Context, actor Actor, roles ...Role) error {
	if actor.system {
		return nil
	}
	var st Staff
	var touch bool
	now := s.clock.Now()
	err := s.store.View(ctx, func(tx ReadTx) error {
		var err error
		if st, err = tx.Staff(actor.User); err != nil {
			return err
		}
		if !st.Enabled {
			return E(CodeSessionEnded, "%s: disabled", actor.User)
		}
		if st.Role != actor.Role {
			return E(CodeSessionEnded, "%s: role is %s now, was %s at login", actor.User, st.Role, actor.Role)
		}
		if actor.Session != "" {
			touch, err = s.checkSession(tx, actor, st, now)
		}
		return err
	})
	if errors.Is(err, ErrNoRow) {
		return E(CodeSessionEnded, "%s: no such account", actor.User)
	} else if err != nil {
		return err
	}
	if touch {
		if err := s.store.Update(ctx, func(tx Tx) error { return tx.TouchStaffSession(SessionTokenHash(actor.Session), now) }); err != nil {
			return fmt.Errorf("session of %s: %w", actor.User, err)
		}
	}
	for _, r := range roles {
		if st.Role == r {
			return nil
		}
	}
	return E(CodePermission, "%s (%s)", actor.User, st.Role)
}

// readAs is the shape of a use case that only reads: the actor is allowed (one of roles,
// checked against the stored account), then read runs in one read transaction and its
// answer is the use case's.
func readAs[T any](ctx context.Context, s *Service, actor Actor, roles []Role, read func(ReadTx) (T, error)) (T, error) {
	var out T
	if err := s.allow(ctx, actor, roles...); err != nil {
		return out, err
	}
	err := s.store.View(ctx, func(tx ReadTx) error {
		var err error
		out, err = read(tx)
		return err
	})
	return out, err
}
