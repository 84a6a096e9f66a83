package cli

import (
	"context"
	"strconv"

	"cardcenter/app"
	"cardcenter/app/reportfmt"
	"cardcenter/store"
)

// runExceptions prints the exceptions desk's open cases (异常处理): what the card could not
// prove, for a supervisor, or for a script that watches them.
func runExceptions(ctx context.Context, e *env, args []string) error {
	fs := newFlags("exceptions", e)
	db := fs.String("db", "", "ledger database file (required)")
	format := fs.String("format", "table", "table or csv (UTF-8 with BOM, for Excel)")
	lang := fs.String("lang", "zh", "zh or en")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "table" && *format != "csv" {
		return app.E(app.CodeBadInput, "--format must be table or csv, got %q", *format)
	}
	svc, st, err := e.openService(*db, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	cases, err := svc.Exceptions(ctx, app.SystemActor)
	if err != nil {
		return err
	}
	cells := reportfmt.Cases(cases, *lang, e.cfg.Location)
	if *format == "csv" {
		return reportfmt.WriteCSV(e.stdout, cells)
	}
	title, empty := "异常处理:待处理 ", "(没有待处理的异常)"
	if *lang == "en" {
		title, empty = "Exceptions: open cases ", "(no open cases)"
	}
	if len(cases) > 0 {
		empty = ""
	}
	return writeTable(e.stdout, title+strconv.Itoa(len(cases)), cells, reportfmt.CaseNumeric, false, empty)
}
