package common

import (
	"errors"

	"cardcenter/app"
)

// Failed is a screen's answer that may carry the ledger's refusal. Every message type that
// carries an error implements it (session_test.go checks the source).
type Failed interface{ Failure() error }

func SessionEnded(msg any) bool {
	f, ok := msg.(Failed)
	return ok && errors.Is(f.Failure(), app.CodeSessionEnded)
}

// SessionResumedMsg: the person whose session ended logged in again and the screens carry
// on. A screen whose last call was refused for the ended session may make it again.
type SessionResumedMsg struct{}
