package operators

import (
	"cardcenter/views/common"
	"fmt"

	"charm.land/bubbles/v2/key"

	"cardcenter/app"
)

// cells is an operator's row of the table.
func (p *operatorsPage) cells(o app.OperatorInfo) []string {
	c := p.C
	dmax := c.T("不限", "none")
	if o.DailyMax > 0 {
		dmax = app.FormatYuan(o.DailyMax)
	}
	dev := o.DesignatedDevice
	if dev == "" {
		dev = c.T("任一", "any")
	}
	pin := ""
	switch {
	case o.WrongPINs >= c.Svc.Settings().MaxWrongPINs:
		pin = c.T("已锁定", "locked")
	case o.WrongPINs > 0:
		pin = c.T(fmt.Sprintf("错 %d 次", o.WrongPINs), fmt.Sprintf("%d wrong", o.WrongPINs))
	}
	return []string{o.OpNo, o.Name, dmax, dev, common.YesNo(c, o.Merchant), common.YesNo(c, o.Enabled), pin}
}

func (p *operatorsPage) View() string {
	c := p.C
	return p.Body(c.T(fmt.Sprintf("充值操作员;连续输错 PIN %d 次即锁定,须由管理员重置", c.Svc.Settings().MaxWrongPINs),
		fmt.Sprintf("Recharge operators; %d wrong PINs in a row lock one until an admin resets it", c.Svc.Settings().MaxWrongPINs)))
}

func (p *operatorsPage) ShortHelp() []key.Binding {
	return p.HelpWith(p.keys.New, p.keys.Edit, p.keys.ResetPIN, p.Reload)
}

func (p *operatorsPage) FullHelp() [][]key.Binding { return p.FullHelpWith(p.ShortHelp()) }
