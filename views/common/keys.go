package common

import (
	"charm.land/bubbles/v2/key"

	"cardcenter/app"
)

// Key is a key binding that works only when enabled (the help bar then leaves it out).
func Key(enabled bool, help, desc string, keys ...string) key.Binding {
	b := key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	b.SetEnabled(enabled)
	return b
}

// AdminKey is a Key that works only for an admin: the administration screens' changes.
func AdminKey(c *Common, help, desc string, keys ...string) key.Binding {
	return Key(c.Actor.Role == app.RoleAdmin, help, desc, keys...)
}

// ReloadKey is k, loading a screen's list again, for everyone who sees the screen.
func ReloadKey(c *Common, k string) key.Binding { return Key(true, k, c.T("刷新", "reload"), k) }
