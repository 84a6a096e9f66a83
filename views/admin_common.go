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

// admTimeout bounds one ledger or card call of an admin screen.
const admTimeout = 10 * time.Second

// admTime shows an instant in the site's time zone.
func admTime(c *Common, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if c.Svc != nil && c.Svc.Settings().Location != nil {
		t = t.In(c.Svc.Settings().Location)
	}
	return t.Format("2006-01-02 15:04")
}

// admStatusName names a card status in the desk's language, short enough for a table
// column; every screen uses it, so a status reads the same everywhere.
func admStatusName(c *Common, s app.CardStatus) string { return s.Label(c.Lang) }

func admYesNo(c *Common, b bool) string {
	if b {
		return c.T("是", "yes")
	}
	return c.T("否", "no")
}

// admCtx is the context of one call.
func admCtx(c *Common) (context.Context, context.CancelFunc) {
	ctx := c.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithTimeout(ctx, admTimeout)
}

// admConfirm is a question before a change; No is the default (enter, n, esc).
type admConfirm struct {
	prompt string
	run    func() tea.Cmd
}

// admConfirmKey answers the open question with k; it returns the change's command on yes.
func admConfirmKey(k tea.KeyPressMsg, keys confirmKeys, q **admConfirm) tea.Cmd {
	switch {
	case key.Matches(k, keys.Yes):
		run := (*q).run
		*q = nil
		return run()
	case key.Matches(k, keys.No):
		*q = nil
	}
	return nil
}

// wrapStyled wraps s to w cells (CJK counts two) and styles each line.
func wrapStyled(st lipgloss.Style, s string, w int) []string {
	lines := strings.Split(ansi.Wrap(s, w, ""), "\n")
	for i, l := range lines {
		lines[i] = st.Render(l)
	}
	return lines
}

// admConfirmView is the question, wrapped to the screen's width, and how to answer it.
func admConfirmView(c *Common, q *admConfirm) string {
	th := c.Theme
	prompt := q.prompt
	if c.Width > 0 {
		prompt = strings.Join(wrapStyled(th.Warn, prompt, c.Width), "\n")
	} else {
		prompt = th.Warn.Render(prompt)
	}
	return prompt + "\n" + th.KeyHint.Render(c.T("y 确定 / n 或 enter 取消(默认取消)", "y to go ahead / n or enter to leave it (the default)"))
}

// admStatus is the one line where a screen says what just happened.
type admStatus struct {
	text string
	bad  bool
}

func (s admStatus) view(c *Common) string {
	if s.text == "" {
		return ""
	}
	if s.bad {
		return c.Theme.Bad.Render(s.text)
	}
	return c.Theme.Good.Render(s.text)
}

// admCardRead is the card found on the reader and the card center's record of it.
type admCardRead struct {
	CardNo, UID, Holder string
	Err                 error
}

// admReadCard reads the card on the reader (inside a Cmd only) and checks that the card
// center knows it as that very card (same UID when one is recorded).
func admReadCard(c *Common) admCardRead {
	if c.Cards == nil {
		return admCardRead{Err: app.E(app.CodeBadInput, "no reader")}
	}
	ctx, cancel := admCtx(c)
	defer cancel()
	card, err := c.Cards.Reader().Read(ctx)
	if err != nil {
		return admCardRead{Err: err}
	}
	r := admCardRead{CardNo: card.CardNo(), UID: card.UID(), Holder: card.Holder()}
	rec, err := c.Svc.CardByNo(ctx, c.Actor, r.CardNo)
	if err != nil {
		r.Err = err
	} else if rec.UID != "" && !strings.EqualFold(rec.UID, r.UID) {
		r.Err = app.E(app.CodeCardMismatch, "card %s: UID %s on the reader, %s on record", r.CardNo, r.UID, rec.UID)
	}
	return r
}

// admChrome is the lines of a list screen that are not its table: a caption line above it,
// and two lines below for the status or a question.
const admChrome = 3

// admListView lays out a list screen: caption, table, then the question or the status.
// A question longer than the two lines kept for it takes the table's blank lines above its
// position line.
func admListView(c *Common, caption string, table string, q *admConfirm, st admStatus) string {
	bottom := st.view(c)
	if q != nil {
		bottom = admConfirmView(c, q)
	}
	lines := strings.Split(table, "\n")
	for extra, i := strings.Count(bottom, "\n")+1-(admChrome-1), len(lines)-2; extra > 0 && i > 0; i-- {
		if lines[i] == "" {
			lines = append(lines[:i], lines[i+1:]...)
			extra--
		}
	}
	return strings.Join([]string{c.Theme.Muted.Render(caption), strings.Join(lines, "\n"), bottom}, "\n")
}
