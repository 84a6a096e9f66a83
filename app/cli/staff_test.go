package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
)

// When wrong passwords locked every admin (or the only one forgot the password), the host
// gets back in: staff unlock, staff reset-password from a private file; both audited.
func TestCLIStaffUnlocksAndResetsWhenNoAdminCanLogIn(t *testing.T) {
	s := apptest.New(t, apptest.Options{})
	ctx := context.Background()
	for i := 0; i < s.Cfg.MaxWrongPasswords; i++ {
		s.Svc.Login(ctx, "admin", "wrong-pass-0")
	}
	if _, err := s.Svc.Login(ctx, "admin", "admin-pass-1"); !errors.Is(err, app.CodeStaffLocked) {
		t.Fatalf("fixture: %v", err)
	}
	code, out, stderr := runCLI(t, "staff", "list", "--db", s.Path)
	if code != 0 || !regexpLine(out, "admin", "locked") || strings.Contains(out, "argon2") {
		t.Fatalf("list: exit %d\n%s%s", code, out, stderr)
	}
	if code, _, stderr := runCLI(t, "staff", "unlock", "--db", s.Path, "admin"); code != 0 {
		t.Fatalf("unlock: exit %d %s", code, stderr)
	}
	if _, err := s.Svc.Login(ctx, "admin", "admin-pass-1"); err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	if e := s.LastAudit(); e.Action != "login" {
		t.Fatalf("audit %+v", e)
	}

	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("recovered-pass-1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "staff", "reset-password", "--db", s.Path, "--password-file", pw, "admin"); code != 2 ||
		!strings.Contains(stderr, "UNSAFE_FILE") {
		t.Fatalf("a readable password file: exit %d %s", code, stderr)
	}
	if code, _, _ := runCLI(t, "staff", "reset-password", "--db", s.Path, "admin"); code != 2 {
		t.Fatalf("no password file: exit %d", code)
	}
	if err := os.Chmod(pw, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "staff", "reset-password", "--db", s.Path, "--password-file", pw, "admin"); code != 0 {
		t.Fatalf("reset: exit %d %s", code, stderr)
	}
	if _, err := s.Svc.Login(ctx, "admin", "recovered-pass-1"); err != nil {
		t.Fatalf("the new password: %v", err)
	}
	es, err := s.Svc.AuditFiltered(ctx, app.SystemActor, "system", "", 10)
	if err != nil || len(es) < 2 || es[0].Action != "staff_reset_password" || es[1].Action != "staff_unlock" {
		t.Fatalf("audit by the system: %+v %v", es, err)
	}
	if code, _, _ := runCLI(t, "staff", "unlock", "--db", s.Path, "nobody"); code != 2 {
		t.Fatalf("unknown account: exit %d", code)
	}
}

func regexpLine(out, user, word string) bool {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, user+" ") && strings.Contains(l, word) {
			return true
		}
	}
	return false
}
