package reportfmt_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"cardcenter/app"
	"cardcenter/app/reportfmt"
)

// rep: two operators on a settled day (one with a cancel, one with a processed reversal),
// one on a live day.
func rep() app.Report {
	rows := []app.ReportRow{
		{Day: "2026-03-02", OpNo: "OP01", OperatorName: "充值员1", Recharges: app.Totals{Count: 2, Amount: 15000}, Cancels: 1, Settled: true},
		{Day: "2026-03-02", OpNo: "OP02", OperatorName: "充值员2", Recharges: app.Totals{Count: 2, Amount: 23000}, Reversals: app.Totals{Count: 1, Amount: 3000}, Settled: true},
		{Day: "2026-03-03", OpNo: "OP01", OperatorName: "充值员1", Recharges: app.Totals{Count: 1, Amount: 1005}},
	}
	r := app.Report{From: "2026-03-02", To: "2026-03-03", Rows: rows}
	for _, x := range rows {
		r.Total.Recharges.Count += x.Recharges.Count
		r.Total.Recharges.Amount += x.Recharges.Amount
		r.Total.Reversals.Count += x.Reversals.Count
		r.Total.Reversals.Amount += x.Reversals.Amount
		r.Total.Cancels += x.Cancels
	}
	return r
}

func TestLedgerBlocks(t *testing.T) {
	lines := reportfmt.Ledger(rep(), "zh")
	var got []string
	for _, l := range lines {
		got = append(got, strings.Join(l.Cells(), "|"))
	}
	want := []string{
		"结算日 2026-03-02  已结算|||||",
		"操作员 OP01 充值员1|||||",
		"POS现金充值|充值|2|150.00||",
		"|冲正|0||0.00|",
		"|撤销|1|||",
		"|小计||150.00|0.00|150.00",
		"操作员 OP02 充值员2|||||",
		"POS现金充值|充值|2|230.00||",
		"|冲正|1||30.00|",
		"|撤销|0|||",
		"|小计||230.00|30.00|200.00",
		"结算日 2026-03-03  未结算(实时)|||||",
		"操作员 OP01 充值员1|||||",
		"POS现金充值|充值|1|10.05||",
		"|冲正|0||0.00|",
		"|撤销|0|||",
		"|小计||10.05|0.00|10.05",
		"合计|||||",
		"POS现金充值|充值|5|390.05||",
		"|冲正|1||30.00|",
		"|撤销|1|||",
		"|小计||390.05|30.00|360.05",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("ledger:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	by := reportfmt.ByOperator(rep())
	if len(by) != 2 || by[0].OpNo != "OP01" || by[0].Cash != 16005 || by[1].Cash != 20000 {
		t.Fatalf("by operator %+v", by)
	}
}

func TestCSVStartsWithTheBOMAndUsesCRLF(t *testing.T) {
	var b bytes.Buffer
	if err := reportfmt.WriteCSV(&b, reportfmt.Sheet(rep(), "zh")); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	if !strings.HasPrefix(s, "\uFEFF操作员票据现金报表") {
		t.Fatalf("csv starts %q", s[:min(len(s), 40)])
	}
	if !strings.Contains(s, "\r\n科目,摘要,交易次数,收入,支出,结存\r\n") || !strings.Contains(s, "\r\n,小计,,390.05,30.00,360.05\r\n") {
		t.Fatalf("csv:\n%s", s)
	}
}

func TestXLSXOpensAndHoldsTheNumbers(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		t.Run(lang, func(t *testing.T) {
			var b bytes.Buffer
			if err := reportfmt.WriteXLSX(&b, rep(), lang); err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(&b)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sheet := reportfmt.SheetName(lang)
			if names := f.GetSheetList(); len(names) != 1 || names[0] != sheet {
				t.Fatalf("sheets %v", names)
			}
			rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(rows[1], "|") != strings.Join(reportfmt.Columns(lang), "|") {
				t.Fatalf("header row %v", rows[1])
			}
			// The last block is the totals; its 小计 line holds 390.05, 30 and 360.05 yuan as numbers.
			last := rows[len(rows)-1]
			if len(last) != 6 || last[3] != "390.05" || last[4] != "30" || last[5] != "360.05" {
				t.Fatalf("total line %q", last)
			}
			recharges := rows[len(rows)-4]
			if recharges[0] != reportfmt.SubjectCash(lang) || recharges[2] != "5" || recharges[3] != "390.05" {
				t.Fatalf("total recharges %q", recharges)
			}
			// Money is stored as numbers, shown in yuan with two decimals.
			shown, err := f.GetCellValue(sheet, "F"+strconv.Itoa(len(rows)))
			if err != nil || shown != "360.05" {
				t.Fatalf("shown %q %v", shown, err)
			}
			typ, _ := f.GetCellType(sheet, "F"+strconv.Itoa(len(rows)))
			if typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
				t.Fatalf("money cell type %v", typ)
			}
			id, _ := f.GetCellStyle(sheet, "D"+strconv.Itoa(len(rows)))
			st, err := f.GetStyle(id)
			if err != nil || st.CustomNumFmt == nil || *st.CustomNumFmt != reportfmt.YuanFormat {
				t.Fatalf("money style %+v %v", st, err)
			}
		})
	}
}

// Every line of the flat table has a cell under every heading, in both languages, and a
// column is numeric exactly when its cells are numbers: the command line right-aligns by
// FlatNumeric, so a column added with the wrong flag, or a cell put under another heading,
// fails here.
func TestFlatColumnsHoldWhatTheirHeadingsSay(t *testing.T) {
	rep := app.Report{From: "2026-03-02", To: "2026-03-02", Rows: []app.ReportRow{{Day: "2026-03-02", OpNo: "OP1", OperatorName: "张三",
		Recharges: app.Totals{Count: 3, Amount: 5000}, Reversals: app.Totals{Count: 1, Amount: 1000}, Cancels: 2,
		LateReversals: app.Totals{Count: 1, Amount: 700}, Adjustments: app.Totals{Count: 1, Amount: -100}}}}
	rep.Total = rep.Rows[0]
	for _, lang := range []string{"zh", "en"} {
		cells := reportfmt.Flat(rep, lang)
		heads := cells[0]
		for _, line := range cells[1:] {
			if len(line) != len(heads) {
				t.Fatalf("%s: a line of %d cells under %d headings: %q", lang, len(line), len(heads), line)
			}
		}
		data := cells[1]
		for i, h := range heads {
			_, err := app.ParseYuan(strings.TrimPrefix(data[i], "-"))
			if isNum := err == nil; isNum != reportfmt.FlatNumeric(i) {
				t.Errorf("%s: column %d %q holds %q, numeric %v", lang, i, h, data[i], reportfmt.FlatNumeric(i))
			}
		}
		if cash := data[len(heads)-2]; cash != app.FormatYuan(rep.Rows[0].Cash()) {
			t.Errorf("%s: POS cash %q, the row's Cash() is %s", lang, cash, app.FormatYuan(rep.Rows[0].Cash()))
		}
	}
	if reportfmt.FlatNumeric(-1) || reportfmt.FlatNumeric(len(reportfmt.FlatHeadings("zh"))) {
		t.Error("a column outside the table is numeric")
	}
}
