package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/posapi"
	"cardcenter/store"
	"cardcenter/store/pgtest"
)

// The same signed recharge sent to host A and then to host B, two `serve`s on one
// PostgreSQL ledger, gets the same answer byte for byte: B answers with the bytes A kept,
// so a POS that lost A's answer and asks B reads exactly what A said.
func TestServeReplayOnTheOtherHostIsByteIdenticalOnPostgres(t *testing.T) {
	pgtest.Require(t)
	s := apptest.New(t, apptest.Options{Postgres: true})
	ctx := context.Background()
	d, err := s.Svc.DeviceWithKey(ctx, "P1")
	if err != nil {
		t.Fatal(err)
	}
	s.Store.Close()
	urlA, stopA := startServe(t, s.Path)
	defer stopA()
	urlB, stopB := startServe(t, s.Path)
	defer stopB()

	c := &posapi.Client{BaseURL: urlA, DeviceID: "P1", Secret: d.Secret}
	auth, err := c.Authorize(ctx, app.AuthorizeRequest{DeviceID: "P1", Serial: 1, CardNo: apptest.AuthCard(0), PIN: apptest.PIN})
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(app.RechargeRequest{DeviceID: "P1", Serial: 2, BatchNo: auth.BatchNo, AuthCode: auth.AuthCode,
		CardNo: apptest.UserCard(0), CardBalance: 1000, CardCounter: 7, Amount: 100 * app.Yuan})
	if err != nil {
		t.Fatal(err)
	}
	post := func(base string) []byte {
		t.Helper()
		at := time.Now().UnixMilli()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+posapi.PathRecharge, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(posapi.HeaderDevice, "P1")
		req.Header.Set(posapi.HeaderTime, strconv.FormatInt(at, 10))
		req.Header.Set(posapi.HeaderSignature, posapi.Sign(d.Secret, http.MethodPost, posapi.PathRecharge, "P1", at, body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		blob, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get(posapi.HeaderSignature) == "" {
			t.Fatalf("%s: status %d, signed %q, %q (%v)", base, resp.StatusCode, resp.Header.Get(posapi.HeaderSignature), blob, err)
		}
		return blob
	}
	fromA := post(urlA)
	time.Sleep(5 * time.Millisecond) // another host time in B's answer than in A's
	fromB := post(urlB)
	if !bytes.Equal(fromA, fromB) {
		t.Fatalf("host B's answer is not host A's:\nA %s\nB %s", fromA, fromB)
	}
	var ans posapi.Answer
	var res app.RechargeResult
	if err := json.Unmarshal(fromA, &ans); err != nil || !ans.OK || json.Unmarshal(ans.Result, &res) != nil ||
		res.BalanceAfter != 1000+100*app.Yuan || res.CounterAfter != 8 {
		t.Fatalf("answer %s (%v): want the approval of 100 yuan", fromA, err)
	}
	st, err := store.Open(s.Path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rc, err := st.Recount(ctx)
	if err != nil || rc.Recharges.Count != 1 || rc.Recharges.Amount != 100*app.Yuan {
		t.Fatalf("ledger: %+v (%v), want one recharge of 100 yuan", rc.Recharges, err)
	}
}
