package reportfmt_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"cardcenter/app"
	"cardcenter/app/reportfmt"
)

var hostileNames = []string{`=HYPERLINK("http://x.example/","点此")`, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1", "＝1+1"}

func hostileReport() app.Report {
	r := app.Report{From: "2026-03-02", To: "2026-03-02"}
	for i, n := range hostileNames {
		row := app.ReportRow{Day: "2026-03-02", OpNo: "=OP" + string(rune('1'+i)), OperatorName: n,
			Recharges: app.Totals{Count: 1, Amount: 1000}, Reversals: app.Totals{Count: 1, Amount: 3000}}
		r.Rows = append(r.Rows, row)
		r.Total.Recharges.Count++
		r.Total.Recharges.Amount += 1000
		r.Total.Reversals.Count++
		r.Total.Reversals.Amount += 3000
	}
	return r
}

func formulaLike(s string) bool {
	return s != "" && strings.ContainsRune("=+-@\t\r＝＋－＠", []rune(s)[0])
}

func TestCSVExportNeutralisesFormulaCellsButKeepsNegativeNumbers(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		for name, cells := range map[string][][]string{"flat": reportfmt.Flat(hostileReport(), lang), "sheet": reportfmt.Sheet(hostileReport(), lang)} {
			var b bytes.Buffer
			if err := reportfmt.WriteCSV(&b, cells); err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), "\uFEFF"))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			negatives := 0
			for _, row := range rows {
				for _, c := range row {
					if c == "-20.00" || c == "-120.00" {
						negatives++
						continue
					}
					if formulaLike(c) {
						t.Errorf("%s %s: cell %q would run as a formula", lang, name, c)
					}
				}
			}
			if negatives == 0 && name == "flat" {
				t.Errorf("%s %s: the negative cash figures were altered:\n%s", lang, name, b.String())
			}
			if name == "flat" && !strings.Contains(b.String(), `'=HYPERLINK(`) {
				t.Errorf("%s %s: the name is not kept as text:\n%s", lang, name, b.String())
			}
		}
	}
}

func TestXLSXExportNeutralisesFormulaCells(t *testing.T) {
	var b bytes.Buffer
	if err := reportfmt.WriteXLSX(&b, hostileReport(), "zh"); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(reportfmt.SheetName("zh"))
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, row := range rows {
		for _, c := range row {
			if formulaLike(c) && !strings.HasPrefix(c, "-") {
				t.Errorf("cell %q would run as a formula once edited", c)
			}
			if strings.Contains(c, "HYPERLINK") {
				seen++
			}
		}
	}
	if seen == 0 {
		t.Fatal("the hostile name is not in the sheet")
	}
}

func TestSafeCellQuotesFormulaTextOnly(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+1": "'+1", "-x": "'-x", "@A1": "'@A1", "\t=1": "'\t=1", "\r=1": "'\r=1", "＝1": "'＝1",
		"-30.00": "-30.00", "-1,234.50": "-1,234.50", "12": "12", "充值员1": "充值员1", "": "", "a=b": "a=b",
	} {
		if got := reportfmt.SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}
