package common

import (
	"charm.land/bubbles/v2/key"
)

// admKey is a key binding that works only when enabled (the help bar then leaves it out).
func Key(enabled bool, help, desc string, keys ...string) key.Binding {
	b := key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	b.SetEnabled(enabled)
	return b
}
