package store

import (
	"bytes"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"cardcenter/app"
)

func TestLedgerFilesAreCreatedPrivateAndAReadableLedgerIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	st, err := Open(path, Options{Create: true, SealKey: testSealKey})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Update(t.Context(), func(tx app.Tx) error {
		return tx.InsertDevice(app.Device{ID: "P1", Name: "n", Model: app.ModelRechargePOS, Enabled: true, Secret: bytes.Repeat([]byte{1}, 32)})
	}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s created with mode %v, want 0600", filepath.Base(p), fi.Mode().Perm())
		}
	}
	st.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if _, err := os.Stat(p); err != nil {
			continue // SQLite removes the WAL at a clean close
		}
		for _, mode := range []os.FileMode{0o640, 0o604} {
			if err := os.Chmod(p, mode); err != nil {
				t.Fatal(err)
			}
			for _, create := range []bool{false, true} {
				if _, err := Open(path, Options{Create: create, SealKey: testSealKey}); !errors.Is(err, app.CodeUnsafeFile) {
					t.Errorf("%s at %v (create %t): %v, want UNSAFE_FILE", filepath.Base(p), mode, create, err)
				}
			}
		}
		if err := os.Chmod(p, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	st, err = Open(path, Options{SealKey: testSealKey})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
}

// plainSite is a ledger of schema version 3, the last before secrets were sealed, holding
// what that version kept in the clear: a device secret, an authorization code, and the
// authorization's answer that carries the code.
func plainSite(t *testing.T) (path string, secret []byte, code string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "old.db")
	old, err := Open(path, Options{Create: true, migrateTo: 3})
	if err != nil {
		t.Fatal(err)
	}
	secret = []byte("SECRET-OF-P1-IN-THE-CLEAR-32BYTE")
	code = "c0dec0de"
	answer := `{"ok":true,"result":{"authorization_id":1,"batch_no":1,"auth_code":"` + code + `"}}`
	if _, err := old.write.Exec(`
		INSERT INTO devices(id, name, model, location, enabled, secret) VALUES ('P1', '一食堂充值机', '0201', '', 1, ?);
		INSERT INTO cardholders(holder_no, name) VALUES ('T1', '操作员');
		INSERT INTO cards(card_no, holder_id, status) VALUES ('80000001', 1, 'normal');
		INSERT INTO operators(op_no, name, pin_hash, daily_max, merchant, enabled) VALUES ('OP01', '张敏', 'x', 0, 0, 1);
		INSERT INTO authorizations(device_id, operator_id, card_no, batch_no, auth_code, started_at) VALUES ('P1', 1, '80000001', 1, ?, 0);
		INSERT INTO terminal_answers(device_id, serial, kind, request_hash, answer, received_at) VALUES ('P1', 1, 'authorize', X'00', ?, 0);
		INSERT INTO terminal_answers(device_id, serial, kind, request_hash, answer, received_at) VALUES ('P1', 2, 'recharge', X'00', '{"ok":false}', 0);`,
		secret, code, []byte(answer)); err != nil {
		t.Fatal(err)
	}
	old.Close()
	return path, secret, code
}

// fileHolds: whether any of the ledger's files holds b.
func fileHolds(t *testing.T, path string, b []byte) string {
	t.Helper()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		raw, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if bytes.Contains(raw, b) {
			return filepath.Base(p)
		}
	}
	return ""
}

func TestUpgradeSealsTheSecretsAnEarlierVersionKeptInTheClear(t *testing.T) {
	path, secret, code := plainSite(t)
	// Without the key the plaintext cannot be sealed: refused, not left as it is and served.
	if _, err := Open(path, Options{}); !errors.Is(err, app.CodeSiteKeyNeeded) {
		t.Fatalf("open without the key: %v, want SITE_KEY_NEEDED", err)
	}
	st, err := Open(path, Options{SealKey: testSealKey})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	// Everything still works: the host authenticates P1, replays its authorization and
	// checks the session's code.
	err = st.View(ctx, func(tx app.ReadTx) error {
		d, err := tx.Device("P1")
		if err != nil || !bytes.Equal(d.Secret, secret) {
			t.Errorf("P1 after the upgrade: %x, %v", d.Secret, err)
		}
		a, err := tx.TerminalAnswer("P1", 1)
		if err != nil || !bytes.Contains(a.Answer, []byte(`"auth_code":"`+code+`"`)) {
			t.Errorf("authorize answer after the upgrade: %q, %v", a.Answer, err)
		}
		auth, err := tx.CurrentAuthorization("P1")
		if err != nil || auth.AuthCodeHash != app.HashAuthCode(code) {
			t.Errorf("authorization after the upgrade: %+v, %v", auth, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	for what, b := range map[string][]byte{"device secret": secret, "auth code": []byte(code)} {
		if f := fileHolds(t, path, b); f != "" {
			t.Errorf("the %s is still readable in %s after the upgrade", what, f)
		}
	}
	// With another key the ledger is refused at open, not at the first POS message.
	other := bytes.Repeat([]byte{0x11}, SealKeyLen)
	if _, err := Open(path, Options{SealKey: other}); !errors.Is(err, app.CodeSiteKeyMismatch) {
		t.Fatalf("open with another key: %v, want SITE_KEY_MISMATCH", err)
	}
	// And a report-only open (no key) now works: nothing is left to convert.
	st, err = Open(path, Options{})
	if err != nil {
		t.Fatalf("open without the key after the upgrade: %v", err)
	}
	st.Close()
}

func TestSecretsAreNeverWrittenInTheClear(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	st, err := Open(path, Options{Create: true, SealKey: testSealKey})
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("NEW-SECRET-OF-P1-32-BYTES-LONG!!")
	code := "0123456789abcdef0123456789abcdef"
	answer := []byte(`{"ok":true,"result":{"auth_code":"` + code + `"}}`)
	ctx := t.Context()
	err = st.Update(ctx, func(tx app.Tx) error {
		if err := tx.InsertDevice(app.Device{ID: "P1", Name: "n", Model: app.ModelRechargePOS, Enabled: true, Secret: secret}); err != nil {
			return err
		}
		if _, err := tx.InsertCardholder(app.Cardholder{HolderNo: "T1", Name: "x"}); err != nil {
			return err
		}
		if err := tx.InsertCard(app.Card{CardNo: "80000001", HolderID: 1, Status: app.CardNormal}); err != nil {
			return err
		}
		if _, err := tx.InsertOperator(app.Operator{OpNo: "OP01", Name: "x", PINHash: "x", Enabled: true}); err != nil {
			return err
		}
		if _, err := tx.InsertAuthorization(app.Authorization{DeviceID: "P1", OperatorID: 1, CardNo: "80000001", BatchNo: 1,
			AuthCodeHash: app.HashAuthCode(code), StartedAt: time.Unix(0, 0)}); err != nil {
			return err
		}
		return tx.InsertTerminalAnswer(app.StoredAnswer{DeviceID: "P1", Serial: 1, Kind: app.KindAuthorize, RequestHash: []byte{0}, Answer: answer, ReceivedAt: time.Unix(0, 0)})
	})
	if err != nil {
		t.Fatal(err)
	}
	for what, b := range map[string][]byte{"device secret": secret, "auth code": []byte(code), "secret (hex)": []byte(hex.EncodeToString(secret))} {
		if f := fileHolds(t, path, b); f != "" {
			t.Errorf("the %s is readable in %s", what, f)
		}
	}
	st.Close()
	// The schema itself refuses a secret or a code in the clear.
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`UPDATE devices SET secret = X'00112233' WHERE id = 'P1'`,
		`INSERT INTO devices(id, name, model, enabled, secret) VALUES ('P2', 'n', '0201', 1, X'00112233')`,
		`INSERT INTO authorizations(device_id, operator_id, card_no, batch_no, auth_code, started_at) VALUES ('P1', 1, '80000001', 2, 'c0dec0de', 0)`,
		`UPDATE authorizations SET auth_code = 'c0dec0de'`,
	} {
		if _, err := db.Exec(q); err == nil {
			t.Errorf("the schema took %s", q)
		}
	}
}

func TestASealedSecretOpensOnlyOnItsOwnRow(t *testing.T) {
	s, err := newSealer(testSealKey)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := s.seal([]byte("k"), deviceAD("P1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.open(sealed, deviceAD("P2")); !errors.Is(err, app.CodeSiteKeyMismatch) {
		t.Fatalf("P1's sealed secret opened as P2's: %v", err)
	}
	if got, err := s.open(sealed, deviceAD("P1")); err != nil || string(got) != "k" {
		t.Fatalf("open: %q %v", got, err)
	}
}
