package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"cardcenter/app"
	"cardcenter/store"
	"cardcenter/store/pgtest"
)

func runCmd(t testing.TB, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// fen parses a yuan figure as printed ("1234.50") back into fen.
func fen(t *testing.T, s string) app.Fen {
	t.Helper()
	whole, frac, ok := strings.Cut(s, ".")
	y, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if !ok || len(frac) != 2 || err1 != nil || err2 != nil {
		t.Fatalf("not a yuan figure: %q", s)
	}
	return app.Fen(y*100 + f)
}

// gen, report and settle as a user runs them: the CSV report of the generated site
// recounts to its raw rows, and its admin can log in with the password gen printed.
func TestGenCommandThenReportAndSettle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "site.db")
	code, out, errOut := runCmd(t, "gen", "--db", path, "--recharges", "5000", "--seed", "3")
	if code != 0 {
		t.Fatalf("gen: exit %d\n%s%s", code, out, errOut)
	}
	// 364 days are settled, 363 just after midnight.
	for _, want := range []string{"充值 recharges 5000 ", "核对 recount", "已结算 settled 36"} {
		if !strings.Contains(out, want) {
			t.Errorf("gen output lacks %q:\n%s", want, out)
		}
	}
	m := regexp.MustCompile(`user (admin) password (\S+) `).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("gen printed no admin password:\n%s", out)
	}

	code, again, errOut := runCmd(t, "gen", "--db", path, "--recharges", "10")
	if code != 2 || !strings.Contains(errOut, string(app.CodeAlreadyExists)) {
		t.Fatalf("gen over an existing file: exit %d\n%s%s", code, again, errOut)
	}

	// --days 367: the report still covers every generated day if midnight passes now.
	code, csvOut, errOut := runCmd(t, "report", "--db", path, "--days", "367", "--format", "csv")
	if code != 0 {
		t.Fatalf("report: exit %d\n%s", code, errOut)
	}
	if !strings.HasPrefix(csvOut, "\uFEFF") {
		t.Fatalf("CSV does not start with a BOM: %q", csvOut[:min(20, len(csvOut))])
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvOut, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != "结算日,操作员号,操作员,充值笔数,充值金额,冲正笔数,冲正金额,撤销笔数,迟到冲正笔数,迟到冲正金额,长短款,POS现金充值,状态" {
		t.Fatalf("CSV header %q", got)
	}
	total := recs[len(recs)-1]
	if total[0] != "合计" {
		t.Fatalf("last CSV row is not the total: %q", total)
	}
	var sum [5]int64 // recharges, amount, reversals, amount, cancels, over the day rows
	settledRows := 0
	for _, r := range recs[1 : len(recs)-1] {
		n, _ := strconv.ParseInt(r[3], 10, 64)
		rn, _ := strconv.ParseInt(r[5], 10, 64)
		cn, _ := strconv.ParseInt(r[7], 10, 64)
		sum[0], sum[1], sum[2], sum[3], sum[4] = sum[0]+n, sum[1]+int64(fen(t, r[4])), sum[2]+rn, sum[3]+int64(fen(t, r[6])), sum[4]+cn
		if fen(t, r[11]) != fen(t, r[4])-fen(t, r[6])-fen(t, r[9])+fen(t, r[10]) {
			t.Errorf("row %q: POS现金充值 is not recharges − reversals − late reversals + adjustments", r)
		}
		if r[12] == "已结算" {
			settledRows++
		}
	}
	if settledRows == 0 {
		t.Error("no settled day in the report")
	}

	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := st.Recount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := [5]int64{raw.Recharges.Count, int64(raw.Recharges.Amount), raw.Reversals.Count, int64(raw.Reversals.Amount), raw.Cancels}
	if sum != want || raw.Recharges.Count != 5000 || raw.Reversed != raw.Reversals.Count {
		t.Fatalf("Σ report rows %v, raw rows %v (%+v)", sum, want, raw)
	}
	if total[3] != strconv.FormatInt(raw.Recharges.Count, 10) || fen(t, total[4]) != raw.Recharges.Amount ||
		fen(t, total[11]) != raw.Cash() {
		t.Fatalf("total row %q, raw rows %+v", total, raw)
	}
	svc := app.New(st, app.SystemClock{}, app.DefaultConfig(), nil)
	if who, err := svc.Login(context.Background(), m[1], m[2]); err != nil || who.Role != app.RoleAdmin {
		t.Fatalf("login with the printed password: %+v, %v", who, err)
	}
	st.Close()

	code, out, errOut = runCmd(t, "settle", "--db", path)
	if code != 0 || !strings.Contains(out, "nothing to settle") {
		t.Fatalf("settle after gen: exit %d\n%s%s", code, out, errOut)
	}

	// --force replaces the site.
	code, out, errOut = runCmd(t, "gen", "--db", path, "--recharges", "300", "--days", "30", "--force")
	if code != 0 || !strings.Contains(out, "充值 recharges 300 ") {
		t.Fatalf("gen --force: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}

func TestGenRefusesBadFlags(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"gen", "--recharges", "10"},
		{"gen", "--db", filepath.Join(dir, "a.db"), "--recharges", "-1"},
		{"gen", "--db", filepath.Join(dir, "b.db"), "--days", "0"},
		// More a day than 200 POS can take (or, before opening time, nothing to book today).
		{"gen", "--db", filepath.Join(dir, "c.db"), "--recharges", "400000", "--days", "1"},
	} {
		code, out, errOut := runCmd(t, args...)
		if code != 2 || !strings.Contains(errOut, string(app.CodeBadInput)) {
			t.Errorf("%q: exit %d\n%s%s", args, code, out, errOut)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("refused gen left files: %v", entries)
	}
}

// gen on PostgreSQL, as a user runs it: an empty database is filled, settled and recounted
// (Σ report = Σ raw rows = Σ generated, the check gen makes on SQLite), the report reads
// the same totals, and a second gen into the now full database is refused.
func TestGenCommandOnPostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
	code, out, errOut := runCmd(t, "gen", "--db", dsn, "--recharges", "3000", "--seed", "3")
	if code != 0 {
		t.Fatalf("gen: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"充值 recharges 3000 ", "核对 recount", "已结算 settled 36", "PostgreSQL"} {
		if !strings.Contains(out, want) {
			t.Errorf("gen output lacks %q:\n%s", want, out)
		}
	}
	st, err := store.Open(dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := st.Recount(context.Background())
	st.Close()
	if err != nil || raw.Recharges.Count != 3000 || raw.Reversed != raw.Reversals.Count {
		t.Fatalf("recount: %+v, %v", raw, err)
	}
	code, again, errOut := runCmd(t, "gen", "--db", dsn, "--recharges", "10")
	if code != 2 || !strings.Contains(errOut, string(app.CodeTargetNotEmpty)) {
		t.Fatalf("gen into a full database: exit %d\n%s%s", code, again, errOut)
	}
	code, again, errOut = runCmd(t, "gen", "--db", dsn, "--recharges", "10", "--force")
	if code != 2 || !strings.Contains(errOut, string(app.CodeBadInput)) {
		t.Fatalf("gen --force on PostgreSQL: exit %d\n%s%s", code, again, errOut)
	}
}
