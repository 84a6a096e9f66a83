// Package theme holds every style of cardcenter's screens, named for what they mean, so no
// screen picks a raw colour. NO_COLOR is honoured by Bubble Tea's colour profile.
package theme

import "charm.land/lipgloss/v2"

// Theme is the set of semantic styles.
type Theme struct {
	Frame    lipgloss.Style // the outline of a device-like panel
	Title    lipgloss.Style
	Muted    lipgloss.Style
	Good     lipgloss.Style // money landed, done
	Warn     lipgloss.Style // needs the operator: 请重刷卡
	Bad      lipgloss.Style // refused, failed
	Input    lipgloss.Style
	KeyHint  lipgloss.Style
	Emphasis lipgloss.Style
	Selected lipgloss.Style // the row under the cursor
	Header   lipgloss.Style // table headings
	Bar      lipgloss.Style // the bars of a chart
	Tab      struct{ Active, Inactive lipgloss.Style }
}

// New returns the theme for a dark or light background.
func New(dark bool) Theme {
	ld := lipgloss.LightDark(dark)
	fg := ld(lipgloss.Color("#1F2937"), lipgloss.Color("#E5E7EB"))
	muted := ld(lipgloss.Color("#6B7280"), lipgloss.Color("#9CA3AF"))
	return Theme{
		Frame:    lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(muted).Padding(0, 1),
		Title:    lipgloss.NewStyle().Bold(true).Foreground(fg),
		Muted:    lipgloss.NewStyle().Foreground(muted),
		Good:     lipgloss.NewStyle().Bold(true).Foreground(ld(lipgloss.Color("#047857"), lipgloss.Color("#34D399"))),
		Warn:     lipgloss.NewStyle().Bold(true).Foreground(ld(lipgloss.Color("#B45309"), lipgloss.Color("#FBBF24"))),
		Bad:      lipgloss.NewStyle().Bold(true).Foreground(ld(lipgloss.Color("#B91C1C"), lipgloss.Color("#F87171"))),
		Input:    lipgloss.NewStyle().Underline(true).Foreground(fg),
		KeyHint:  lipgloss.NewStyle().Foreground(muted),
		Emphasis: lipgloss.NewStyle().Bold(true).Foreground(fg),
		Selected: lipgloss.NewStyle().Bold(true).Reverse(true),
		Header:   lipgloss.NewStyle().Bold(true).Foreground(muted),
		Bar:      lipgloss.NewStyle().Foreground(ld(lipgloss.Color("#2563EB"), lipgloss.Color("#60A5FA"))),
		Tab: struct{ Active, Inactive lipgloss.Style }{
			Active:   lipgloss.NewStyle().Bold(true).Padding(0, 1).Reverse(true),
			Inactive: lipgloss.NewStyle().Padding(0, 1).Foreground(muted),
		},
	}
}
