package deskio_test

import (
	"testing"

	"cardcenter/app"
)

// The desk's card shows its own log, newest first, with what the POS wrote.
func TestCardShowsItsLog(t *testing.T) {
	d := newDesk(t)
	req := d.posRecharge(30*app.Yuan, true, false)
	d.posRecharge(20*app.Yuan, true, false)
	dc := d.look()
	l, ok := dc.Card.(app.CardLog)
	if !ok {
		t.Fatalf("card %T has no log", dc.Card)
	}
	log := l.Log()
	if len(log) != 2 || log[0].Amount != 20*app.Yuan || log[1].Amount != 30*app.Yuan {
		t.Fatalf("log %+v", log)
	}
	if e := log[1]; e.Kind != "recharge" || e.Serial != req.Serial || e.BalanceAfter != 42*app.Yuan || e.Counter != log[0].Counter-1 || e.At.IsZero() {
		t.Fatalf("entry %+v (serial %d)", e, req.Serial)
	}
}
