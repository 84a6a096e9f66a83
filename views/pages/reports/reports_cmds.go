package reports

import (
	"bytes"
	"cardcenter/views/common"
	"fmt"
	"os"
	"path/filepath"

	tea "charm.land/bubbletea/v2"

	"cardcenter/app"
	"cardcenter/app/reportfmt"
)

// reportsDir is where exported reports go: the user's data directory
// ($XDG_DATA_HOME, else ~/.local/share), under cardcenter/reports.
func reportsDir() (string, error) {
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no home directory for the reports: %w", err)
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "cardcenter", "reports"), nil
}

// exportReport writes rep, as it is on screen, to a CSV (UTF-8 with BOM) or XLSX file in
// the reports directory, named for its range and the time of export. The file appears
// whole or not at all (written beside, then renamed).
func exportReport(c *common.Common, rep app.Report, format string) tea.Cmd {
	lang, clock := c.Lang, c.Svc.Clock()
	return func() tea.Msg {
		path, err := writeReportFile(rep, format, lang, clock.Now().Format("20060102-150405"))
		return reportExportedMsg{format: map[string]string{"csv": "CSV", "xlsx": "XLSX"}[format], path: path, err: err}
	}
}

func writeReportFile(rep app.Report, format, lang, stamp string) (string, error) {
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
	dir, err := reportsDir()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	name := "cash-report_" + rep.From
	if rep.To != rep.From {
		name += "_" + rep.To
	}
	path := filepath.Join(dir, name+"_"+stamp+"."+format)
	tmp, err := os.CreateTemp(dir, ".export-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name()) // gone after the rename; cleans up after a failure
	if _, err := tmp.Write(b.Bytes()); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", err
	}
	return path, os.Rename(tmp.Name(), path)
}
