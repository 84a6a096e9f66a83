package app_test

import (
	"fmt"
	"sort"
	"strings"
)

// simCoverage counts the outcomes the schedules reached, so that a reader of `go test -v`
// can see the generated steps do get to the interesting states (tombstones, conflicts,
// repairs of both kinds, settled days…) and not only to the happy path.
type simCoverage map[string]int

func (c simCoverage) add(w *simWorld) {
	for _, q := range []string{
		`SELECT 'recharge ' || booking || '/' || card_write, COUNT(*) FROM recharges GROUP BY 1`,
		`SELECT 'reversal ' || status || ' ' || reason, COUNT(*) FROM reversals GROUP BY 1`,
		`SELECT 'cancel ' || status, COUNT(*) FROM cancels GROUP BY 1`,
		`SELECT 'repair ' || state, COUNT(*) FROM repairs GROUP BY 1`,
		`SELECT 'settled days', COUNT(*) FROM settled_days`,
	} {
		rows, err := w.raw.Query(q)
		if err != nil {
			w.fatalf("coverage: %v", err)
		}
		for rows.Next() {
			var k string
			var n int
			if err := rows.Scan(&k, &n); err != nil {
				w.fatalf("coverage: %v", err)
			}
			c[k] += n
		}
		rows.Close()
	}
	for k, r := range w.first {
		if !r.OK {
			c[fmt.Sprintf("refused %s %s", w.firstMsg[k].kind, r.Code)]++
		}
	}
	for k, n := range w.events {
		c[k] += n
	}
	c["schedules"]++
	c["host crashes"] += w.crashes
}

func (c simCoverage) String() string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %-45s %6d\n", k, c[k])
	}
	return b.String()
}
