package modelcheck_test

import (
	"testing"

	"github.com/viewstamped/vsr/generated/checker"
	"github.com/viewstamped/vsr/modelcheck"
	"github.com/viewstamped/vsr/spec"
)

// benchCheck explores the first states of a VR configuration and reports
// distinct states per second and fingerprint-set bytes per distinct state.
func benchCheck(b *testing.B, bounds modelcheck.Bounds, workers int, maxStates uint64) {
	cfg := spec.Config{Replicas: 3}
	for b.Loop() {
		res, err := modelcheck.Check[spec.Replica](checker.Protocol{}, replicas(cfg), bounds,
			modelcheck.Options{Workers: workers, MaxStates: maxStates})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Distinct), "distinct")
		b.ReportMetric(float64(res.Distinct)/res.Elapsed.Seconds(), "distinct/s")
		b.ReportMetric(float64(res.FPBytes)/float64(res.Distinct), "fpbytes/state")
	}
}

// BenchmarkStandard is the standard configuration (3 replicas, 1 client,
// 2 values, at most 2 timeout-driven view changes, no crashes), its first
// two million distinct states, with 1 and 2 workers.
func BenchmarkStandard(b *testing.B) {
	b.Run("workers=1", func(b *testing.B) { benchCheck(b, vr(2, 2), 1, 2_000_000) })
	b.Run("workers=2", func(b *testing.B) { benchCheck(b, vr(2, 2), 2, 2_000_000) })
}
