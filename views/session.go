package views

import (
	"cardcenter/views/common"
	"errors"

	tea "charm.land/bubbletea/v2"

	"cardcenter/app"
)

// When the ledger ends a session (idle, expired, the account disabled or changed), every
// screen's next answer says SESSION_ENDED. The root then shows the login over the desk and
// keeps the screens as they are: the same person logs in again and carries on; anyone else
// gets a fresh desk. A repair cut off this way loses nothing: its intent is in the ledger
// and the next read of the card resolves it.

// sessionOverMsg: the ledger says session is over.
type sessionOverMsg struct{ session string }

// probeSession asks the ledger whether the desk's current session is still good, with the
// cheapest call any role may make.
func probeSession(c *common.Common) tea.Cmd {
	ctx, svc, actor := c.Ctx, c.Svc, c.Actor
	return func() tea.Msg {
		if _, err := svc.Operators(ctx, actor); errors.Is(err, app.CodeSessionEnded) {
			return sessionOverMsg{actor.Session}
		}
		return nil
	}
}

func (m loginFailedMsg) Failure() error { return m.err }

func (m firstRunMsg) Failure() error { return m.err }

func (m passwordDoneMsg) Failure() error { return m.err }
