package confirm

import (
	"cardcenter/views/common"
	"strings"

	"charm.land/bubbles/v2/key"

	tea "charm.land/bubbletea/v2"
)

// ConfirmQuestion is a question before a change; No is the default (enter, n, esc).
type Question struct {
	Prompt string
	Run    func() tea.Cmd
}

// ConfirmAnswer answers the open question with k; it returns the change's command on yes.
func Answer(k tea.KeyPressMsg, keys Keys, q **Question) tea.Cmd {
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

// ConfirmView is the question, wrapped to the screen's width, and how to answer it.
func View(c *common.Common, q *Question) string {
	th := c.Theme
	prompt := q.Prompt
	if c.Width > 0 {
		prompt = strings.Join(common.WrapStyled(th.Warn, prompt, c.Width), "\n")
	} else {
		prompt = th.Warn.Render(prompt)
	}
	return prompt + "\n" + th.KeyHint.Render(c.T("y 确定 / n 或 enter 取消(默认取消)", "y to go ahead / n or enter to leave it (the default)"))
}

// Yes/No of a confirmation; No is the default (STYLE: destructive confirms default to No).
type Keys struct{ Yes, No key.Binding }

func NewKeys(c *common.Common) Keys {
	return Keys{
		Yes: key.NewBinding(key.WithKeys("y"), key.WithHelp("y", c.T("是", "yes"))),
		No:  key.NewBinding(key.WithKeys("n", "esc", "enter"), key.WithHelp("n/enter", c.T("否", "no"))),
	}
}
