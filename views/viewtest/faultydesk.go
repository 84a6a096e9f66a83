package viewtest

import (
	"context"
	"sync"

	"cardcenter/app"
)

// FaultyDesk is a Desk that fails on demand: the real ledger underneath, except that the
// named use cases return Fail's error (once each, or every time). It lets screen tests reach
// what a real ledger does not produce at will — a host that drops the answer after the card
// was written, a database that stops answering mid-report.
type FaultyDesk struct {
	app.Desk
	mu    sync.Mutex
	fails map[string]fault
}

type fault struct {
	err  error
	once bool
}

// NewFaultyDesk wraps d.
func NewFaultyDesk(d app.Desk) *FaultyDesk { return &FaultyDesk{Desk: d, fails: map[string]fault{}} }

// Fail makes use case name return err, once or until Heal.
func (f *FaultyDesk) Fail(name string, err error, once bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fails[name] = fault{err, once}
}

// Heal ends every failure.
func (f *FaultyDesk) Heal() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fails = map[string]fault{}
}

func (f *FaultyDesk) fail(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	ft, ok := f.fails[name]
	if !ok {
		return nil
	}
	if ft.once {
		delete(f.fails, name)
	}
	return ft.err
}

// CompleteRepair fails after the work is done, when asked to: the ledger recorded the
// completion but its answer was lost, or it never arrived — the desk cannot tell which.
func (f *FaultyDesk) CompleteRepair(ctx context.Context, actor app.Actor, repairID int64, outcome app.RepairState, after app.CardSnapshot) (app.Repair, error) {
	if err := f.fail("CompleteRepair"); err != nil {
		return app.Repair{}, err
	}
	return f.Desk.CompleteRepair(ctx, actor, repairID, outcome, after)
}

// Report fails before the ledger is asked.
func (f *FaultyDesk) Report(ctx context.Context, actor app.Actor, from, to string) (app.Report, error) {
	if err := f.fail("Report"); err != nil {
		return app.Report{}, err
	}
	return f.Desk.Report(ctx, actor, from, to)
}

// Settle fails before the ledger is asked.
func (f *FaultyDesk) Settle(ctx context.Context, actor app.Actor) (app.SettleResult, error) {
	if err := f.fail("Settle"); err != nil {
		return app.SettleResult{}, err
	}
	return f.Desk.Settle(ctx, actor)
}
