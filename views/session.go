package views

import (
	"errors"

	tea "charm.land/bubbletea/v2"

	"cardcenter/app"
)

// When the ledger ends a session (idle, expired, the account disabled or changed), every
// screen's next answer says SESSION_ENDED. The root then shows the login over the desk and
// keeps the screens as they are: the same person logs in again and carries on; anyone else
// gets a fresh desk. A repair cut off this way loses nothing: its intent is in the ledger
// and the next read of the card resolves it.

// failed is a screen's answer that may carry the ledger's refusal. Every message type that
// carries an error implements it (session_test.go checks the source).
type failed interface{ failure() error }

// sessionOverMsg: the ledger says session is over.
type sessionOverMsg struct{ session string }

// probeSession asks the ledger whether the desk's current session is still good, with the
// cheapest call any role may make.
func probeSession(c *Common) tea.Cmd {
	ctx, svc, actor := c.Ctx, c.Svc, c.Actor
	return func() tea.Msg {
		if _, err := svc.Operators(ctx, actor); errors.Is(err, app.CodeSessionEnded) {
			return sessionOverMsg{actor.Session}
		}
		return nil
	}
}

func sessionEnded(msg any) bool {
	f, ok := msg.(failed)
	return ok && errors.Is(f.failure(), app.CodeSessionEnded)
}

func (m admLoadedMsg[T]) failure() error { return m.err }
func (m admDone) failure() error         { return m.err }
func (m cardsLookedMsg) failure() error  { return m.err }
func (m devEndAskMsg) failure() error    { return m.err }
func (m excLoadedMsg) failure() error    { return m.err }
func (m excDecidedMsg) failure() error   { return m.err }
func (m repairReadMsg) failure() error   { return m.err }
func (m repairWriteMsg) failure() error  { return m.err }
func (m repairReceiptMsg) failure() error {
	return m.err
}
func (m repairPrintMsg) failure() error    { return m.err }
func (m repairReadersMsg) failure() error  { return m.err }
func (m reportLoadedMsg) failure() error   { return m.err }
func (m reportSettledMsg) failure() error  { return m.err }
func (m reportExportedMsg) failure() error { return m.err }
func (m loginFailedMsg) failure() error    { return m.err }
func (m firstRunMsg) failure() error       { return m.err }
func (m cardsDoneMsg) failure() error      { return m.err }
func (m passwordDoneMsg) failure() error   { return m.err }
