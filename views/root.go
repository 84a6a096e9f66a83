package views

import (
	"context"
	"log/slog"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"cardcenter/app"
	"cardcenter/views/common"
	"cardcenter/views/components/confirm"
	"cardcenter/views/theme"
)

// Root is the desk: the login, then the screens the person's role may use, as tabs.
type Root struct {
	c        *common.Common
	specs    []common.PageSpec
	login    *login
	pages    []common.Page
	active   int
	keys     rootKeys
	confirm  confirm.Keys
	help     help.Model
	fullHelp bool
	askQuit  bool
	reader   app.ReaderState
	watching bool
	loggedIn bool
	// ended: the ledger ended the session; the login is shown over the kept screens.
	ended    bool
	trayNote string // the demo tray's last answer
	// pw is the open "change my password" dialog (nil: none); it covers the page.
	pw *passwordDialog
	// gen counts the logins that built the pages: a page's answer arriving after the pages
	// were built anew (another person logged in) is dropped (see pageMsg).
	gen int
}

// pageMsg is a page's own answer (a Cmd it returned), routed back to that page alone: the
// root tags every page Cmd with the page's place and the login that built it.
type pageMsg struct {
	gen, page int
	msg       tea.Msg
}

// routed tags cmd's message for page i of login gen; a batch is tagged Cmd by Cmd.
func routed(gen, i int, cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() tea.Msg {
		switch m := cmd().(type) {
		case nil:
			return nil
		case tea.BatchMsg:
			out := make(tea.BatchMsg, len(m))
			for j, c := range m {
				out[j] = routed(gen, i, c)
			}
			return out
		default:
			return pageMsg{gen, i, m}
		}
	}
}

// update gives msg to page i and routes what it returns back to it.
func (r *Root) update(i int, msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	r.pages[i], cmd = r.pages[i].Update(msg)
	return routed(r.gen, i, cmd)
}

// trayMsg is the demo card tray's answer to a swap.
type trayMsg struct{ note string }

// swapDemoCard asks the demo card tray to lay the next card on the reader.
func swapDemoCard(ctx context.Context, tray common.Tray) tea.Cmd {
	return func() tea.Msg {
		note, err := tray.Next(ctx)
		if err != nil {
			return trayMsg{"card tray: " + err.Error()}
		}
		return trayMsg{note}
	}
}

// NewRoot returns the desk with the given screens (shown by role after login).
func NewRoot(c *common.Common, specs []common.PageSpec) *Root {
	if c.Lang != "en" {
		c.Lang = "zh"
	}
	c.Theme = theme.New(true)
	r := &Root{c: c, specs: specs, keys: newRootKeys(c), confirm: confirm.NewKeys(c), help: help.New()}
	r.login = newLogin(c)
	return r
}

func (r *Root) Init() tea.Cmd { return tea.Batch(tea.RequestBackgroundColor, r.login.Init()) }

// contentHeight is what a page gets: the screen less the tab line and the one-line help bar
// (the full help, when asked for with ?, covers the bottom of the page instead).
func (r *Root) contentHeight() int { return max(r.c.Height-2, 1) }

func (r *Root) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.BackgroundColorMsg:
		r.c.Theme = theme.New(msg.IsDark())
		return r, nil
	case tea.WindowSizeMsg:
		r.c.Width, r.c.Height = msg.Width, msg.Height
		r.help.SetWidth(msg.Width)
		for _, p := range r.pages {
			p.SetSize(msg.Width, r.contentHeight())
		}
		return r, nil
	case loggedInMsg:
		if r.ended && msg.actor.User == r.c.Actor.User && msg.actor.Role == r.c.Actor.Role {
			// The same person again: the screens carry on with the new session.
			r.c.Actor, r.ended = msg.actor, false
			return r, r.toPages(common.SessionResumedMsg{})
		}
		r.ended = false
		r.c.Actor, r.loggedIn, r.pw = msg.actor, true, nil
		r.keys = newRootKeys(r.c)
		r.pages, r.active = nil, 0
		r.gen++
		var cmds []tea.Cmd
		for _, s := range r.specs {
			if s.Allowed(msg.actor.Role) {
				p := s.New(r.c)
				p.SetSize(r.c.Width, r.contentHeight())
				r.pages = append(r.pages, p)
				cmds = append(cmds, routed(r.gen, len(r.pages)-1, p.Init()))
			}
		}
		if !r.watching {
			r.watching = true
			cmds = append(cmds, watchReader(r.c, app.ReaderUnknown))
		} else {
			// Already watching from an earlier login: tell the new pages where things stand.
			st := r.reader // the Cmd runs in its own goroutine: never read the model there
			cmds = append(cmds, func() tea.Msg { return common.ReaderMsg{State: st} })
		}
		return r, tea.Batch(cmds...)
	case common.ReaderMsg:
		r.reader = msg.State
		return r, tea.Batch(watchReader(r.c, msg.State), r.toPages(msg))
	case pageMsg:
		if msg.gen != r.gen || msg.page >= len(r.pages) {
			return r, nil // for pages another login replaced
		}
		cmd := r.update(msg.page, msg.msg)
		if !r.ended && common.SessionEnded(msg.msg) {
			// The answer may be a screen's from before a logout: ask the ledger whether this
			// session is the one that ended before covering the desk.
			cmd = tea.Batch(cmd, probeSession(r.c))
		}
		return r, cmd
	case tea.KeyPressMsg:
		if msg.String() == "f5" && r.c.Tray != nil && !r.busy() {
			return r, swapDemoCard(r.c.Ctx, r.c.Tray)
		}
		return r.key(msg)
	case trayMsg:
		r.trayNote = msg.note
		return r, nil
	case passwordDoneMsg:
		if r.pw == nil {
			return r, nil
		}
		cmd, _ := r.pw.Update(msg)
		return r, cmd
	}
	if !r.loggedIn {
		var cmd tea.Cmd
		r.login, cmd = r.login.Update(msg)
		return r, cmd
	}
	if r.ended {
		// While the login is over the desk its own answers go to it; the screens' answers
		// (pageMsg, above) still go to the screens, which keep their state for whoever logs in.
		switch msg.(type) {
		case loginFailedMsg, firstRunMsg:
			var cmd tea.Cmd
			r.login, cmd = r.login.Update(msg)
			return r, cmd
		}
	}
	if m, ok := msg.(sessionOverMsg); ok {
		if !r.ended && r.loggedIn && m.session == r.c.Actor.Session {
			r.ended = true
			r.login = newLogin(r.c)
			r.login.resume(r.c.Actor.User)
		}
		return r, nil
	}
	return r, r.toPages(msg)
}

// toPages gives msg to every page: what concerns all of them (the reader, a new session);
// a page's own answers come back to it alone (pageMsg).
func (r *Root) toPages(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for i := range r.pages {
		cmds = append(cmds, r.update(i, msg))
	}
	return tea.Batch(cmds...)
}

func (r *Root) key(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if msg.String() == "ctrl+c" && !r.busy() {
		return r, tea.Quit
	}
	if !r.loggedIn || r.ended {
		var cmd tea.Cmd
		r.login, cmd = r.login.Update(msg)
		return r, cmd
	}
	if r.pw != nil {
		cmd, closed := r.pw.Update(msg)
		if closed {
			r.pw = nil
		}
		return r, cmd
	}
	if len(r.pages) == 0 { // a role with no screens can only leave, or change its password
		switch {
		case key.Matches(msg, r.keys.Quit):
			return r, tea.Quit
		case key.Matches(msg, r.keys.Logout):
			return r.logout()
		case key.Matches(msg, r.keys.Password):
			r.pw = newPasswordDialog(r.c)
		}
		return r, nil
	}
	if r.askQuit {
		switch {
		case key.Matches(msg, r.confirm.Yes):
			return r, tea.Quit
		case key.Matches(msg, r.confirm.No):
			r.askQuit = false
		}
		return r, nil
	}
	page := r.pages[r.active]
	if !page.Capturing() {
		switch {
		case key.Matches(msg, r.keys.Quit):
			if r.busy() {
				r.askQuit = true
				return r, nil
			}
			return r, tea.Quit
		case key.Matches(msg, r.keys.Next):
			r.active = (r.active + 1) % len(r.pages)
			return r, r.entered()
		case key.Matches(msg, r.keys.Prev):
			r.active = (r.active - 1 + len(r.pages)) % len(r.pages)
			return r, r.entered()
		case key.Matches(msg, r.keys.Help):
			r.fullHelp = !r.fullHelp
			return r, nil
		case key.Matches(msg, r.keys.Logout) && !r.busy():
			return r.logout()
		case key.Matches(msg, r.keys.Password):
			r.pw = newPasswordDialog(r.c)
			return r, nil
		}
	}
	return r, r.update(r.active, msg)
}

// enterer is a page that reads its data again each time the desk switches to it.
type enterer interface{ Entered() tea.Cmd }

// entered tells the page just switched to that it is on screen.
func (r *Root) entered() tea.Cmd {
	if e, ok := r.pages[r.active].(enterer); ok {
		return routed(r.gen, r.active, e.Entered())
	}
	return nil
}

func (r *Root) logout() (tea.Model, tea.Cmd) {
	svc, ctx, was := r.c.Svc, r.c.Ctx, r.c.Actor
	r.pages, r.c.Actor, r.loggedIn, r.pw = nil, app.Actor{}, false, nil
	r.login = newLogin(r.c)
	// The ledger ends the session too; if it cannot be told now, the session still ends by
	// itself when idle (Config.SessionIdle), and the screen is logged out either way.
	endSession := func() tea.Msg {
		if err := svc.Logout(ctx, was); err != nil {
			slog.Warn("logout", "user", was.User, "err", err)
		}
		return nil
	}
	return r, tea.Batch(r.login.Init(), endSession)
}

func (r *Root) busy() bool {
	for _, p := range r.pages {
		if p.Busy() {
			return true
		}
	}
	return false
}

// ShortHelp and FullHelp make the root a help.KeyMap: the page's keys, then the desk's.
func (r *Root) ShortHelp() []key.Binding {
	if r.pw != nil {
		return r.pw.help()
	}
	var b []key.Binding
	if len(r.pages) > 0 {
		b = append(b, r.pages[r.active].ShortHelp()...)
	}
	return append(b, r.keys.Next, r.keys.Help, r.keys.Quit)
}

func (r *Root) FullHelp() [][]key.Binding {
	if r.pw != nil {
		return [][]key.Binding{r.pw.help()}
	}
	var b [][]key.Binding
	if len(r.pages) > 0 {
		b = append(b, r.pages[r.active].FullHelp()...)
	}
	return append(b, []key.Binding{r.keys.Next, r.keys.Prev, r.keys.Password, r.keys.Logout, r.keys.Help, r.keys.Quit})
}

func (r *Root) View() tea.View {
	th := r.c.Theme
	var s string
	if !r.loggedIn || r.ended {
		s = lipgloss.Place(max(r.c.Width, 1), max(r.c.Height, 1), lipgloss.Center, lipgloss.Center, r.login.View())
	} else {
		header := r.tabLine()
		body := th.Muted.Render(r.c.T("没有适合该角色的功能。ctrl+p 修改密码,ctrl+l 注销,q 退出。",
			"Nothing here for this role. ctrl+p changes your password, ctrl+l logs out, q quits."))
		if len(r.pages) > 0 {
			body = r.pages[r.active].View()
		}
		if r.pw != nil {
			body = r.pw.View()
		}
		if r.askQuit {
			body = th.Warn.Render(r.c.T("正在写卡,确定退出吗?(y 退出 / n 继续)", "A card write is in progress. Quit anyway? (y quits / n stays)"))
		}
		var helpView string
		if r.fullHelp {
			helpView = r.help.FullHelpView(r.FullHelp())
		} else {
			helpView = r.help.ShortHelpView(r.ShortHelp())
		}
		// The help bubble lets a last item overflow when not even its ellipsis fits.
		helpView = lipgloss.NewStyle().MaxWidth(max(r.c.Width, 1)).Render(helpView)
		h := max(r.c.Height-1-lipgloss.Height(helpView), 1)
		bodyStyle := lipgloss.NewStyle().Height(h).MaxHeight(h)
		// A long user name must not push the tab line past the screen's edge.
		header = lipgloss.NewStyle().MaxWidth(max(r.c.Width, 1)).Render(header)
		s = lipgloss.JoinVertical(lipgloss.Left, header, bodyStyle.Render(body), helpView)
	}
	v := tea.NewView(s)
	v.AltScreen = true
	v.WindowTitle = r.c.T("卡务中心", "Card center")
	return v
}

// tabLine is the tabs and who is logged in, as roomy as the width allows: tabs a space
// apart with the person's role; else the tabs closer; else without the role; else the
// inactive tabs without their padding, one space apart (an admin's nine tabs at 80 columns).
func (r *Root) tabLine() string {
	th := r.c.Theme
	var line string
	for _, try := range []struct {
		sep     string
		role    bool
		compact bool
	}{{" ", true, false}, {"", true, false}, {"", false, false}, {" ", false, true}} {
		var tabs []string
		for i, p := range r.pages {
			switch {
			case i == r.active:
				tabs = append(tabs, th.Tab.Active.Render(p.Title()))
			case try.compact:
				tabs = append(tabs, th.Tab.Inactive.Padding(0).Render(p.Title()))
			default:
				tabs = append(tabs, th.Tab.Inactive.Render(p.Title()))
			}
		}
		who := r.c.Actor.User
		if try.role {
			who += " · " + common.RoleName(r.c, r.c.Actor.Role)
		}
		line = lipgloss.JoinHorizontal(lipgloss.Top, strings.Join(tabs, try.sep), "  ", th.Muted.Render(who))
		if lipgloss.Width(line) <= r.c.Width {
			break
		}
	}
	if r.c.Tray != nil {
		line += th.Warn.Render("  " + r.c.T("演示:F5 换卡", "demo: F5 swaps the card"))
		if r.trayNote != "" {
			line += th.Muted.Render(" (" + r.trayNote + ")")
		}
	}
	return line
}

// watchReader waits for the reader's state to differ from last.
func watchReader(c *common.Common, last app.ReaderState) tea.Cmd {
	if c.Cards == nil {
		return nil
	}
	return func() tea.Msg {
		st, err := c.Cards.Watch(c.Ctx, last)
		if c.Ctx.Err() != nil {
			return nil // the desk is closing
		}
		return common.ReaderMsg{State: st, Err: err}
	}
}
