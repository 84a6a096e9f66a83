package posapi_test

import (
	"context"
	"encoding/json"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/posapi"
)

// The experiment of issue 9.4: a local user who can read the ledger file takes P1's
// secret and the session's auth code from it and signs a recharge for their own card.
// The ledger holds neither in a usable form: the host refuses the signature, and the
// code read from the file is not the session's.
func TestWhoReadsTheLedgerFileCannotSignAsAPOS(t *testing.T) {
	h, c, auth := authorizedHost(t)
	var fileSecret []byte
	var fileCode string
	if err := h.site.RawDB().QueryRow(`SELECT d.secret, a.auth_code FROM devices d JOIN authorizations a ON a.device_id = d.id
		WHERE d.id = 'P1' AND a.ended_at IS NULL`).Scan(&fileSecret, &fileCode); err != nil {
		t.Fatal(err)
	}
	if fileCode == auth.AuthCode {
		t.Fatal("the ledger holds the session's auth code in the clear")
	}
	var kept []byte
	if err := h.site.RawDB().QueryRow(`SELECT answer FROM terminal_answers WHERE device_id = 'P1' AND serial = 1`).Scan(&kept); err != nil {
		t.Fatal(err)
	}
	if json.Valid(kept) {
		t.Fatalf("the authorization's kept answer is readable: %s", kept)
	}
	body, _ := json.Marshal(app.RechargeRequest{DeviceID: "P1", Serial: 2, BatchNo: auth.BatchNo, AuthCode: fileCode,
		CardNo: apptest.UserCard(0), Amount: 100 * app.Yuan})
	status, ans, _, _ := h.post(t, posapi.PathRecharge, "P1", fileSecret, h.site.Clock.Now(), body)
	if status != 401 || ans.Code != posapi.CodeBadSignature {
		t.Fatalf("signed with the secret read from the file: HTTP %d %+v, want 401 BAD_SIGNATURE", status, ans)
	}
	if n := h.site.Count(`SELECT COUNT(*) FROM recharges`); n != 0 {
		t.Fatalf("%d recharges booked", n)
	}
	// The POS itself, with its provisioned secret and the code it was given, still books.
	if _, err := c.Recharge(context.Background(), app.RechargeRequest{DeviceID: "P1", Serial: 2, BatchNo: auth.BatchNo,
		AuthCode: auth.AuthCode, CardNo: apptest.UserCard(0), Amount: 100 * app.Yuan}); err != nil {
		t.Fatal(err)
	}
	// A replay of the authorization still gets its first answer, code and all.
	again, err := c.Authorize(context.Background(), app.AuthorizeRequest{DeviceID: "P1", Serial: 1, CardNo: apptest.AuthCard(0), PIN: apptest.PIN})
	if err != nil || again.AuthCode != auth.AuthCode {
		t.Fatalf("replayed authorization: %+v %v", again, err)
	}
}
