package common

import "charm.land/bubbles/v2/textinput"

// NewTextInput is a text field as every desk screen uses it: a steady cursor (a blinking
// one is a timer that never stops, and distracts at a counter), width in cells.
func NewTextInput(placeholder string, width int, secret bool) textinput.Model {
	ti := textinput.New()
	ti.Placeholder = placeholder
	ti.SetWidth(width)
	ti.CharLimit = 64
	st := ti.Styles()
	st.Cursor.Blink = false
	ti.SetStyles(st)
	if secret {
		ti.EchoMode = textinput.EchoPassword
	}
	return ti
}
