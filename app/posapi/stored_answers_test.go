package posapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/posapi"
)

// Answers stored before this version keep their bytes: a reversal answered, before issue
// 9.3, as a set-aside duplicate with reason ALREADY_REVERSED and no detail is replayed with
// exactly those bytes, and its batch item carries that reason — never the answer a new
// message would get.
func TestAnswersStoredByAnEarlierVersionReplayByteForByte(t *testing.T) {
	h := newHost(t)
	ctx := context.Background()
	c := h.client(t, "P1")
	req := app.ReverseRequest{DeviceID: "P1", Serial: 41, OrigDeviceID: "P1", OrigSerial: 40, CardNo: apptest.UserCard(0), Amount: 10 * app.Yuan}
	at := h.site.Clock.Now()
	old, err := app.FirstAnswer(app.KindReverse, "P1", req.Serial, req,
		struct {
			ReversalID int64     `json:"reversal_id"`
			Status     string    `json:"status"`
			Reason     string    `json:"reason,omitempty"`
			ApplyAfter time.Time `json:"apply_after"`
		}{7, "exception", "ALREADY_REVERSED", at}, nil, at)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.site.Store.Update(ctx, func(tx app.Tx) error { return tx.InsertTerminalAnswer(old) }); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(req)
	status, _, _, got := h.post(t, posapi.PathReverse, "P1", c.Secret, h.site.Clock.Now(), body)
	if status != 200 || !bytes.Equal(got, old.Answer) {
		t.Fatalf("HTTP %d\n%s\nstored\n%s", status, got, old.Answer)
	}
	res, err := c.Batch(ctx, []app.OfflineRecord{{Kind: app.OfflineReversal, Serial: req.Serial, OrigSerial: req.OrigSerial, CardNo: req.CardNo, Amount: req.Amount}})
	if err != nil || len(res.Items) != 1 {
		t.Fatal(res, err)
	}
	if it := res.Items[0]; it.Outcome != app.BatchRecorded || it.Status != "exception" || it.Reason != app.CodeAlreadyReversed || it.Detail != "" {
		t.Fatalf("batch item of the old answer: %+v", it)
	}
}
