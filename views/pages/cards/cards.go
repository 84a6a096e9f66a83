package cards

import (
	"cardcenter/views/common"
	"cardcenter/views/components/confirm"
	"cardcenter/views/components/status"
	"fmt"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"cardcenter/app"
)

// cardsPage: look a card up by its number or by putting it on the reader, and set its
// status: lost (挂失), frozen (冻结), bad (坏卡登记), normal or cancelled, after a question.
// A lost, frozen or bad authorization card can no longer authorize a POS (rule 10).
// The card is read only on the admin's key, never because it was laid on the reader: the
// reader is shared with the repair screen, which may be writing to that very card.
type cardsPage struct {
	c       *common.Common
	keys    cardsKeys
	confirm confirm.Keys
	field   textinput.Model
	typing  bool
	reader  app.ReaderState
	seq     int
	looking bool
	shown   *app.CardDetail
	read    *common.CardRead // the card as read from the reader, when it came from there
	asking  *confirm.Question
	status  status.Line
	width   int
	height  int
}

// cardsLookedMsg answers look-up seq.
type cardsLookedMsg struct {
	seq     int
	detail  app.CardDetail
	read    *common.CardRead
	err     error
	refresh bool // after a change: keep where the card came from and what was said
}

type cardsDoneMsg struct {
	cardNo string
	note   string
	err    error
}

func New(c *common.Common) common.Page {
	return &cardsPage{c: c, keys: newCardsKeys(c), confirm: confirm.NewKeys(c), field: common.NewTextInput("", 20, false)}
}

func (p *cardsPage) Init() tea.Cmd { return nil }

func (p *cardsPage) lookUp(cardNo string, refresh bool) tea.Cmd {
	p.seq++
	p.looking = true
	seq, c := p.seq, p.c
	return func() tea.Msg {
		ctx, cancel := common.CallContext(c)
		defer cancel()
		d, err := c.Svc.CardDetail(ctx, c.Actor, cardNo)
		return cardsLookedMsg{seq: seq, detail: d, err: err, refresh: refresh}
	}
}

func (p *cardsPage) readCard() tea.Cmd {
	p.seq++
	p.looking, p.status = true, status.Line{}
	seq, c := p.seq, p.c
	return func() tea.Msg {
		r := common.ReadCard(c)
		if r.Err != nil {
			return cardsLookedMsg{seq: seq, read: &r, err: r.Err}
		}
		ctx, cancel := common.CallContext(c)
		defer cancel()
		d, err := c.Svc.CardDetail(ctx, c.Actor, r.CardNo)
		return cardsLookedMsg{seq: seq, detail: d, read: &r, err: err}
	}
}

func (p *cardsPage) Update(msg tea.Msg) (common.Page, tea.Cmd) {
	switch msg := msg.(type) {
	case common.ReaderMsg:
		p.reader = msg.State
		return p, nil
	case cardsLookedMsg:
		if msg.seq != p.seq {
			return p, nil // a newer look-up is on its way
		}
		p.looking = false
		if msg.err != nil {
			p.shown, p.read = nil, nil
			text := p.c.Msg(msg.err)
			if msg.read != nil && msg.read.CardNo != "" {
				text = msg.read.CardNo + ": " + text
			}
			p.status = status.Failed(text)
			return p, nil
		}
		d := msg.detail
		p.shown = &d
		if !msg.refresh {
			p.read = msg.read
		}
		return p, nil
	case cardsDoneMsg:
		if msg.err != nil {
			p.status = status.Failed(p.c.Msg(msg.err))
			return p, nil
		}
		cmd := p.lookUp(msg.cardNo, true)
		p.status = status.Done(msg.note)
		return p, cmd
	case tea.KeyPressMsg:
		return p, p.key(msg)
	}
	return p, nil
}

func (p *cardsPage) key(k tea.KeyPressMsg) tea.Cmd {
	if p.asking != nil {
		return confirm.Answer(k, p.confirm, &p.asking)
	}
	if p.typing {
		switch k.String() {
		case "esc":
			p.typing = false
			p.field.Blur()
		case "enter":
			p.typing = false
			p.field.Blur()
			if no := p.field.Value(); no != "" {
				p.status = status.Line{}
				return p.lookUp(no, false)
			}
		default:
			p.field, _ = p.field.Update(k)
		}
		return nil
	}
	switch {
	case key.Matches(k, p.keys.Find):
		p.typing = true
		p.field.SetValue("")
		return p.field.Focus()
	case key.Matches(k, p.keys.Read):
		if p.reader != app.ReaderCard {
			p.status = status.Failed(p.c.T("读卡器上没有卡", "there is no card on the reader"))
			return nil
		}
		return p.readCard()
	}
	if p.shown == nil {
		return nil
	}
	for _, s := range p.keys.Set {
		if key.Matches(k, s.Binding) {
			p.ask(*p.shown, s.status)
		}
	}
	return nil
}

func (p *cardsPage) ask(d app.CardDetail, st app.CardStatus) {
	c := p.c
	name := common.CardStatusName(c, st)
	prompt := c.T(fmt.Sprintf("将卡 %s(%s)由「%s」改为「%s」?", d.Card.CardNo, d.Holder.Name, common.CardStatusName(c, d.Card.Status), name),
		fmt.Sprintf("Set card %s (%s) from %s to %s?", d.Card.CardNo, d.Holder.Name, common.CardStatusName(c, d.Card.Status), name))
	if d.BoundTo.ID != 0 && st != app.CardNormal {
		prompt += "\n" + c.T(fmt.Sprintf("这是 %s %s 的授权卡,改后不能再授权充值机", d.BoundTo.OpNo, d.BoundTo.Name),
			fmt.Sprintf("It is %s %s's authorization card: it will no longer authorize a POS", d.BoundTo.OpNo, d.BoundTo.Name))
	}
	cardNo := d.Card.CardNo
	p.asking = &confirm.Question{Prompt: prompt, Run: func() tea.Cmd {
		actor := c.Actor // whoever answers yes
		return func() tea.Msg {
			ctx, cancel := common.CallContext(c)
			defer cancel()
			if err := c.Svc.SetCardStatus(ctx, actor, cardNo, st); err != nil {
				return cardsDoneMsg{cardNo: cardNo, err: err}
			}
			return cardsDoneMsg{cardNo: cardNo, note: c.T(fmt.Sprintf("卡 %s 已设为「%s」", cardNo, name), fmt.Sprintf("Card %s is now %s", cardNo, name))}
		}
	}}
}

func (p *cardsPage) SetSize(w, h int) { p.width, p.height = w, h }
func (p *cardsPage) Title() string    { return p.c.T("卡状态", "Cards") }
func (p *cardsPage) Busy() bool       { return false }
func (p *cardsPage) Capturing() bool  { return p.typing || p.asking != nil }
