package reports

import (
	"bytes"

	tea "charm.land/bubbletea/v2"

	"cardcenter/app"
	"cardcenter/app/reportfmt"
	"cardcenter/views/common"
)

// exportReport writes rep, as it is on screen, to a CSV (UTF-8 with BOM) or XLSX file in
// the desk's exports folder, named for its range and the time of export.
func exportReport(c *common.Common, rep app.Report, format string) tea.Cmd {
	lang, clock, exports := c.Lang, c.Svc.Clock(), c.Exports
	return func() tea.Msg {
		path, err := writeReportFile(exports, rep, format, lang, clock.Now().Format("20060102-150405"))
		return reportExportedMsg{format: map[string]string{"csv": "CSV", "xlsx": "XLSX"}[format], path: path, err: err}
	}
}

func writeReportFile(exports common.Folder, rep app.Report, format, lang, stamp string) (string, error) {
	var b bytes.Buffer
	var err error
	if format == "csv" {
		err = reportfmt.WriteCSV(&b, reportfmt.Sheet(rep, lang))
	} else {
		err = reportfmt.WriteXLSX(&b, rep, lang)
	}
	if err != nil {
		return "", err
	}
	name := "cash-report_" + rep.From
	if rep.To != rep.From {
		name += "_" + rep.To
	}
	return exports.Save(name+"_"+stamp+"."+format, b.Bytes())
}
