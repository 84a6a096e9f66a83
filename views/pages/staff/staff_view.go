package staff

import (
	"cardcenter/views/common"
	"fmt"

	"charm.land/bubbles/v2/key"

	"cardcenter/app"
)

// cells is an account's row of the table.
func (p *staffPage) cells(s app.StaffInfo) []string {
	c := p.C
	pw := ""
	switch {
	case s.Locked:
		pw = c.T("已锁定 ", "locked ") + common.FormatTime(c, s.LockedAt)
	case s.WrongTries > 0:
		pw = c.T(fmt.Sprintf("错 %d 次", s.WrongTries), fmt.Sprintf("%d wrong", s.WrongTries))
	}
	return []string{s.Username, s.DisplayName, common.RoleName(c, s.Role), common.YesNo(c, s.Enabled), pw}
}

func (p *staffPage) View() string {
	c := p.C
	n := c.Svc.Settings().MaxWrongPasswords
	return p.Body(c.T(fmt.Sprintf("账号;连续输错密码 %d 次即锁定,须由管理员解锁", n),
		fmt.Sprintf("Desk accounts; %d wrong passwords in a row lock one until an admin unlocks it", n)))
}

func (p *staffPage) ShortHelp() []key.Binding {
	return p.HelpWith(p.keys.New, p.keys.ResetPassword, p.keys.Unlock, p.keys.Enable, p.keys.Role, p.Reload)
}

func (p *staffPage) FullHelp() [][]key.Binding { return p.FullHelpWith(p.ShortHelp()) }
