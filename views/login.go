package views

import (
	"cardcenter/views/common"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"cardcenter/app"
)

// login asks for a desk account; on the very first run it creates the admin account.
type login struct {
	c      *common.Common
	first  bool // no account yet: create the admin
	fields []textinput.Model
	focus  int
	err    string
	busy   bool
	note   string // why the login is asked for again
	keys   struct{ Next, Submit key.Binding }
}

// loggedInMsg: the login (or first-admin creation) succeeded.
type loggedInMsg struct{ actor app.Actor }

type loginFailedMsg struct{ err error }

type firstRunMsg struct {
	first bool
	err   error
}

func newLogin(c *common.Common) *login {
	l := &login{c: c}
	l.keys.Next = key.NewBinding(key.WithKeys("tab", "down"), key.WithHelp("tab", c.T("下一项", "next field")))
	l.keys.Submit = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", c.T("登录", "log in")))
	l.setFields()
	return l
}

// resume asks user to log in again after the ledger ended their session.
func (l *login) resume(user string) {
	l.note = l.c.T("会话已结束(超时或账户变更),请重新登录;屏幕上的内容已保留",
		"Your session has ended (idle, expired or the account changed). Log in again; the screens are kept.")
	l.fields[0].SetValue(user)
	l.move(1)
}

func (l *login) setFields() {
	mk := func(placeholder string, secret bool) textinput.Model {
		return common.NewTextInput(placeholder, 24, secret)
	}
	// No placeholders: the labels say it, and CJK placeholders overflow the field.
	l.fields = []textinput.Model{mk("", false), mk("", true)}
	if l.first {
		l.fields = append(l.fields, mk("", true))
	}
	l.focus = 0
	l.fields[0].Focus()
}

func (l *login) Init() tea.Cmd {
	c := l.c
	return func() tea.Msg {
		first, err := c.Svc.NeedsFirstAdmin(c.Ctx)
		return firstRunMsg{first, err}
	}
}

func (l *login) Update(msg tea.Msg) (*login, tea.Cmd) {
	switch msg := msg.(type) {
	case firstRunMsg:
		if msg.err != nil {
			l.err = l.c.Msg(msg.err)
		}
		if msg.first != l.first {
			l.first = msg.first
			l.setFields()
		}
		return l, nil
	case loginFailedMsg:
		l.busy, l.err = false, l.c.Msg(msg.err)
		l.fields[1].SetValue("")
		if l.first {
			l.fields[2].SetValue("")
		}
		return l, nil
	case tea.KeyPressMsg:
		if l.busy {
			return l, nil
		}
		switch {
		case key.Matches(msg, l.keys.Submit) && l.focus == len(l.fields)-1:
			return l, l.submit()
		case key.Matches(msg, l.keys.Submit), key.Matches(msg, l.keys.Next):
			l.move(1)
			return l, nil
		case msg.String() == "shift+tab" || msg.String() == "up":
			l.move(-1)
			return l, nil
		}
	}
	var cmd tea.Cmd
	l.fields[l.focus], cmd = l.fields[l.focus].Update(msg)
	return l, cmd
}

func (l *login) move(d int) {
	l.fields[l.focus].Blur()
	l.focus = (l.focus + d + len(l.fields)) % len(l.fields)
	l.fields[l.focus].Focus()
}

func (l *login) submit() tea.Cmd {
	user := strings.TrimSpace(l.fields[0].Value())
	pass := l.fields[1].Value()
	c := l.c
	if l.first {
		if pass != l.fields[2].Value() {
			l.err = c.T("两次输入的密码不一致", "the passwords differ")
			return nil
		}
		l.busy, l.err = true, ""
		return func() tea.Msg {
			a, err := c.Svc.CreateFirstAdmin(c.Ctx, user, user, pass)
			if err != nil {
				return loginFailedMsg{err}
			}
			return loggedInMsg{a}
		}
	}
	l.busy, l.err = true, ""
	return func() tea.Msg {
		a, err := c.Svc.Login(c.Ctx, user, pass)
		if err != nil {
			return loginFailedMsg{err}
		}
		return loggedInMsg{a}
	}
}

func (l *login) View() string {
	th := l.c.Theme
	title := l.c.T("校园一卡通 卡务中心", "Campus card center")
	sub := l.c.T("请登录", "Log in")
	if l.first {
		sub = l.c.T("首次使用:创建管理员账号", "First run: create the admin account")
	}
	labels := []string{l.c.T("用户名", "User"), l.c.T("密码", "Password"), l.c.T("确认密码", "Again")}
	var rows []string
	for i, f := range l.fields {
		rows = append(rows, lipgloss.NewStyle().Width(10).Render(labels[i])+f.View())
	}
	body := []string{th.Title.Render(title), th.Muted.Render(sub), "", strings.Join(rows, "\n")}
	if l.note != "" {
		body = append([]string{th.Warn.Width(44).Render(l.note), ""}, body...)
	}
	if l.err != "" {
		body = append(body, "", th.Bad.Render(l.err))
	}
	if l.busy {
		body = append(body, "", th.Muted.Render(l.c.T("正在验证…", "checking…")))
	}
	return th.Frame.Render(lipgloss.JoinVertical(lipgloss.Left, body...))
}
