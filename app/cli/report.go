package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/mattn/go-runewidth"

	"cardcenter/app"
	"cardcenter/app/reportfmt"
	"cardcenter/store"
)

func newFlags(name string, e *env) *flag.FlagSet {
	fs := flag.NewFlagSet("cardcenter "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	return nil
}

func runReport(ctx context.Context, e *env, args []string) error {
	fs := newFlags("report", e)
	db := fs.String("db", "", "ledger database file (required)")
	from := fs.String("from", "", "first settlement day YYYY-MM-DD (default: --days back from --to)")
	to := fs.String("to", "", "last settlement day YYYY-MM-DD (default: today)")
	days := fs.Int("days", 1, "with no --from: how many days up to --to")
	format := fs.String("format", "table", "table or csv (UTF-8 with BOM, for Excel)")
	lang := fs.String("lang", "zh", "zh or en column headings")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "table" && *format != "csv" {
		return app.E(app.CodeBadInput, "--format must be table or csv, got %q", *format)
	}
	if *days < 1 || *days > app.MaxReportDays {
		return app.E(app.CodeBadInput, "--days must be 1..%d, got %d", app.MaxReportDays, *days)
	}
	svc, st, err := e.openService(*db, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	if *to == "" {
		*to = svc.Today()
	}
	if *from == "" {
		t, err := app.ParseDay(*to)
		if err != nil {
			return err
		}
		*from = t.AddDate(0, 0, -(*days - 1)).Format(app.DayLayout)
	}
	rep, err := svc.Report(ctx, app.SystemActor, *from, *to)
	if err != nil {
		return err
	}
	if *format == "csv" {
		return writeReportCSV(e.stdout, rep, *lang)
	}
	return writeReportTable(e.stdout, rep, *lang)
}

// yuan formats fen as yuan with two decimals, exactly (no floats).
func yuan(f app.Fen) string { return app.FormatYuan(f) }

func writeReportCSV(w io.Writer, rep app.Report, lang string) error {
	return reportfmt.WriteCSV(w, reportfmt.Flat(rep, lang))
}

func writeReportTable(w io.Writer, rep app.Report, lang string) error {
	title := fmt.Sprintf("操作员票据现金报表  %s ~ %s", rep.From, rep.To)
	empty := "(该期间无充值记录)"
	if lang == "en" {
		title = fmt.Sprintf("Operator cash report  %s to %s", rep.From, rep.To)
		empty = "(no recharges in this range)"
	}
	cells := reportfmt.Flat(rep, lang)
	if len(rep.Rows) > 0 {
		empty = ""
	}
	return writeTable(w, title, cells, reportfmt.FlatNumeric, true, empty)
}

// writeTable prints cells (headings first; the last row a total, ruled off, if total) as
// an aligned text table; numeric(i) right-aligns column i. empty, if not "", follows it.
func writeTable(w io.Writer, title string, cells [][]string, numeric func(col int) bool, total bool, empty string) error {
	widths := make([]int, len(cells[0]))
	for _, row := range cells {
		for i, c := range row {
			widths[i] = max(widths[i], runewidth.StringWidth(c))
		}
	}
	var b strings.Builder
	b.WriteString(title + "\n")
	rule := func() {
		for i, wd := range widths {
			if i > 0 {
				b.WriteString("-+-")
			}
			b.WriteString(strings.Repeat("-", wd))
		}
		b.WriteString("\n")
	}
	for ri, row := range cells {
		if ri == 1 || (total && ri == len(cells)-1) {
			rule()
		}
		for i, c := range row {
			if i > 0 {
				b.WriteString(" | ")
			}
			pad := strings.Repeat(" ", widths[i]-runewidth.StringWidth(c))
			if numeric(i) {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
		}
		b.WriteString("\n")
	}
	if empty != "" {
		b.WriteString(empty + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
