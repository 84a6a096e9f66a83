package operators

import (
	"cardcenter/views/common"
	"cardcenter/views/components/form"
	"cardcenter/views/components/listpage"
	"cardcenter/views/components/status"
	"cardcenter/views/components/table"
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"cardcenter/app"
)

// operatorsPage: the recharge operators (rule 9): daily maximum, designated device,
// merchant flag, enabled, and whether wrong PINs have locked them. An admin creates and
// edits them and resets a locked PIN.
type operatorsPage struct {
	listpage.List[app.OperatorInfo]
	keys operatorsKeys
	// What the open form does: formNew, formEdit or formPIN, for operator formOp.
	formKind int
	formOp   app.OperatorInfo
}

const (
	opFormNew = iota
	opFormEdit
	opFormPIN
)

func New(c *common.Common) common.Page {
	p := &operatorsPage{keys: newOperatorsKeys(c)}
	p.List = listpage.NewList(c, []table.Col{{Title: c.T("工号", "Op no"), Width: 6}, {Title: c.T("姓名", "Name"), Width: 10}, {Title: c.T("每日上限(元)", "Daily max"), Width: 12},
		{Title: c.T("指定设备", "Device"), Width: 8}, {Title: c.T("商户", "Merch"), Width: 5}, {Title: c.T("启用", "On"), Width: 4}, {Title: c.T("PIN", "PIN"), Width: 0}},
		c.T("还没有充值操作员", "no recharge operators yet"), app.Desk.Operators, p.cells, func(o app.OperatorInfo) string { return o.OpNo })
	return p
}

func (p *operatorsPage) Init() tea.Cmd { return p.Load() }

func (p *operatorsPage) Update(msg tea.Msg) (common.Page, tea.Cmd) { return p, p.Handle(msg, p.key) }

func (p *operatorsPage) key(k tea.KeyPressMsg) tea.Cmd {
	if cmd, taken := p.Key(k, p.submit); taken {
		return cmd
	}
	o, ok := p.Selected()
	switch {
	case key.Matches(k, p.keys.New):
		p.openForm(opFormNew, app.OperatorInfo{Enabled: true})
	case key.Matches(k, p.keys.Edit) && ok:
		p.openForm(opFormEdit, o)
	case key.Matches(k, p.keys.ResetPIN) && ok:
		p.openForm(opFormPIN, o)
	}
	return nil
}

func (p *operatorsPage) openForm(kind int, o app.OperatorInfo) {
	c := p.C
	p.Status, p.formKind, p.formOp = status.Line{}, kind, o
	switch kind {
	case opFormPIN:
		p.Form = form.New(c, c.T(fmt.Sprintf("重置 %s %s 的 PIN", o.OpNo, o.Name), fmt.Sprintf("Reset the PIN of %s %s", o.OpNo, o.Name)))
		p.Form.Note = c.T("新 PIN 为 4 到 8 位数字;重置后错误次数清零、解除锁定", "4 to 8 digits; resetting clears the wrong tries and unlocks")
		p.Form.Text(c.T("新 PIN", "New PIN"), "", 10, true, "")
		p.Form.Text(c.T("再输一次", "Again"), "", 10, true, "")
		return
	case opFormNew:
		p.Form = form.New(c, c.T("新建充值操作员", "New recharge operator"))
	default:
		p.Form = form.New(c, c.T("修改充值操作员 ", "Edit recharge operator ")+o.OpNo)
	}
	p.Form.Text(c.T("工号", "Op no"), o.OpNo, 12, false, "")
	p.Form.Text(c.T("姓名", "Name"), o.Name, 16, false, "")
	if kind == opFormNew {
		p.Form.Text(c.T("PIN", "PIN"), "", 10, true, c.T("4 到 8 位数字", "4 to 8 digits"))
		p.Form.Text(c.T("再输一次", "PIN again"), "", 10, true, "")
	}
	dmax := ""
	if o.DailyMax > 0 {
		dmax = fmt.Sprint(int64(o.DailyMax / app.Yuan))
	}
	p.Form.Text(c.T("每日上限(元)", "Daily max"), dmax, 10, false, c.T("整元;留空为不限", "whole yuan; empty = no limit"))
	p.Form.Text(c.T("指定设备", "Device"), o.DesignatedDevice, 10, false, c.T("留空为任一充值机", "empty = any recharge POS"))
	p.Form.Toggle(c.T("充值商户操作员", "Merchant operator"), o.Merchant)
	p.Form.Toggle(c.T("启用", "Enabled"), o.Enabled)
}

// okPIN: 4 to 8 digits, as the POS keypad takes it.
func okPIN(s string) bool {
	return len(s) >= 4 && len(s) <= 8 && strings.Trim(s, "0123456789") == ""
}

func (p *operatorsPage) submit() tea.Cmd {
	c, f, actor, o := p.C, p.Form, p.C.Actor, p.formOp
	if p.formKind == opFormPIN {
		pin := f.Raw(0)
		switch {
		case !okPIN(pin):
			f.Err = c.T("PIN 须为 4 到 8 位数字", "the PIN must be 4 to 8 digits")
			return nil
		case pin != f.Raw(1):
			f.Err = c.T("两次输入的 PIN 不一致", "the two PINs differ")
			return nil
		}
		done := listpage.Change{Form: true, Note: c.T("已重置 "+o.OpNo+" 的 PIN,已解除锁定", "PIN of "+o.OpNo+" reset; unlocked"), Focus: o.OpNo}
		return p.Change(done, func(ctx context.Context) error { return c.Svc.ResetPIN(ctx, actor, o.ID, pin) })
	}
	in := app.OperatorInput{ID: o.ID, OpNo: f.Value(0), Name: f.Value(1)}
	i := 2
	if p.formKind == opFormNew {
		in.PIN, i = f.Raw(2), 4
		switch {
		case !okPIN(in.PIN):
			f.Err = c.T("PIN 须为 4 到 8 位数字", "the PIN must be 4 to 8 digits")
			return nil
		case in.PIN != f.Raw(3):
			f.Err = c.T("两次输入的 PIN 不一致", "the two PINs differ")
			return nil
		}
	}
	dmax, err := app.Fen(0), error(nil)
	if v := strings.TrimSpace(f.Value(i)); v != "" { // empty: no limit
		dmax, err = app.ParseYuan(v)
	}
	if err != nil || dmax < 0 || dmax%app.Yuan != 0 {
		f.Err = c.T("每日上限须为整元金额", "the daily maximum must be whole yuan")
		return nil
	}
	in.DailyMax, in.DesignatedDevice, in.Merchant, in.Enabled = dmax, f.Value(i+1), f.IsOn(i+2), f.IsOn(i+3)
	if in.OpNo == "" || in.Name == "" {
		f.Err = c.T("工号和姓名都要填写", "the operator number and name are both needed")
		return nil
	}
	if p.formKind == opFormNew {
		done := listpage.Change{Form: true, Note: c.T("已新建操作员 "+in.OpNo, "Created operator "+in.OpNo), Focus: in.OpNo}
		return p.Change(done, func(ctx context.Context) error {
			_, err := c.Svc.CreateOperator(ctx, actor, in)
			return err
		})
	}
	done := listpage.Change{Form: true, Note: c.T("已修改操作员 "+in.OpNo, "Saved operator "+in.OpNo), Focus: in.OpNo}
	return p.Change(done, func(ctx context.Context) error { return c.Svc.UpdateOperator(ctx, actor, in) })
}

func (p *operatorsPage) Title() string { return p.C.T("操作员", "Operators") }
