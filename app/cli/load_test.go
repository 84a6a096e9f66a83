package cli

import (
	"context"
	"io"
	"testing"
	"time"

	"cardcenter/app"
)

func TestLoadBooksEveryApprovedRecharge(t *testing.T) {
	e := &env{stdout: io.Discard, stderr: io.Discard, clock: app.SystemClock{}, cfg: app.DefaultConfig()}
	for _, rate := range []float64{0, 500} {
		res, err := loadRun(context.Background(), e, loadPlan{requests: 300, devices: 4, rate: rate, limit: time.Minute, dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		if res.sent != 300 || res.refused != 0 || res.noAnswer != 0 || res.bookedRecounts != 300 {
			t.Fatalf("rate %v: %s", rate, res)
		}
		if res.p50 <= 0 || res.p99 < res.p50 || res.max < res.p99 {
			t.Fatalf("rate %v: quantiles out of order: %s", rate, res)
		}
	}
}
