package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cardcenter/store"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCLIRefusesMissingDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.db")
	for _, cmd := range []string{"report", "settle"} {
		code, _, stderr := runCLI(t, cmd, "--db", path)
		if code != 2 || !strings.Contains(stderr, "DATABASE_MISSING") || !strings.Contains(stderr, "数据库文件不存在") {
			t.Errorf("%s on a missing file: exit %d, stderr %q", cmd, code, stderr)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Fatalf("%s created %s", cmd, path)
		}
	}
}

func TestCLIRefusesCorruptDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "junk.db")
	junk := bytes.Repeat([]byte("这不是数据库 not a database\n"), 200)
	if err := os.WriteFile(path, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "report", "--db", path)
	if code != 2 || !strings.Contains(stderr, "DATABASE_CORRUPT") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(after, junk) {
		t.Fatal("the corrupt file was changed")
	}
}

func TestCLIReportRefusesBadDates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.db")
	st, err := store.Open(path, store.Options{Create: true}) // an empty ledger
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	for _, args := range [][]string{
		{"--from", "2026-02-30", "--to", "2026-03-01"},
		{"--from", "2026-3-1", "--to", "2026-03-01"},
		{"--from", "yesterday"},
		{"--from", "2026-03-05", "--to", "2026-03-01"},
		{"--from", "2020-01-01", "--to", "2026-03-01"},
	} {
		code, _, stderr := runCLI(t, append([]string{"report", "--db", path}, args...)...)
		if code != 2 || !strings.Contains(stderr, "BAD_DATE") {
			t.Errorf("report %v: exit %d, stderr %q", args, code, stderr)
		}
	}
	code, _, stderr := runCLI(t, "report", "--db", path, "--format", "pdf")
	if code != 2 || !strings.Contains(stderr, "BAD_INPUT") {
		t.Errorf("--format pdf: exit %d, stderr %q", code, stderr)
	}
	code, _, _ = runCLI(t, "report", "--db", path, "--bogus")
	if code != 2 {
		t.Errorf("unknown flag: exit %d", code)
	}
}

func TestCLIUnknownCommand(t *testing.T) {
	code, _, stderr := runCLI(t, "frobnicate")
	if code != 2 || !strings.Contains(stderr, "unknown command") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}
