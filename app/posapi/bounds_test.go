package posapi_test

import (
	"fmt"
	"strings"
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/posapi"
)

// Issue 9.1 as it was sent: POST /v1/recharge with card_balance 9223372036854775807 and
// amount 100 was booked with balance_after −9223372036854775709, and card_counter
// 4294967296 was booked too. Both are refused with BAD_INPUT naming the field, and nothing
// is booked.
func TestRechargeOverHTTPRefusesNumbersTheCardCannotHold(t *testing.T) {
	h, c, auth := authorizedHost(t)
	for i, tc := range []struct {
		balance, counter string
		field            string
	}{
		{"9223372036854775807", "7", "card balance"},
		{"1000", "4294967296", "card transaction counter"},
	} {
		body := []byte(fmt.Sprintf(`{"device_id":"P1","serial":%d,"batch_no":%d,"auth_code":%q,"card_no":%q,`+
			`"card_balance":%s,"card_counter":%s,"amount":100}`, 2+i, auth.BatchNo, auth.AuthCode, apptest.UserCard(0), tc.balance, tc.counter))
		_, ans, _, blob := h.post(t, posapi.PathRecharge, "P1", c.Secret, h.site.Clock.Now(), body)
		if ans.OK || ans.Code != app.CodeBadInput {
			t.Errorf("card_balance %s card_counter %s: %s", tc.balance, tc.counter, blob)
		}
		if !strings.Contains(ans.EN, tc.field) {
			t.Errorf("the refusal does not name %s: %s", tc.field, blob)
		}
	}
	if l := h.site.Ledger(); l.Recharges != 0 {
		t.Fatalf("booked %d recharges", l.Recharges)
	}
}
