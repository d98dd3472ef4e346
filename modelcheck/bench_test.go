package modelcheck_test

import (
	"testing"

	"github.com/viewstamped/vsr/generated"
	"github.com/viewstamped/vsr/modelcheck"
	"github.com/viewstamped/vsr/spec"
)

func BenchmarkSmall(b *testing.B) {
	cfg := spec.Config{Replicas: 3}
	bounds := modelcheck.Bounds{Clients: 1, Values: 2, TimeoutLimits: map[string]int{"ViewChangeTimeout": 1, "CommitTimeout": 0, "RecoveryTimeout": 0}, MaxDown: 1}
	for b.Loop() {
		res, err := modelcheck.Check[spec.Replica](generated.Model{}, replicas(cfg), bounds, modelcheck.Options{Workers: 1, MaxStates: 300000})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Distinct), "distinct")
		b.ReportMetric(float64(res.Distinct)/res.Elapsed.Seconds(), "distinct/s")
	}
}
