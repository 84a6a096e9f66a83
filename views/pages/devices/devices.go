package devices

import (
	"cardcenter/views/common"
	"cardcenter/views/components/confirm"
	"cardcenter/views/components/form"
	"cardcenter/views/components/listpage"
	"cardcenter/views/components/status"
	"cardcenter/views/components/table"
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"cardcenter/app"
	"cardcenter/app/provision"
)

// devicesPage: the terminals. An admin registers a recharge POS (model 0201-增值机, rule
// 8; other models as for any terminal), edits it, enables or disables it and gives it a
// new secret. The secret never reaches the screen: it is written once to the device's
// provisioning file (app/provision, 0600), whose path the screen shows.
type devicesPage struct {
	listpage.List[devRow]
	keys    devicesKeys
	editing string // the device the form edits; "" = registering a new one
	// provisioned is the secret file written by a registration or a rotation, shown until
	// dismissed; secretOf is its device.
	provisioned string
	secretOf    string
	// ending: the device whose journal end the open form records (nil: another form).
	ending *devRow
	endSeq int // id of the last serial read for the question
}

// devRow is a terminal with how its journal ended, if an admin recorded that (retired, or
// replaced with its queue lost), and the last serial the host kept from it.
type devRow struct {
	app.DeviceInfo
	Ends       []app.JournalEnd
	LastSerial int64
}

// retired: the device is disabled and its last recorded journal end says retired.
func (d devRow) retired() bool {
	return !d.Enabled && len(d.Ends) > 0 && d.Ends[len(d.Ends)-1].Kind == app.JournalRetired
}

// devicesDoneMsg: a change of the device Change.Focus.
type devicesDoneMsg struct {
	listpage.Change
	provisioned string // the secret file written, if any
}

func New(c *common.Common) common.Page {
	p := &devicesPage{keys: newDevicesKeys(c)}
	p.List = listpage.NewList(c, []table.Col{{Title: c.T("编号", "ID"), Width: 8}, {Title: c.T("状态", "State"), Width: 8}, {Title: c.T("机型", "Model"), Width: 14},
		{Title: c.T("名称", "Name"), Width: 20}, {Title: c.T("地点", "Location"), Width: 0}}, c.T("还没有登记设备", "no devices registered yet"), devicesWithEnds, p.cells, func(d devRow) string { return d.ID })
	return p
}

func (p *devicesPage) Init() tea.Cmd { return p.Load() }

// devicesWithEnds reads the devices with their journal ends and last serials. A person who
// may not read journal ends (the ledger says so) sees the devices without them.
func devicesWithEnds(svc app.Desk, ctx context.Context, actor app.Actor) ([]devRow, error) {
	ds, err := svc.Devices(ctx, actor)
	if err != nil {
		return nil, err
	}
	rows := make([]devRow, len(ds))
	for i, d := range ds {
		rows[i].DeviceInfo = d
		ends, err := svc.DeviceJournalEnds(ctx, actor, d.ID)
		if err != nil && !errors.Is(err, app.CodePermission) {
			return nil, err
		}
		rows[i].Ends = ends
		if rows[i].LastSerial, err = svc.DeviceLastSerial(ctx, actor, d.ID); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

func (p *devicesPage) Update(msg tea.Msg) (common.Page, tea.Cmd) {
	switch msg := msg.(type) {
	case devicesDoneMsg:
		if msg.provisioned != "" {
			p.provisioned, p.secretOf = msg.provisioned, msg.Focus
		}
		return p, p.Changed(msg.Change)
	case devEndAskMsg:
		p.onEndAsk(msg)
		return p, nil
	}
	return p, p.Handle(msg, p.key)
}

func (p *devicesPage) key(k tea.KeyPressMsg) tea.Cmd {
	if p.provisioned != "" {
		if key.Matches(k, p.keys.Dismiss) {
			p.provisioned, p.secretOf = "", ""
		}
		return nil
	}
	if cmd, taken := p.Key(k, p.submit); taken {
		return cmd
	}
	c := p.C
	d, ok := p.Selected()
	switch {
	case key.Matches(k, p.keys.New):
		p.openForm(app.DeviceInfo{Model: app.ModelRechargePOS}, true)
	case key.Matches(k, p.keys.Edit) && ok:
		p.openForm(d.DeviceInfo, false)
	case key.Matches(k, p.keys.Toggle) && ok:
		to := !d.Enabled
		prompt := c.T(fmt.Sprintf("停用设备 %s %s?停用后该机不能授权和充值", d.ID, d.Name),
			fmt.Sprintf("Disable %s %s? It can no longer authorize or recharge", d.ID, d.Name))
		if to {
			prompt = c.T(fmt.Sprintf("启用设备 %s %s?", d.ID, d.Name), fmt.Sprintf("Enable %s %s?", d.ID, d.Name))
		}
		p.Asking = &confirm.Question{Prompt: prompt, Run: func() tea.Cmd { return p.setEnabled(d.DeviceInfo, to) }}
	case key.Matches(k, p.keys.EndJournal) && ok:
		p.openEndForm(d)
	case key.Matches(k, p.keys.Rotate) && ok:
		p.Asking = &confirm.Question{
			Prompt: c.T(fmt.Sprintf("为 %s %s 更换密钥?旧密钥立即失效,须把新密钥写入该机", d.ID, d.Name),
				fmt.Sprintf("New secret for %s %s? The old one stops working at once; the POS needs the new one", d.ID, d.Name)),
			Run: func() tea.Cmd { return p.rotate(d.DeviceInfo) },
		}
	}
	return nil
}

// The form's fields: id (registering only), name, model, location.
func (p *devicesPage) openForm(d app.DeviceInfo, create bool) {
	c := p.C
	p.Status, p.ending = status.Line{}, nil
	hint := c.T("0201 = 增值机", "0201 = recharge POS")
	if create {
		p.editing = ""
		p.Form = form.New(c, c.T("登记设备", "Register a device"))
		p.Form.Note = c.T("充值机的机型必须是 0201-增值机;其它机型按一般终端登记", "A recharge POS is model 0201; other models register as any terminal")
		p.Form.Text(c.T("编号", "ID"), "", 16, false, "")
	} else {
		p.editing = d.ID
		p.Form = form.New(c, c.T("修改设备 ", "Edit device ")+d.ID)
	}
	p.Form.Text(c.T("名称", "Name"), d.Name, 24, false, "")
	p.Form.Text(c.T("机型", "Model"), d.Model, 8, false, hint)
	p.Form.Text(c.T("地点", "Location"), d.Location, 24, false, "")
}

func (p *devicesPage) submit() tea.Cmd {
	if p.ending != nil {
		return p.askEnd()
	}
	c, f, actor := p.C, p.Form, p.C.Actor
	in := app.DeviceInput{ID: p.editing}
	i := 0
	if p.editing == "" {
		in.ID, i = f.Value(0), 1
	}
	in.Name, in.Model, in.Location = f.Value(i), f.Value(i+1), f.Value(i+2)
	if in.ID == "" || in.Name == "" || in.Model == "" {
		f.Err = c.T("编号、名称和机型都要填写", "ID, name and model are all needed")
		return nil
	}
	if p.editing == "" {
		return func() tea.Msg {
			ctx, cancel := common.CallContext(c)
			defer cancel()
			_, secret, err := c.Svc.RegisterDevice(ctx, actor, in)
			if err != nil {
				return devicesDoneMsg{Change: listpage.Change{Err: err, Form: true}}
			}
			path, err := provisionSecret(c, in.ID, secret)
			if err != nil {
				return devicesDoneMsg{Change: listpage.Change{Err: err}}
			}
			return devicesDoneMsg{Change: listpage.Change{Form: true, Note: c.T("已登记设备 "+in.ID, "Registered "+in.ID), Focus: in.ID}, provisioned: path}
		}
	}
	done := listpage.Change{Form: true, Note: c.T("已修改设备 "+in.ID, "Saved "+in.ID), Focus: in.ID}
	return p.Change(done, func(ctx context.Context) error { return c.Svc.UpdateDevice(ctx, actor, in) })
}

func (p *devicesPage) setEnabled(d app.DeviceInfo, on bool) tea.Cmd {
	c, actor := p.C, p.C.Actor
	note := c.T("已停用设备 "+d.ID, d.ID+" disabled")
	if on {
		note = c.T("已启用设备 "+d.ID, d.ID+" enabled")
	}
	done := listpage.Change{Note: note, Focus: d.ID}
	return p.Change(done, func(ctx context.Context) error { return c.Svc.SetDeviceEnabled(ctx, actor, d.ID, on) })
}

func (p *devicesPage) rotate(d app.DeviceInfo) tea.Cmd {
	c, actor := p.C, p.C.Actor
	return func() tea.Msg {
		ctx, cancel := common.CallContext(c)
		defer cancel()
		secret, err := c.Svc.RotateDeviceSecret(ctx, actor, d.ID)
		if err != nil {
			return devicesDoneMsg{Change: listpage.Change{Err: err}}
		}
		path, err := provisionSecret(c, d.ID, secret)
		if err != nil {
			return devicesDoneMsg{Change: listpage.Change{Err: err}}
		}
		return devicesDoneMsg{Change: listpage.Change{Note: c.T("已为 "+d.ID+" 更换密钥", "New secret for "+d.ID), Focus: d.ID}, provisioned: path}
	}
}

// provisionSecret writes a new secret to the device's provisioning file and forgets it.
// If the file cannot be written the secret is lost with it: the device then needs a
// rotation, which is safe (the secret was never in use) and says why.
func provisionSecret(c *common.Common, id string, secret []byte) (string, error) {
	defer clear(secret)
	if c.ProvisionDir == "" {
		return "", app.E(app.CodeBadInput, "no provisioning directory (--provision-dir); rotate the secret of %s once it is set", id)
	}
	path, err := provision.Write(c.ProvisionDir, id, secret)
	if err != nil {
		return "", fmt.Errorf("device %s registered, but its secret file could not be written (rotate its secret): %w", id, err)
	}
	return path, nil
}

func (p *devicesPage) Title() string { return p.C.T("设备", "Devices") }

// openEndForm asks how the POS's journal ended (retired, or replaced with its queue lost)
// and an admin's note, which the ledger requires.
func (p *devicesPage) openEndForm(d devRow) {
	c := p.C
	p.Status = status.Line{}
	p.ending = &d
	p.Form = form.New(c, c.T("登记设备退役或更换:", "Record a POS retired or replaced: ")+d.ID+" "+d.Name)
	p.Form.Note = c.T("该机队列不会再上送(退役,或换机后队列丢失);系统据此放行其写卡结果未知的充值",
		"Its queue will never be sent (retired, or replaced and the old queue lost); the ledger releases its write-unknown recharges")
	p.Form.Note = strings.Join(common.WrapStyled(lipgloss.NewStyle(), p.Form.Note, max(p.Width, 20)), "\n")
	p.Form.Choose(c.T("情况", "What"), []string{c.T("退役(同时停用)", "retired (also disabled)"), c.T("更换(原机队列丢失)", "replaced (its queue lost)")}, 0)
	p.Form.Text(c.T("说明", "Note"), "", 40, false, c.T("必填", "required"))
	p.Form.Limit(1, app.MaxReasonRunes)
}

// devEndAskMsg answers askEnd's read of the device's last serial, to put in the question.
type devEndAskMsg struct {
	seq  int
	d    devRow
	kind app.JournalEndKind
	note string
	last int64
	err  error
}

// askEnd is the end form's submit: it reads the POS's last serial now (the list may be
// older), then asks once more with the consequence (No is the default).
func (p *devicesPage) askEnd() tea.Cmd {
	c, d, f := p.C, *p.ending, p.Form
	kind, note := app.JournalRetired, f.Raw(1)
	if f.Picked(0) == 1 {
		kind = app.JournalReplaced
	}
	p.endSeq++
	seq, svc := p.endSeq, c.Svc
	return func() tea.Msg {
		ctx, cancel := common.CallContext(c)
		defer cancel()
		last, err := svc.DeviceLastSerial(ctx, c.Actor, d.ID)
		return devEndAskMsg{seq: seq, d: d, kind: kind, note: note, last: last, err: err}
	}
}

func (p *devicesPage) onEndAsk(msg devEndAskMsg) {
	if msg.seq != p.endSeq || p.Form == nil || p.ending == nil || p.ending.ID != msg.d.ID {
		return // the form was left meanwhile
	}
	c, d, kind, last := p.C, msg.d, msg.kind, msg.last
	if msg.err != nil {
		p.Form.Err = c.Msg(msg.err)
		return
	}
	what := c.T("退役", "retired")
	after := c.T("退役的设备同时停用。", "A retired POS is also disabled.")
	if kind == app.JournalReplaced {
		what = c.T("更换(原机队列丢失)", "replaced, its queue lost")
		after = c.T("设备保持启用,新机从流水 "+fmt.Sprint(last+1)+" 起继续。", "It stays enabled; the new unit goes on from serial "+fmt.Sprint(last+1)+".")
	}
	note := msg.note
	p.Asking = &confirm.Question{
		Prompt: c.T(fmt.Sprintf("登记 %s %s 为%s?系统将认定该机流水 %d 及以前的记录不会再上送:其写卡结果未知的充值放行到卡务中心补写;若该机最后一笔充值超时(已告诉操作员自动冲正),须由主管在异常处理中核对现金。", d.ID, d.Name, what, last)+after,
			fmt.Sprintf("Record %s %s as %s? The ledger then takes it that nothing at or below serial %d will come from it: its write-unknown recharges are released to the desk; if it timed out on its last recharge (telling its operator it reversed), a supervisor must check the cash at the exceptions desk. ", d.ID, d.Name, what, last)+after),
		Run: func() tea.Cmd { return p.endJournal(d.ID, kind, note) },
	}
}

func (p *devicesPage) endJournal(id string, kind app.JournalEndKind, note string) tea.Cmd {
	c, actor := p.C, p.C.Actor
	return func() tea.Msg {
		ctx, cancel := common.CallContext(c)
		defer cancel()
		e, err := c.Svc.EndDeviceJournal(ctx, actor, id, kind, note)
		if err != nil {
			return devicesDoneMsg{Change: listpage.Change{Err: err, Form: true}}
		}
		what := c.T("退役", "retired")
		if kind == app.JournalReplaced {
			what = c.T("更换", "replaced")
		}
		return devicesDoneMsg{Change: listpage.Change{Form: true, Note: c.T(fmt.Sprintf("已登记 %s %s(流水 %d 止)", id, what, e.LastSerial),
			fmt.Sprintf("%s recorded %s (up to serial %d)", id, what, e.LastSerial)), Focus: id}}
	}
}
