// Package views is the card-center desk: the root model, the login, and one model per
// screen (repair, authorization cards, devices, operators, card status, staff, reports, audit).
// Screens talk to the ledger through app.Service and to the card through CardSource, only
// inside tea.Cmds; Update and View never do I/O.
package common

import (
	"context"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"cardcenter/app"
	"cardcenter/views/theme"
)

// Common is what every screen gets: the context, the use cases, who is logged in, the
// language, the theme and the card reader. Screens keep a pointer to it; the root updates
// its size and theme.
type Common struct {
	Ctx    context.Context
	Svc    app.Desk
	Actor  app.Actor
	Lang   string // "zh" or "en"
	Theme  theme.Theme
	Cards  CardSource
	Width  int
	Height int
	// Receipts and Exports are where the repair screen saves a receipt and the reports
	// screen an export (app/localfile.Folder under $XDG_DATA_HOME/cardcenter).
	Receipts, Exports Folder
	// Tray is the demo's card tray: in demo mode F5 lays the next card on the reader
	// (cardcenter demo tray). Nil outside the demo.
	Tray Tray
	// ProvisionDir is where the devices screen writes a device's secret file (0600) when
	// it registers the device or rotates its secret (app/provision).
	ProvisionDir string
}

// Folder is where a screen saves a file it hands out, under a name of its own; it says
// where the file is. The file appears whole or not at all.
type Folder interface {
	Save(name string, data []byte) (path string, err error)
}

// Tray lays the next card on the reader and says which (the demo's card tray).
type Tray interface {
	Next(ctx context.Context) (note string, err error)
}

// T picks the text for the desk's language.
func (c *Common) T(zh, en string) string {
	if c.Lang == "en" {
		return en
	}
	return zh
}

// Msg returns an error's message in the desk's language (app and cardio errors carry both).
func (c *Common) Msg(err error) string {
	if err == nil {
		return ""
	}
	type bilingual interface{ Message(lang string) string }
	var e bilingual
	if asBilingual(err, &e) {
		return e.Message(c.Lang)
	}
	return err.Error()
}

// CardSource is the desk's reader as the screens see it.
type CardSource interface {
	// Reader reads and writes the card on the chosen reader.
	Reader() app.DeskReader
	// Watch blocks until the reader's state differs from last (or ctx ends) and returns
	// the new state; a screen calls it in a Cmd to follow cards coming and going and
	// pcscd or readers appearing.
	Watch(ctx context.Context, last app.ReaderState) (app.ReaderState, error)
	// Readers lists the attached readers; Choose picks one ("" = the first).
	Readers(ctx context.Context) ([]string, error)
	Choose(name string)
	Name() string
}

// Page is one screen of the desk.
type Page interface {
	Init() tea.Cmd
	Update(msg tea.Msg) (Page, tea.Cmd)
	View() string
	// SetSize gives the page the space below the tabs and above the help bar.
	SetSize(width, height int)
	Title() string
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
	// Busy: a card write is in progress; quitting asks first.
	Busy() bool
	// Capturing: a text field has the focus; q, tab and ? go to the page, not the root.
	Capturing() bool
}

// ReaderMsg tells every screen the reader's new state. The root watches the reader and
// broadcasts it, so screens never block on the reader themselves (and tests send it).
type ReaderMsg struct {
	State app.ReaderState
	Err   error // why the reader is unusable (no pcscd, no reader), for the screen
}

// PageSpec says who may see a page and how to build it.
type PageSpec struct {
	Roles []app.Role
	New   func(c *Common) Page
}

// Allowed reports whether role may see the page.
func (p PageSpec) Allowed(role app.Role) bool {
	for _, r := range p.Roles {
		if r == role {
			return true
		}
	}
	return false
}
