package cli

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"cardcenter/app"
	"cardcenter/app/deskapi"
)

// A load desk is a desk client of the host (the same deskapi.Client the desk's screens
// use), logged in as a clerk of its own, that looks up the recharges of a card every
// deskEvery — what the host does when a card is laid on a desk's reader — while the POS send.

type loadDesk struct {
	client *deskapi.Client
	actor  app.Actor
}

type deskLoadResult struct {
	lookups, failed int64
	p50, p99, max   time.Duration
}

func (r deskLoadResult) String(p loadPlan) string {
	if p.desks == 0 {
		return ""
	}
	return fmt.Sprintf("  desks: %d clerks, a card looked up every %v each: %d lookups, %d failed\n"+
		"  desk lookup p50 %.2fms  p99 %.2fms  max %.2fms\n", p.desks, p.deskEvery, r.lookups, r.failed, ms2(r.p50), ms2(r.p99), ms2(r.max))
}

// loginDesks makes n clerk accounts and logs a desk in to the host as each.
func loginDesks(ctx context.Context, svc *app.Service, baseURL string, n int) ([]loadDesk, error) {
	var desks []loadDesk
	for i := 0; i < n; i++ {
		user, pass := fmt.Sprintf("loadclerk%03d", i), fmt.Sprintf("load-clerk-pass-%03d", i)
		if err := svc.CreateStaff(ctx, app.SystemActor, user, "负载柜员", app.RoleClerk, pass); err != nil {
			return nil, fmt.Errorf("load desk %s: %w", user, err)
		}
		c, err := deskapi.Connect(ctx, baseURL, deskapi.Options{Timeout: 10 * time.Second})
		if err != nil {
			return nil, fmt.Errorf("load desk %s: %w", user, err)
		}
		a, err := c.Login(ctx, user, pass)
		if err != nil {
			return nil, fmt.Errorf("load desk %s: %w", user, err)
		}
		desks = append(desks, loadDesk{client: c, actor: a})
	}
	return desks, nil
}

// runDesks runs every desk on its own schedule (open loop: a slow host cannot make the
// clerks lay fewer cards) until done closes, and returns their lookups' latencies.
func runDesks(ctx context.Context, desks []loadDesk, p loadPlan, done <-chan struct{}) deskLoadResult {
	var mu sync.Mutex
	var lat []time.Duration
	var failed int64
	var wg sync.WaitGroup
	for i, d := range desks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Desks start spread over one period, as clerks do not all lay a card at once.
			first := time.Duration(i) * p.deskEvery / time.Duration(len(desks))
			tick := time.NewTimer(first)
			defer tick.Stop()
			for {
				select {
				case <-done:
					return
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				tick.Reset(p.deskEvery)
				card := fmt.Sprintf("L%08d", rand.IntN(p.cards()))
				t0 := time.Now()
				_, err := d.client.CardQuestions(ctx, d.actor, card)
				l := time.Since(t0)
				mu.Lock()
				lat = append(lat, l)
				if err != nil {
					failed++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	r := deskLoadResult{lookups: int64(len(lat)), failed: failed}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		q := func(f float64) time.Duration { return lat[min(len(lat)-1, int(f*float64(len(lat))))] }
		r.p50, r.p99, r.max = q(0.50), q(0.99), lat[len(lat)-1]
	}
	return r
}
