package views

import (
	"cardcenter/views/common"
	"cardcenter/views/components/form"
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"cardcenter/app"
)

// passwordDialog changes the logged-in person's own password (issue 9.12): the current
// one and the new one twice, all masked. Every role reaches it from the root (ctrl+p); the
// ledger checks the current password and the policy, and counts a wrong current password
// towards the lock.
type passwordDialog struct {
	c    *common.Common
	form *form.Model
	busy bool
	done bool // changed: the dialog says so until a key closes it
	keys struct{ Close key.Binding }
}

// passwordDoneMsg is ChangeOwnPassword's answer.
type passwordDoneMsg struct{ err error }

func newPasswordDialog(c *common.Common) *passwordDialog {
	d := &passwordDialog{c: c}
	d.keys.Close = key.NewBinding(key.WithKeys("esc", "enter"), key.WithHelp("esc/enter", c.T("返回", "back")))
	d.form = form.New(c, c.T("修改我的密码", "Change my password"))
	d.form.Note = c.T("账号 ", "Account ") + c.Actor.User
	d.form.Text(c.T("当前密码", "Current"), "", 20, true, "")
	d.form.Text(c.T("新密码", "New"), "", 20, true,
		c.T(fmt.Sprintf("至少 %d 个字符", app.MinPasswordLen), fmt.Sprintf("at least %d characters", app.MinPasswordLen)))
	d.form.Text(c.T("再输一次", "Again"), "", 20, true, "")
	return d
}

// Update takes a key or the ledger's answer; closed reports the dialog is done with.
func (d *passwordDialog) Update(msg tea.Msg) (cmd tea.Cmd, closed bool) {
	switch msg := msg.(type) {
	case passwordDoneMsg:
		d.busy = false
		if msg.err != nil {
			d.form.Err = d.c.Msg(msg.err)
			// Every field again: a wrong current password is not to be retried by enter.
			d.form.Clear()
			return nil, false
		}
		d.done = true
		return nil, false
	case tea.KeyPressMsg:
		if d.busy {
			return nil, false
		}
		if d.done {
			return nil, key.Matches(msg, d.keys.Close)
		}
		switch d.form.Update(msg) {
		case form.Cancel:
			return nil, true
		case form.Submit:
			return d.submit(), false
		}
	}
	return nil, false
}

func (d *passwordDialog) submit() tea.Cmd {
	c, f := d.c, d.form
	old, pw := f.Raw(0), f.Raw(1)
	if pw != f.Raw(2) {
		f.Err = c.T("两次输入的新密码不一致", "the two new passwords differ")
		return nil
	}
	d.busy, f.Err = true, ""
	actor := c.Actor
	return func() tea.Msg {
		ctx, cancel := common.CallContext(c)
		defer cancel()
		return passwordDoneMsg{c.Svc.ChangeOwnPassword(ctx, actor, old, pw)}
	}
}

func (d *passwordDialog) View() string {
	th := d.c.Theme
	if d.done {
		return th.Title.Render(d.c.T("修改我的密码", "Change my password")) + "\n\n" +
			th.Good.Render(d.c.T("密码已修改,下次登录请使用新密码。", "Password changed; log in with the new one next time.")) + "\n\n" +
			th.KeyHint.Render(d.c.T("esc/enter 返回", "esc/enter to go back"))
	}
	s := d.form.View()
	if d.busy {
		s += "\n\n" + th.Muted.Render(d.c.T("正在修改…", "changing…"))
	}
	return s
}

func (d *passwordDialog) help() []key.Binding {
	if d.done {
		return []key.Binding{d.keys.Close}
	}
	return d.form.Help()
}
