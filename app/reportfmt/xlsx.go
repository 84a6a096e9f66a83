package reportfmt

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"cardcenter/app"
)

// SheetName is the XLSX sheet's name (Excel allows 31 characters).
func SheetName(lang string) string {
	return t(lang, "操作员票据现金报表", "Operator cash report")
}

// YuanFormat is the number format of money cells: yuan with two decimals and grouping.
const YuanFormat = "#,##0.00"

// WriteXLSX writes the report as a workbook of one sheet in the 科目 layout: the title,
// a header row (frozen), headings for days and operators, counts as integers and money
// as yuan numbers with two decimals.
func WriteXLSX(w io.Writer, rep app.Report, lang string) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	sheet := SheetName(lang)
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	yuanFmt := YuanFormat
	bold := &excelize.Font{Bold: true}
	styles := map[string]*excelize.Style{
		"title":   {Font: &excelize.Font{Bold: true, Size: 14}},
		"head":    {Font: bold, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}}, Alignment: &excelize.Alignment{Horizontal: "center"}},
		"heading": {Font: bold},
		"money":   {CustomNumFmt: &yuanFmt},
		"count":   {NumFmt: 1}, // 0
		"sum":     {Font: bold, CustomNumFmt: &yuanFmt},
	}
	ids := map[string]int{}
	for name, st := range styles {
		id, err := f.NewStyle(st)
		if err != nil {
			return fmt.Errorf("xlsx style %s: %w", name, err)
		}
		ids[name] = id
	}
	set := func(cell string, v any, style string) {
		if text, ok := v.(string); ok {
			// A string cell is not a formula when the file opens, but it becomes one when
			// someone edits it or copies the sheet out as CSV.
			v = SafeCell(text)
		}
		if err == nil {
			err = f.SetCellValue(sheet, cell, v)
		}
		if err == nil && style != "" {
			err = f.SetCellStyle(sheet, cell, cell, ids[style])
		}
	}
	cell := func(col, row int) string {
		c, _ := excelize.CoordinatesToCellName(col, row)
		return c
	}
	set("A1", Title(rep, lang), "title")
	for i, h := range Columns(lang) {
		set(cell(i+1, 2), h, "head")
	}
	row := 3
	for _, l := range Ledger(rep, lang) {
		switch l.Kind {
		case DayHeading, OperatorHeading, TotalHeading:
			set(cell(1, row), l.Text, "heading")
		default:
			if l.Subject != "" {
				set(cell(1, row), l.Subject, "")
			}
			set(cell(2, row), l.Summary, "")
			if l.Count.OK {
				set(cell(3, row), l.Count.V, "count")
			}
			money := "money"
			if l.Kind == Balance {
				money = "sum"
			}
			for i, n := range []Num{l.Income, l.Expense, l.Remain} {
				if n.OK {
					set(cell(4+i, row), YuanValue(app.Fen(n.V)), money)
				}
			}
		}
		row++
	}
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	for col, width := range map[string]float64{"A": 22, "B": 10, "C": 10, "D": 14, "E": 14, "F": 14} {
		if err := f.SetColWidth(sheet, col, col, width); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return nil
}

// YuanValue is fen as a yuan number for a spreadsheet cell. Fen up to 2^53 convert
// exactly, and dividing by 100 gives the double nearest the decimal, which is what a
// person typing the amount into Excel would get.
func YuanValue(f app.Fen) float64 { return float64(f) / 100 }
