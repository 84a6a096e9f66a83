package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Desk accounts (issue 9.12): logins and failed logins are audited, wrong passwords in a
// row lock an account until an admin unlocks it, admins reset passwords, change roles and
// disable accounts, and everyone changes their own password. allow() ends a changed
// account's rights at its next action.

// MinPasswordLen is the shortest desk password, in characters.
const MinPasswordLen = 8

// maxPasswordLen bounds what is hashed (argon2id reads all of it).
const maxPasswordLen = 128

// checkPassword is the password policy: MinPasswordLen to maxPasswordLen characters.
func checkPassword(pw string) *Error {
	n := utf8.RuneCountInString(pw)
	if !utf8.ValidString(pw) || n < MinPasswordLen || n > maxPasswordLen {
		e := E(CodeBadInput, "password must be %d to %d characters", MinPasswordLen, maxPasswordLen)
		e.ZH = fmt.Sprintf("%s:密码应为 %d 至 %d 个字符", e.ZH, MinPasswordLen, maxPasswordLen)
		e.EN = fmt.Sprintf("%s: a password has %d to %d characters", e.EN, MinPasswordLen, maxPasswordLen)
		return e
	}
	return nil
}

// unknownHash is a hash of nothing anyone types, verified against for a user name with no
// account, so that a login takes as long whether the name exists or not.
type unknownHash struct {
	once sync.Once
	hash string
}

func (s *Service) unknownHash() string {
	u := &s.unknown
	u.once.Do(func() {
		u.hash, _ = s.cfg.Hasher.Hash("\x00no such account\x00")
	})
	return u.hash
}

// auditName is a typed user name as the audit log keeps it: valid text, bounded (a name
// field can receive anything, a password typed in the wrong field among it).
func auditName(name string) string {
	name = strings.ToValidUTF8(name, "?")
	if utf8.RuneCountInString(name) > 64 {
		name = string([]rune(name)[:64]) + "…"
	}
	return name
}

// passwordTry is one wrong-password try of an account in tx: it counts it, locks the
// account at the limit, and returns the refusal (wrong, or locked by this very try).
func (s *Service) passwordTry(tx Tx, st Staff, now time.Time, audit func(action, detail string) error, action string, wrong Code) (*Error, error) {
	limit := s.cfg.wrongPasswordLimit()
	n := st.WrongTries + 1
	var lockedAt time.Time
	if n >= limit {
		lockedAt = now
	}
	if err := tx.SetStaffLock(st.Username, n, lockedAt); err != nil {
		return nil, err
	}
	if err := audit(action, fmt.Sprintf("wrong password %d of %d", n, limit)); err != nil {
		return nil, err
	}
	if lockedAt.IsZero() {
		return E(wrong, "%d tries left", limit-n), nil
	}
	if err := audit("staff_locked", fmt.Sprintf("%d wrong passwords in a row", n)); err != nil {
		return nil, err
	}
	return E(CodeStaffLocked, "%s after %d wrong passwords", st.Username, n), nil
}

// passwordLock is the lock rule a login and a password change share, applied in the write
// transaction to the account as it is now (ok: whether the password given is its own). A
// locked account is refused whatever the password, so that the lock cannot be guessed
// past; a wrong password counts towards the lock (passwordTry); a right one clears the
// count. failed is the audit action of a refusal; wrong the code of a wrong password.
// A nil refusal and nil error: the caller goes on.
func (s *Service) passwordLock(tx Tx, cur Staff, ok bool, now time.Time, audit func(action, detail string) error, failed string, wrong Code) (*Error, error) {
	if cur.Locked() {
		return E(CodeStaffLocked, "%s", cur.Username), audit(failed, "locked")
	}
	if !ok {
		return s.passwordTry(tx, cur, now, audit, failed, wrong)
	}
	if cur.WrongTries != 0 {
		if err := tx.SetStaffLock(cur.Username, 0, time.Time{}); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// checkLogin is Login's rule: the account exists, is enabled and not locked, and the
// password is its own. Every try is audited, good (login) or not (login_failed, with why
// in the detail; never the password); a wrong password counts towards the lock and a good
// one clears the count.
func (s *Service) checkLogin(ctx context.Context, username, password string) (Staff, error) {
	var st Staff
	err := s.store.View(ctx, func(tx ReadTx) error {
		var err error
		st, err = tx.Staff(username)
		return err
	})
	if err != nil && !errors.Is(err, ErrNoRow) {
		return Staff{}, err
	}
	// The hash is checked outside the write transaction: argon2id takes tens of
	// milliseconds and the ledger has one writer. An unknown name costs a hash as well.
	hashed := st.PasswordHash
	if hashed == "" {
		hashed = s.unknownHash()
	}
	ok := s.cfg.Hasher.Verify(hashed, password)
	var refusal *Error
	err = s.store.Update(ctx, func(tx Tx) error {
		refusal = nil
		now := s.clock.Now()
		name := auditName(username)
		audit := func(action, detail string) error {
			return tx.AppendAudit(AuditEntry{At: now, Actor: name, Action: action, Subject: "staff:" + name, Detail: detail})
		}
		cur, err := tx.Staff(username)
		if errors.Is(err, ErrNoRow) {
			refusal = E(CodeBadCredentials, "")
			return audit("login_failed", "no such account")
		} else if err != nil {
			return err
		}
		if cur.PasswordHash != hashed { // changed since it was read (or created): check again
			ok = s.cfg.Hasher.Verify(cur.PasswordHash, password)
		}
		if !cur.Enabled {
			// The same refusal as a wrong password: a disabled account is not worth guessing at.
			refusal = E(CodeBadCredentials, "")
			return audit("login_failed", "disabled")
		}
		if refusal, err = s.passwordLock(tx, cur, ok, now, audit, "login_failed", CodeBadCredentials); refusal != nil || err != nil {
			return err
		}
		st = cur
		return audit("login", "role="+string(cur.Role))
	})
	if err != nil {
		return Staff{}, err
	}
	if refusal != nil {
		return Staff{}, refusal
	}
	return st, nil
}

// StaffList lists every desk account for the staff screen: role, enabled, wrong tries and
// lock; never a password's hash.
func (s *Service) StaffList(ctx context.Context, actor Actor) ([]StaffInfo, error) {
	return readAs(ctx, s, actor, adminRoles, func(tx ReadTx) (out []StaffInfo, err error) {
		all, err := tx.AllStaff()
		for _, st := range all {
			out = append(out, st.Info())
		}
		return out, err
	})
}

func staffOf(tx ReadTx, username string) (Staff, error) {
	st, err := tx.Staff(username)
	if err != nil {
		return Staff{}, notFound(err, CodeNotFound, "staff %s", username)
	}
	return st, nil
}

// keepAnAdmin refuses a change that takes st out of the usable admins (disabled, another
// role) when no other enabled, unlocked admin is left: nobody could then unlock, reset or
// create an account, and the desk's first run creates an admin only on an empty ledger.
func keepAnAdmin(tx ReadTx, st Staff) error {
	if st.Role != RoleAdmin || !st.Enabled || st.Locked() {
		return nil
	}
	all, err := tx.AllStaff()
	if err != nil {
		return err
	}
	for _, o := range all {
		if o.Username != st.Username && o.Role == RoleAdmin && o.Enabled && !o.Locked() {
			return nil
		}
	}
	return E(CodeLastAdmin, "%s", st.Username)
}

// ResetStaffPassword sets a desk account's password (an admin's; the person is told it
// out of band) and unlocks the account.
func (s *Service) ResetStaffPassword(ctx context.Context, actor Actor, username, newPassword string) error {
	if err := s.allow(ctx, actor, adminRoles...); err != nil {
		return err
	}
	if ref := checkPassword(newPassword); ref != nil {
		return ref
	}
	hash, err := s.cfg.Hasher.Hash(newPassword)
	if err != nil {
		return err
	}
	return s.adminChange(ctx, actor, "staff_reset_password", "staff:"+username, func(tx Tx, _ time.Time) (string, error) {
		st, err := staffOf(tx, username)
		if err != nil {
			return "", err
		}
		st.PasswordHash = hash
		if err := tx.UpdateStaff(st); err != nil {
			return "", err
		}
		return fmt.Sprintf("wrong_tries %d→0 locked=%t→false", st.WrongTries, st.Locked()), tx.SetStaffLock(username, 0, time.Time{})
	})
}

// UnlockStaff clears a desk account's wrong tries and lock; its password stays.
func (s *Service) UnlockStaff(ctx context.Context, actor Actor, username string) error {
	return s.adminChange(ctx, actor, "staff_unlock", "staff:"+username, func(tx Tx, _ time.Time) (string, error) {
		st, err := staffOf(tx, username)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("wrong_tries %d→0 locked=%t→false", st.WrongTries, st.Locked()), tx.SetStaffLock(username, 0, time.Time{})
	})
}

// SetStaffRole gives a desk account another role. Its sessions keep the old role, which
// allow() no longer matches: they end at their next action (SESSION_ENDED).
func (s *Service) SetStaffRole(ctx context.Context, actor Actor, username string, role Role) error {
	if err := s.allow(ctx, actor, adminRoles...); err != nil {
		return err
	}
	if !role.Valid() {
		return E(CodeBadInput, "role %q", role)
	}
	return s.adminChange(ctx, actor, "staff_role", "staff:"+username, func(tx Tx, _ time.Time) (string, error) {
		st, err := staffOf(tx, username)
		if err != nil {
			return "", err
		}
		if role != RoleAdmin {
			if err := keepAnAdmin(tx, st); err != nil {
				return "", err
			}
		}
		detail := fmt.Sprintf("role %s→%s", st.Role, role)
		st.Role = role
		return detail, tx.UpdateStaff(st)
	})
}

// ChangeOwnPassword changes the actor's own password, given the current one. A wrong
// current password counts towards the lock like a wrong login: a desk left logged in must
// not become a place to guess the password at leisure.
func (s *Service) ChangeOwnPassword(ctx context.Context, actor Actor, oldPassword, newPassword string) error {
	if err := s.allow(ctx, actor, anyStaff...); err != nil {
		return err
	}
	if ref := checkPassword(newPassword); ref != nil {
		return ref
	}
	if newPassword == oldPassword {
		e := E(CodeBadInput, "the new password is the current one")
		e.ZH += ":新密码不能与当前密码相同"
		e.EN += ": the new password must differ from the current one"
		return e
	}
	var st Staff
	err := s.store.View(ctx, func(tx ReadTx) error {
		var err error
		st, err = staffOf(tx, actor.User)
		return err
	})
	if err != nil {
		return err
	}
	ok := s.cfg.Hasher.Verify(st.PasswordHash, oldPassword)
	hash, err := s.cfg.Hasher.Hash(newPassword)
	if err != nil {
		return err
	}
	var refusal *Error
	err = s.store.Update(ctx, func(tx Tx) error {
		refusal = nil
		now := s.clock.Now()
		audit := func(action, detail string) error {
			return tx.AppendAudit(AuditEntry{At: now, Actor: actor.User, Action: action, Subject: "staff:" + actor.User, Detail: detail})
		}
		cur, err := staffOf(tx, actor.User)
		if err != nil {
			return err
		}
		if cur.PasswordHash != st.PasswordHash {
			ok = s.cfg.Hasher.Verify(cur.PasswordHash, oldPassword)
		}
		if refusal, err = s.passwordLock(tx, cur, ok, now, audit, "password_change_failed", CodeWrongPassword); refusal != nil || err != nil {
			return err
		}
		// UpdateStaff leaves the lock columns alone, so the count cleared above stays cleared.
		cur.PasswordHash = hash
		if err := tx.UpdateStaff(cur); err != nil {
			return err
		}
		return audit("password_change", "")
	})
	if err != nil {
		return err
	}
	if refusal != nil {
		return refusal
	}
	return nil
}
