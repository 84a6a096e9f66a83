package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"cardcenter/app"
	"cardcenter/app/apptest"
	"cardcenter/app/posapi"
)

// Issue 12, fault: a host cut off from its PostgreSQL ledger (its role may no longer log in
// and its connections are terminated: the network to the database is gone, the database is
// not) while a POS with both hosts on its list keeps recharging. The cut-off host answers
// every message at once with a clean "no answer" (HOST_UNAVAILABLE: nothing committed), the
// POS sends the same bytes to the other host and gets its answer there; once the host may
// reach the ledger again it serves again. Afterwards every approved recharge is booked
// exactly once and nothing else is in the ledger: no message half-written by the host that
// lost its connection.
func TestHostCutOffFromItsDatabaseRefusesCleanly(t *testing.T) {
	s, dev, raw := hostLedgerOnPostgres(t, 4)
	ctx := context.Background()
	// Host A logs in to PostgreSQL as a role of its own, so that it alone can be cut off.
	role := fmt.Sprintf("cc_host_a_%d", time.Now().UnixNano())
	if _, err := raw.Exec(`CREATE ROLE ` + role + ` LOGIN SUPERUSER`); err != nil {
		t.Fatal(err)
	}
	dsnA, err := url.Parse(s.Path)
	if err != nil {
		t.Fatal(err)
	}
	q := dsnA.Query()
	q.Set("user", role)
	dsnA.RawQuery = q.Encode()
	dsnA.User = nil
	urlA, stopA := startServe(t, dsnA.String())
	urlB, stopB := startServe(t, s.Path)
	defer stopB()
	defer stopA()
	defer func() {
		raw.Exec(`ALTER ROLE ` + role + ` LOGIN`)
	}()
	cut := func(off bool) {
		t.Helper()
		if !off {
			if _, err := raw.Exec(`ALTER ROLE ` + role + ` LOGIN`); err != nil {
				t.Fatal(err)
			}
			return
		}
		if _, err := raw.Exec(`ALTER ROLE ` + role + ` NOLOGIN`); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, role); err != nil {
			t.Fatal(err)
		}
	}
	hc := &http.Client{Timeout: 5 * time.Second}
	both := &posapi.Client{Hosts: []posapi.Host{{URL: urlA, HTTP: hc}, {URL: urlB, HTTP: hc}}, DeviceID: "P1", Secret: dev.Secret}
	onlyA := &posapi.Client{BaseURL: urlA, HTTP: hc, DeviceID: "P1", Secret: dev.Secret}
	auth, err := onlyA.Authorize(ctx, app.AuthorizeRequest{DeviceID: "P1", Serial: 1, CardNo: apptest.AuthCard(0), PIN: apptest.PIN})
	if err != nil {
		t.Fatal(err)
	}
	serial := int64(1)
	var approved []int64
	var total app.Fen
	recharge := func(c *posapi.Client) error {
		serial++
		n := len(approved)
		req := app.RechargeRequest{DeviceID: "P1", Serial: serial, BatchNo: auth.BatchNo, AuthCode: auth.AuthCode,
			CardNo: apptest.UserCard(n % 4), CardBalance: app.Fen(n/4) * 10 * app.Yuan, CardCounter: int64(n / 4), Amount: 10 * app.Yuan}
		_, err := c.Recharge(ctx, req)
		if err == nil {
			approved = append(approved, serial)
			total += req.Amount
		}
		return err
	}
	for range 4 {
		if err := recharge(both); err != nil {
			t.Fatalf("before the cut: %v", err)
		}
	}
	cut(true)
	// Alone, the cut-off host says at once that it cannot take the message.
	for range 3 {
		start := time.Now()
		err := recharge(onlyA)
		var na *posapi.NoAnswerError
		if !errors.As(err, &na) || na.Reason == nil || na.Reason.Code != posapi.CodeHostUnavailable {
			t.Fatalf("the cut-off host answered %v, want no answer with HOST_UNAVAILABLE", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("the cut-off host took %v to refuse", d)
		}
		serial-- // never booked: the same serial is the POS's next message
	}
	// With both hosts on its list, the POS is answered by the other.
	for range 8 {
		if err := recharge(both); err != nil {
			t.Fatalf("during the cut: %v", err)
		}
	}
	cut(false)
	for range 4 {
		if err := recharge(onlyA); err != nil {
			t.Fatalf("after the cut, host A: %v", err)
		}
	}
	var rows, distinct int
	var sum int64
	if err := raw.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT serial), COALESCE(SUM(amount), 0) FROM recharges WHERE device_id = 'P1' AND booking = 'booked'`).Scan(&rows, &distinct, &sum); err != nil {
		t.Fatal(err)
	}
	if rows != len(approved) || distinct != len(approved) || app.Fen(sum) != total {
		t.Fatalf("the ledger holds %d recharges (%d serials, %d fen) for %d approved (%d fen)", rows, distinct, sum, len(approved), total)
	}
	var all int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM recharges WHERE device_id = 'P1'`).Scan(&all); err != nil || all != len(approved) {
		t.Fatalf("%d recharge rows in all for %d approved (%v): something half-written", all, len(approved), err)
	}
}
