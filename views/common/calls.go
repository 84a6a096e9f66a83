package common

import (
	"cardcenter/app"
	"context"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

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

// WrapStyled wraps s to w cells (CJK counts two) and styles each line.
func WrapStyled(st lipgloss.Style, s string, w int) []string {
	lines := strings.Split(ansi.Wrap(s, w, ""), "\n")
	for i, l := range lines {
		lines[i] = st.Render(l)
	}
	return lines
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
	} else {
		r.Err = rec.OnChip(r.UID)
	}
	return r
}

// Cell fits s into w cells: cut (never inside a wide character) and padded.
func Cell(s string, w int) string {
	if ansi.StringWidth(s) > w {
		s = ansi.Truncate(s, w, "")
	}
	return s + strings.Repeat(" ", max(w-ansi.StringWidth(s), 0))
}

var roleNames = Names[app.Role]{
	app.RoleClerk:      {"柜员", "clerk"},
	app.RoleSupervisor: {"主管", "supervisor"},
	app.RoleAdmin:      {"管理员", "admin"},
}

// RoleName names a role; a role the desk does not know shows as written.
func RoleName(c *Common, r app.Role) string { return roleNames.Of(c, r, string(r)) }

// repairFit cuts the view to the page's size so it never pushes the help bar away.
func Fit(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if lipgloss.Width(l) > w {
			lines[i] = ansi.Truncate(l, w, "")
		}
	}
	return strings.Join(lines, "\n")
}

var repairOutcomeNames = Names[app.RepairState]{
	app.RepairWritten:     {"已补写", "written"},
	app.RepairFoundOnCard: {"原已在卡上", "found on card"},
}

// RepairOutcomeName names how a repair ended; one not ended is in progress.
func RepairOutcomeName(c *Common, s app.RepairState) string {
	return repairOutcomeNames.Of(c, s, c.T("进行中", "in progress"))
}
