package pos

import "cardcenter/app"

// What the POS itself says, beside the host's refusals: the codes and their messages are
// in app's one catalogue (app/errors_terminal.go).
const (
	CodeTimeout        = app.CodeRechargeTimeout
	CodeTimeoutPending = app.CodeRechargeTimeoutPending
	CodeRetap          = app.CodeRetapCard
	CodeRetapPending   = app.CodeRetapPending
	CodeWrongCard      = app.CodeWrongCard
	CodeVerdictUnknown = app.CodeCardCannotProve
	CodeQueuePending   = app.CodeOfflinePending
	CodeNoCard         = app.CodeCardReadFailed
)

func posError(code app.Code, detail string) *app.Error {
	e := app.E(code, "")
	e.Detail = detail
	return e
}
