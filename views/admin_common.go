package views

import (
	"context"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"cardcenter/app"
)

// What the admin screens share: money and time formats, the card status names, the
// confirmation line, the status line and reading the card on the reader.

// CallTimeout bounds one ledger or card call of an admin screen.
const CallTimeout = 10 * time.Second

// FormatTime shows an instant in the site's time zone.
func FormatTime(c *Common, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if c.Svc != nil && c.Svc.Settings().Location != nil {
		t = t.In(c.Svc.Settings().Location)
	}
	return t.Format("2006-01-02 15:04")
}

// CardStatusName names a card status in the desk's language, short enough for a table
// column; every screen uses it, so a status reads the same everywhere.
func CardStatusName(c *Common, s app.CardStatus) string { return s.Label(c.Lang) }

func YesNo(c *Common, b bool) string {
	if b {
		return c.T("是", "yes")
	}
	return c.T("否", "no")
}

// CallContext is the context of one call.
func CallContext(c *Common) (context.Context, context.CancelFunc) {
	ctx := c.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithTimeout(ctx, CallTimeout)
}

// ConfirmQuestion is a question before a change; No is the default (enter, n, esc).
type ConfirmQuestion struct {
	Prompt string
	Run    func() tea.Cmd
}

// ConfirmAnswer answers the open question with k; it returns the change's command on yes.
func ConfirmAnswer(k tea.KeyPressMsg, keys ConfirmKeys, q **ConfirmQuestion) tea.Cmd {
	switch {
	case key.Matches(k, keys.Yes):
		run := (*q).Run
		*q = nil
		return run()
	case key.Matches(k, keys.No):
		*q = nil
	}
	return nil
}

// WrapStyled wraps s to w cells (CJK counts two) and styles each line.
func WrapStyled(st lipgloss.Style, s string, w int) []string {
	lines := strings.Split(ansi.Wrap(s, w, ""), "\n")
	for i, l := range lines {
		lines[i] = st.Render(l)
	}
	return lines
}

// ConfirmView is the question, wrapped to the screen's width, and how to answer it.
func ConfirmView(c *Common, q *ConfirmQuestion) string {
	th := c.Theme
	prompt := q.Prompt
	if c.Width > 0 {
		prompt = strings.Join(WrapStyled(th.Warn, prompt, c.Width), "\n")
	} else {
		prompt = th.Warn.Render(prompt)
	}
	return prompt + "\n" + th.KeyHint.Render(c.T("y 确定 / n 或 enter 取消(默认取消)", "y to go ahead / n or enter to leave it (the default)"))
}

// StatusLine is the one line where a screen says what just happened.
type StatusLine struct {
	Text string
	Bad  bool
}

func (s StatusLine) View(c *Common) string {
	if s.Text == "" {
		return ""
	}
	if s.Bad {
		return c.Theme.Bad.Render(s.Text)
	}
	return c.Theme.Good.Render(s.Text)
}

// CardRead is the card found on the reader and the card center's record of it.
type CardRead struct {
	CardNo, UID, Holder string
	Err                 error
}

// ReadCard reads the card on the reader (inside a Cmd only) and checks that the card
// center knows it as that very card (same UID when one is recorded).
func ReadCard(c *Common) CardRead {
	if c.Cards == nil {
		return CardRead{Err: app.E(app.CodeBadInput, "no reader")}
	}
	ctx, cancel := CallContext(c)
	defer cancel()
	card, err := c.Cards.Reader().Read(ctx)
	if err != nil {
		return CardRead{Err: err}
	}
	r := CardRead{CardNo: card.CardNo(), UID: card.UID(), Holder: card.Holder()}
	rec, err := c.Svc.CardByNo(ctx, c.Actor, r.CardNo)
	if err != nil {
		r.Err = err
	} else if rec.UID != "" && !strings.EqualFold(rec.UID, r.UID) {
		r.Err = app.E(app.CodeCardMismatch, "card %s: UID %s on the reader, %s on record", r.CardNo, r.UID, rec.UID)
	}
	return r
}

// ListChrome is the lines of a list screen that are not its table: a caption line above it,
// and two lines below for the status or a question.
const ListChrome = 3

// ListView lays out a list screen: caption, table, then the question or the status.
// A question longer than the two lines kept for it takes the table's blank lines above its
// position line.
func ListView(c *Common, caption string, table string, q *ConfirmQuestion, st StatusLine) string {
	bottom := st.View(c)
	if q != nil {
		bottom = ConfirmView(c, q)
	}
	lines := strings.Split(table, "\n")
	for extra, i := strings.Count(bottom, "\n")+1-(ListChrome-1), len(lines)-2; extra > 0 && i > 0; i-- {
		if lines[i] == "" {
			lines = append(lines[:i], lines[i+1:]...)
			extra--
		}
	}
	return strings.Join([]string{c.Theme.Muted.Render(caption), strings.Join(lines, "\n"), bottom}, "\n")
}
