package staff

import (
	"cardcenter/views/common"
	"cardcenter/views/components/confirm"
	"cardcenter/views/components/form"
	"cardcenter/views/components/listpage"
	"cardcenter/views/components/status"
	"cardcenter/views/components/table"
	"context"
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"cardcenter/app"
)

// staffPage: the desk accounts (issue 9.12). An admin adds accounts, resets a password
// (which also unlocks), unlocks an account wrong passwords locked, disables or enables one
// and changes its role. The ledger decides every rule (password policy, the last admin);
// the screen only checks that a password was typed the same twice.
type staffPage struct {
	listpage.List[app.StaffInfo]
	keys      staffKeys
	formKind  int
	formStaff app.StaffInfo
}

const (
	staffFormNew = iota
	staffFormPassword
	staffFormRole
)

// staffRoles are the roles in the order the role field offers them.
var staffRoles = []app.Role{app.RoleClerk, app.RoleSupervisor, app.RoleAdmin}

func New(c *common.Common) common.Page {
	p := &staffPage{keys: newStaffKeys(c)}
	p.List = listpage.NewList(c, []table.Col{{Title: c.T("用户名", "User"), Width: 12}, {Title: c.T("姓名", "Name"), Width: 12}, {Title: c.T("角色", "Role"), Width: 10},
		{Title: c.T("启用", "On"), Width: 4}, {Title: c.T("密码", "Password"), Width: 0}},
		c.T("还没有账号", "no accounts yet"), app.Desk.StaffList, p.cells, func(s app.StaffInfo) string { return s.Username })
	p.Reload = common.ReloadKey(c, "ctrl+r") // r resets a password
	return p
}

func (p *staffPage) Init() tea.Cmd { return p.Load() }

// Entered: the list is read again each time the desk switches here (a lock happens at
// someone else's login, not on this screen).
func (p *staffPage) Entered() tea.Cmd { return p.Load() }

func (p *staffPage) Update(msg tea.Msg) (common.Page, tea.Cmd) { return p, p.Handle(msg, p.key) }

func (p *staffPage) key(k tea.KeyPressMsg) tea.Cmd {
	if cmd, taken := p.Key(k, p.submit); taken {
		return cmd
	}
	c := p.C
	st, ok := p.Selected()
	switch {
	case key.Matches(k, p.keys.New):
		p.openForm(staffFormNew, app.StaffInfo{Role: app.RoleClerk})
	case key.Matches(k, p.keys.ResetPassword) && ok:
		p.openForm(staffFormPassword, st)
	case key.Matches(k, p.keys.Role) && ok:
		p.openForm(staffFormRole, st)
	case key.Matches(k, p.keys.Unlock) && ok:
		p.Status = status.Line{}
		p.Asking = &confirm.Question{
			Prompt: c.T(fmt.Sprintf("解锁账号 %s(%s)?密码不变,错误次数清零", st.Username, st.DisplayName),
				fmt.Sprintf("Unlock %s (%s)? The password stays; the wrong tries go back to 0", st.Username, st.DisplayName)),
			Run: func() tea.Cmd {
				return p.change(st.Username, c.T("已解锁 "+st.Username, "Unlocked "+st.Username), false, func(ctx context.Context) error {
					return c.Svc.UnlockStaff(ctx, c.Actor, st.Username)
				})
			},
		}
	case key.Matches(k, p.keys.Enable) && ok:
		p.Status = status.Line{}
		to := !st.Enabled
		prompt := c.T(fmt.Sprintf("停用账号 %s(%s)?其登录中的桌面在下一步操作时结束", st.Username, st.DisplayName),
			fmt.Sprintf("Disable %s (%s)? A desk logged in as them ends at its next action", st.Username, st.DisplayName))
		note := c.T("已停用 "+st.Username, "Disabled "+st.Username)
		if to {
			prompt = c.T(fmt.Sprintf("启用账号 %s(%s)?", st.Username, st.DisplayName), fmt.Sprintf("Enable %s (%s)?", st.Username, st.DisplayName))
			note = c.T("已启用 "+st.Username, "Enabled "+st.Username)
		}
		p.Asking = &confirm.Question{Prompt: prompt, Run: func() tea.Cmd {
			return p.change(st.Username, note, false, func(ctx context.Context) error {
				return c.Svc.SetStaffEnabled(ctx, c.Actor, st.Username, to)
			})
		}}
	}
	return nil
}

func (p *staffPage) roleChoices() []string {
	out := make([]string, len(staffRoles))
	for i, r := range staffRoles {
		out[i] = common.RoleName(p.C, r)
	}
	return out
}

func roleIndex(r app.Role) int {
	for i, x := range staffRoles {
		if x == r {
			return i
		}
	}
	return 0
}

func (p *staffPage) openForm(kind int, st app.StaffInfo) {
	c := p.C
	p.Status, p.formKind, p.formStaff = status.Line{}, kind, st
	rule := c.T(fmt.Sprintf("至少 %d 个字符", app.MinPasswordLen), fmt.Sprintf("at least %d characters", app.MinPasswordLen))
	switch kind {
	case staffFormNew:
		p.Form = form.New(c, c.T("新建账号", "New desk account"))
		p.Form.Text(c.T("用户名", "User name"), "", 16, false, "")
		p.Form.Text(c.T("姓名", "Name"), "", 16, false, "")
		p.Form.Choose(c.T("角色", "Role"), p.roleChoices(), roleIndex(st.Role))
		p.Form.Text(c.T("密码", "Password"), "", 20, true, rule)
		p.Form.Text(c.T("再输一次", "Again"), "", 20, true, "")
	case staffFormPassword:
		p.Form = accountForm(c, st, "重置 %s(%s)的密码", "Reset the password of %s (%s)",
			c.T("重置后错误次数清零、解除锁定;请当面告知本人新密码", "Resetting also unlocks; tell the person the new password in person"))
		p.Form.Text(c.T("新密码", "New password"), "", 20, true, rule)
		p.Form.Text(c.T("再输一次", "Again"), "", 20, true, "")
	case staffFormRole:
		p.Form = accountForm(c, st, "变更 %s(%s)的角色", "Change the role of %s (%s)",
			c.T("其登录中的桌面在下一步操作时结束,须重新登录", "A desk logged in as them ends at its next action and logs in again"))
		p.Form.Choose(c.T("角色", "Role"), p.roleChoices(), roleIndex(st.Role))
	}
}

// accountForm is a form about st's account: its title is zh or en filled with the user
// name and the display name, its note what the change does.
func accountForm(c *common.Common, st app.StaffInfo, zh, en, note string) *form.Model {
	f := form.New(c, c.T(fmt.Sprintf(zh, st.Username, st.DisplayName), fmt.Sprintf(en, st.Username, st.DisplayName)))
	f.Note = note
	return f
}

// change runs one change of the account user inside a Cmd; the cursor follows it.
func (p *staffPage) change(user, note string, form bool, do func(ctx context.Context) error) tea.Cmd {
	return p.Change(listpage.Change{Note: note, Form: form, Focus: user}, do)
}

func (p *staffPage) submit() tea.Cmd {
	c, f, st := p.C, p.Form, p.formStaff
	differ := c.T("两次输入的密码不一致", "the two passwords differ")
	switch p.formKind {
	case staffFormPassword:
		pw := f.Raw(0)
		if pw != f.Raw(1) {
			f.Err = differ
			return nil
		}
		return p.change(st.Username, c.T("已重置 "+st.Username+" 的密码,已解除锁定", "Password of "+st.Username+" reset; unlocked"), true,
			func(ctx context.Context) error { return c.Svc.ResetStaffPassword(ctx, c.Actor, st.Username, pw) })
	case staffFormRole:
		role := staffRoles[f.Picked(0)]
		return p.change(st.Username, c.T(fmt.Sprintf("%s 的角色已改为%s", st.Username, common.RoleName(c, role)),
			fmt.Sprintf("%s is now %s", st.Username, common.RoleName(c, role))), true,
			func(ctx context.Context) error { return c.Svc.SetStaffRole(ctx, c.Actor, st.Username, role) })
	}
	user, name, role, pw := f.Value(0), f.Value(1), staffRoles[f.Picked(2)], f.Raw(3)
	if user == "" || name == "" {
		f.Err = c.T("用户名和姓名都要填写", "the user name and the name are both needed")
		return nil
	}
	if pw != f.Raw(4) {
		f.Err = differ
		return nil
	}
	return p.change(user, c.T("已新建账号 "+user, "Created account "+user), true,
		func(ctx context.Context) error { return c.Svc.CreateStaff(ctx, c.Actor, user, name, role, pw) })
}

func (p *staffPage) Title() string { return p.C.T("账号", "Staff") }
