package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Desk sessions. A login returns a token that names the session; the ledger keeps only the
// token's hash, so whoever reads the ledger file cannot act as anyone, and any host on the
// same ledger can check any desk's token. A session ends at logout, at its lifetime, after
// it has been idle too long, and at once when its account is disabled, given another role or
// a new password: the session remembers a stamp of the account as it was at login, and a
// session whose account no longer matches its stamp is over.

// StaffSession is one login's session as the ledger keeps it.
type StaffSession struct {
	TokenHash string // "sha256:" + hex of the token
	Username  string
	Stamp     string // accountStamp at login
	Started   time.Time
	LastSeen  time.Time
	Expires   time.Time
	Ended     time.Time // zero while open
}

// sessionTouchEvery: how stale LastSeen may get before a call writes it again. The idle
// timeout is measured from LastSeen, so it is exact to within this; not writing on every
// call keeps reads off the single writer.
const sessionTouchEvery = time.Minute

const sessionTokenPrefix = "ccs_"

// SessionTokenHash is how a session token is kept in the ledger.
func SessionTokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// accountStamp changes whenever what a session was granted on changes: the role, or the
// password (a reset ends the sessions opened with the old one).
func accountStamp(st Staff) string {
	sum := sha256.Sum256([]byte(string(st.Role) + "\x00" + st.PasswordHash))
	return hex.EncodeToString(sum[:8])
}

func newSessionToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("session token: %w", err)
	}
	return sessionTokenPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// openSession records a new session for st (inside the login's transaction).
func (s *Service) openSession(tx Tx, st Staff, now time.Time) (string, error) {
	token, err := newSessionToken()
	if err != nil {
		return "", err
	}
	err = tx.InsertStaffSession(StaffSession{TokenHash: SessionTokenHash(token), Username: st.Username, Stamp: accountStamp(st),
		Started: now, LastSeen: now, Expires: now.Add(s.cfg.SessionLifetime)})
	return token, err
}

// checkSession is allow's half for an actor that carries a session: the session must be
// open, the actor's, unexpired and not idle, and its account unchanged since login. It
// returns whether LastSeen should be written again.
func (s *Service) checkSession(tx ReadTx, actor Actor, st Staff, now time.Time) (touch bool, err error) {
	ss, err := tx.StaffSession(SessionTokenHash(actor.Session))
	if errors.Is(err, ErrNoRow) {
		return false, E(CodeSessionEnded, "%s: no such session", actor.User)
	} else if err != nil {
		return false, err
	}
	switch {
	case ss.Username != actor.User:
		return false, E(CodeSessionEnded, "%s: the session is another account's", actor.User)
	case !ss.Ended.IsZero():
		return false, E(CodeSessionEnded, "%s: logged out at %s", actor.User, ss.Ended.Format(time.DateTime))
	case !now.Before(ss.Expires):
		return false, E(CodeSessionEnded, "%s: the session expired at %s", actor.User, ss.Expires.Format(time.DateTime))
	case now.Sub(ss.LastSeen) > s.cfg.SessionIdle:
		return false, E(CodeSessionEnded, "%s: idle since %s", actor.User, ss.LastSeen.Format(time.DateTime))
	case ss.Stamp != accountStamp(st):
		return false, E(CodeSessionEnded, "%s: the account's role or password changed since login", actor.User)
	}
	return now.Sub(ss.LastSeen) >= sessionTouchEvery, nil
}

// SessionActor is who a session token belongs to, as the ledger says: a host serving a
// desk over the network builds every call's actor from the token alone, never from a name
// the client sends.
func (s *Service) SessionActor(ctx context.Context, token string) (Actor, error) {
	if !strings.HasPrefix(token, sessionTokenPrefix) || len(token) > 128 {
		return Actor{}, E(CodeSessionEnded, "not a session token")
	}
	var ss StaffSession
	var st Staff
	err := s.store.View(ctx, func(tx ReadTx) error {
		var err error
		if ss, err = tx.StaffSession(SessionTokenHash(token)); err != nil {
			return err
		}
		st, err = tx.Staff(ss.Username)
		return err
	})
	if errors.Is(err, ErrNoRow) {
		return Actor{}, E(CodeSessionEnded, "no such session")
	} else if err != nil {
		return Actor{}, err
	}
	a := Actor{User: st.Username, Role: st.Role, Session: token}
	if err := s.allow(ctx, a, anyStaff...); err != nil {
		return Actor{}, err
	}
	return a, nil
}

// Logout ends the actor's session. Ending one that has ended already is not an error: a
// desk that logs out twice (a retry) is told it is out.
func (s *Service) Logout(ctx context.Context, actor Actor) error {
	if actor.Session == "" {
		return nil // an in-process desk without a session: nothing to end
	}
	return s.store.Update(ctx, func(tx Tx) error {
		now := s.clock.Now()
		ss, err := tx.StaffSession(SessionTokenHash(actor.Session))
		if errors.Is(err, ErrNoRow) || err == nil && !ss.Ended.IsZero() {
			return nil
		} else if err != nil {
			return err
		}
		if ss.Username != actor.User {
			return E(CodeSessionEnded, "%s: the session is another account's", actor.User)
		}
		if err := tx.EndStaffSession(ss.TokenHash, now); err != nil {
			return err
		}
		return tx.AppendAudit(AuditEntry{At: now, Actor: actor.User, Action: "logout", Subject: "staff:" + actor.User})
	})
}
