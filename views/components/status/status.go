// Package status is the one line where a screen says what just happened, in plain words
// and one of four colours. Every screen uses it, so a refusal reads the same everywhere.
package status

import (
	"charm.land/lipgloss/v2"

	"cardcenter/views/theme"
)

// Kind says how a line is coloured.
type Kind int

const (
	Muted Kind = iota // by the way: nothing to act on
	Good              // done
	Warn              // done, but look at it
	Bad               // refused or failed
)

// Line is a status line; the zero Line says nothing.
type Line struct {
	Kind Kind
	Text string
}

// Say is a line of kind k.
func Say(k Kind, text string) Line { return Line{Kind: k, Text: text} }

// Failed and Done are the two lines most screens say.
func Failed(text string) Line { return Line{Kind: Bad, Text: text} }
func Done(text string) Line   { return Line{Kind: Good, Text: text} }

// Empty: there is nothing to say.
func (l Line) Empty() bool { return l.Text == "" }

// Style is the line's colour in th.
func (l Line) Style(th theme.Theme) lipgloss.Style {
	switch l.Kind {
	case Good:
		return th.Good
	case Warn:
		return th.Warn
	case Bad:
		return th.Bad
	}
	return th.Muted
}

// View is the line drawn in th, or "" when there is nothing to say.
func (l Line) View(th theme.Theme) string {
	if l.Text == "" {
		return ""
	}
	return l.Style(th).Render(l.Text)
}
