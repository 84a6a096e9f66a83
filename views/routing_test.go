package views_test

import (
	"fmt"
	"slices"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"cardcenter/app"
	"cardcenter/views"
	"cardcenter/views/common"
	"cardcenter/views/viewtest"
)

// probeMsg is a probe page's own answer, of the one type every probe page takes.
type probeMsg struct{ from int }

// probePage answers its Init with a probeMsg from itself and keeps every probeMsg it gets.
type probePage struct {
	id  int
	got *[]string
}

func (p *probePage) Init() tea.Cmd {
	id := p.id
	return tea.Batch(func() tea.Msg { return probeMsg{id} }, func() tea.Msg { return probeMsg{id} })
}

func (p *probePage) Update(msg tea.Msg) (common.Page, tea.Cmd) {
	if m, ok := msg.(probeMsg); ok {
		*p.got = append(*p.got, fmt.Sprintf("page %d got page %d's answer", p.id, m.from))
	}
	return p, nil
}

func (p *probePage) View() string              { return "probe" }
func (p *probePage) SetSize(int, int)          {}
func (p *probePage) Title() string             { return fmt.Sprint("probe ", p.id) }
func (p *probePage) ShortHelp() []key.Binding  { return nil }
func (p *probePage) FullHelp() [][]key.Binding { return nil }
func (p *probePage) Busy() bool                { return false }
func (p *probePage) Capturing() bool           { return false }

// A page's answer goes back to the page that asked, not to every page: two screens whose
// answers are of one type (two lists of one kind, a screen shown twice) each get their own
// only, and a screen never takes another's answer for its own.
func TestPageAnswersGoToThePageThatAsked(t *testing.T) {
	d := viewtest.New(t, app.Actor{}, "en")
	d.C.Cards = nil
	var got []string
	probe := func(id int) common.PageSpec {
		return common.PageSpec{Roles: []app.Role{app.RoleClerk}, New: func(*common.Common) common.Page { return &probePage{id, &got} }}
	}
	var m tea.Model = views.NewRoot(d.C, []common.PageSpec{probe(0), probe(1)})
	m = viewtest.Drive(m, tea.WindowSizeMsg{Width: viewtest.Width, Height: viewtest.Height})
	m = viewtest.RunInit(m)
	m = viewtest.Type(m, "clerk1")
	m = viewtest.Drive(m, viewtest.Key("tab"))
	m = viewtest.Type(m, "clerk-pass-1")
	viewtest.Drive(m, viewtest.Key("enter"))
	slices.Sort(got)
	want := []string{"page 0 got page 0's answer", "page 0 got page 0's answer", "page 1 got page 1's answer", "page 1 got page 1's answer"}
	if !slices.Equal(got, want) {
		t.Fatalf("the pages got %q, want %q", got, want)
	}
}
