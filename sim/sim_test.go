package sim_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/examples/kv/store"
	"github.com/viewstamped/vsr/generated"
	"github.com/viewstamped/vsr/route"
	"github.com/viewstamped/vsr/runtime"
	"github.com/viewstamped/vsr/sim"
	"github.com/viewstamped/vsr/spec"
	"github.com/viewstamped/vsr/trace"
)

// TestSafeSeeds runs the safe protocol on swarm-drawn fault mixes: every
// invariant holds after every step, every liveness phase passes and every
// history is linearizable.
func TestSafeSeeds(t *testing.T) {
	seeds, steps := 40, 5000
	if testing.Short() {
		seeds = 10
	}
	total, ops, views, crashes := 0, 0, spec.ViewNumber(0), 0
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		res := sim.Run(sim.Options{Seed: seed, Steps: steps})
		require.Nil(t, res.Failure, "seed %d (%s): %v", seed, res.Faults, res.Failure)
		require.Zero(t, res.Unknown, "seed %d: the liveness phase answers every request", seed)
		total += res.Steps
		ops += res.Ops
		views = max(views, res.Views)
		crashes += res.Crashes
	}
	t.Logf("%d seeds, %d steps, %d operations, %d crashes, views up to %d", seeds, total, ops, crashes, views)
	assert.Positive(t, crashes)
	assert.Greater(t, views, spec.ViewNumber(2))
}

// TestFiveReplicas runs the safe protocol on 5 replicas with every fault.
func TestFiveReplicas(t *testing.T) {
	all := sim.All()
	for seed := uint64(1); seed <= 4; seed++ {
		res := sim.Run(sim.Options{Seed: seed, Replicas: 5, Steps: 4000, Faults: &all})
		require.Nil(t, res.Failure, "seed %d: %v", seed, res.Failure)
		assert.LessOrEqual(t, res.MostDown, 2, "at most f of 5 down at once")
	}
}

// TestDeterministic: a seed replays exactly, down to every step the nodes
// take.
func TestDeterministic(t *testing.T) {
	run := func() (*sim.Result, []trace.Line) {
		o := sim.Options{Seed: 7, Steps: 3000}
		rec := trace.NewRecorder(sim.SpecOf(o))
		o.Trace = rec
		res := sim.Run(o)
		_, lines, err := rec.Trace()
		require.NoError(t, err)
		res.Elapsed = 0
		return res, lines
	}
	a, linesA := run()
	b, linesB := run()
	assert.Equal(t, a, b)
	require.Equal(t, len(linesA), len(linesB))
	assert.Equal(t, linesA, linesB)
	assert.NotEmpty(t, linesA)
	c := sim.Run(sim.Options{Seed: 8, Steps: 3000})
	assert.NotEqual(t, a.Faults, c.Faults, "another seed draws another fault mix")
}

// hunt runs seeds from 1 on until one of them breaks the spec with cfg,
// at most limit of them, and returns it; the safe protocol must pass
// every seed up to it.
func hunt(t *testing.T, cfg spec.Config, faults *sim.Faults, steps, limit int) uint64 {
	t.Helper()
	for seed := uint64(1); seed <= uint64(limit); seed++ {
		res := sim.Run(sim.Options{Seed: seed, Steps: steps, Spec: cfg, Faults: faults})
		if res.Failure == nil {
			continue
		}
		f := res.Failure
		require.NotEqual(t, "history", f.Phase, "seed %d: %v", seed, f)
		require.True(t, strings.HasPrefix(f.What, "invariant ") || strings.HasPrefix(f.What, "action "),
			"seed %d: the failure is a broken invariant or action property: %v", seed, f)
		t.Logf("seed %d of at most %d, %d steps each: %v", seed, limit, steps, f)
		for safe := uint64(1); safe <= seed; safe++ {
			res := sim.Run(sim.Options{Seed: safe, Steps: steps, Faults: faults})
			require.Nil(t, res.Failure, "the safe protocol on seed %d: %v", safe, res.Failure)
		}
		return seed
	}
	t.Fatalf("no seed of %d with %d steps each broke the spec", limit, steps)
	return 0
}

// TestCatchesStartViewInNormal: the literal reading of StartView, on
// swarm-drawn fault mixes.
func TestCatchesStartViewInNormal(t *testing.T) {
	hunt(t, spec.Config{StartViewInNormal: true}, nil, 10000, 60)
}

// clogs is a fault mix that catches the state-transfer defect: heavy
// loss, partitions and long clogs leave a replica behind by whole views
// while the others go on.
var clogs = sim.Faults{Loss: 0.3, Partition: true, PartitionEvery: 300, Clog: true, ClogEvery: 20, ClogFor: 300}

// TestCatchesStateTransferPaper: state transfer as published.
func TestCatchesStateTransferPaper(t *testing.T) {
	hunt(t, spec.Config{StateTransfer: spec.StateTransferPaper}, &clogs, 10000, 300)
}

// TestLivenessFailure: a liveness phase too short to answer the
// outstanding requests is reported as a liveness failure.
func TestLivenessFailure(t *testing.T) {
	all := sim.All()
	res := sim.Run(sim.Options{Seed: 1, Steps: 2000, Faults: &all, LivenessTicks: 1})
	require.NotNil(t, res.Failure)
	assert.Equal(t, "liveness", res.Failure.Phase)
	assert.Contains(t, res.Failure.What, "still unanswered")
}

// forgetful is a broken store: every Get answers as an empty store would.
// The replicas agree on it, so only the history check can catch it.
func forgetful() runtime.StateMachine {
	s := store.New()
	return runtime.StateMachineFunc(func(b []byte) []byte {
		if op, err := store.Decode(b); err == nil && op.Kind == store.Get {
			return store.New().Apply(b)
		}
		return s.Apply(b)
	})
}

// TestHistoryFailure: porcupine catches a service that does not keep what
// it acknowledged.
func TestHistoryFailure(t *testing.T) {
	none := sim.Faults{}
	res := sim.Run(sim.Options{Seed: 1, Steps: 2000, Faults: &none, NewStateMachine: forgetful})
	require.NotNil(t, res.Failure)
	assert.Equal(t, "history", res.Failure.Phase)
	assert.Contains(t, res.Failure.What, "not linearizable")
}

// TestBeyondF: with more than f replicas down at once the cluster may
// stop, so only safety is checked, and it holds.
func TestBeyondF(t *testing.T) {
	faults := sim.Faults{Crash: true, CrashEvery: 100, RestartAfter: 1000}
	most := 0
	for seed := uint64(1); seed <= 5; seed++ {
		res := sim.Run(sim.Options{Seed: seed, Steps: 5000, Faults: &faults, BeyondF: true})
		require.Nil(t, res.Failure, "seed %d: %v", seed, res.Failure)
		most = max(most, res.MostDown)
	}
	assert.Greater(t, most, 1, "more than f of 3 were down at once")
	res := sim.Run(sim.Options{Seed: 1, Steps: 5000, Faults: &faults})
	require.Nil(t, res.Failure)
	assert.LessOrEqual(t, res.MostDown, 1, "without BeyondF at most f of 3 are down")
}

// BenchmarkSim reports simulated steps (events: ticks, deliveries,
// client timers, faults) per second of the safe protocol with every fault
// on, the invariants checked after every step, and of them the steps on
// which a replica's rule fired.
func BenchmarkSim(b *testing.B) {
	all := sim.All()
	steps, fired := 0, 0
	for i := range b.N {
		res := sim.Run(sim.Options{Seed: uint64(i + 1), Steps: 5000, Faults: &all})
		if res.Failure != nil {
			b.Fatalf("seed %d: %v", i+1, res.Failure)
		}
		steps += res.Steps
		fired += res.Fired
	}
	b.ReportMetric(float64(steps)/b.Elapsed().Seconds(), "steps/s")
	b.ReportMetric(float64(fired)/b.Elapsed().Seconds(), "rules/s")
	b.ReportMetric(0, "ns/op")
}

func ExampleRun() {
	none := sim.Faults{}
	res := sim.Run(sim.Options{Seed: 1, Steps: 1000, Faults: &none})
	fmt.Println(res.Failure == nil, res.Unknown)
	// Output: true 0
}

// serveReads counts the reads that primaries answered from their state
// under a lease; runtime.Tracer.
type serveReads struct{ n int }

func (s *serveReads) Step(node int, ev any, fired generated.Fired, mid, after *spec.Replica, effects []route.Effect, split int) {
	if fired.Rule == generated.RuleServeRead {
		s.n++
	}
}

// TestLeaseReads: with leases of 12 ticks, primaries answer gets from
// their state, without a round of Prepares, under every fault, clocks
// drifting by 10% included; every invariant holds after every step and
// every history is linearizable.
func TestLeaseReads(t *testing.T) {
	all := sim.All()
	served := 0
	for seed := uint64(1); seed <= 10; seed++ {
		var count serveReads
		res := sim.Run(sim.Options{Seed: seed, Steps: 5000, Spec: spec.Config{Lease: 12}, Faults: &all, Trace: &count})
		require.Nil(t, res.Failure, "seed %d: %v", seed, res.Failure)
		served += count.n
		t.Logf("seed %d: %d operations, %d reads answered under a lease, view %d", seed, res.Ops, count.n, res.Views)
	}
	require.Positive(t, served, "no primary answered a read under a lease")
}

// TestCatchesLeaseWithoutMargin: leases whose promises assume clocks that
// do not drift, on clocks that drift by 30%, let an old primary answer a
// read after a new view has committed a write; the checks catch it.
func TestCatchesLeaseWithoutMargin(t *testing.T) {
	faults := sim.Faults{Partition: true, PartitionEvery: 300, Drift: 0.3}
	for seed := uint64(1); seed <= 100; seed++ {
		res := sim.Run(sim.Options{Seed: seed, Steps: 10000, Spec: spec.Config{Lease: 30}, ClockDrift: 1e-9, Faults: &faults})
		if res.Failure == nil {
			continue
		}
		require.True(t, strings.Contains(res.Failure.What, "LeaseReadsCurrent") || res.Failure.Phase == "history",
			"seed %d: %v", seed, res.Failure)
		t.Logf("seed %d: %v", seed, res.Failure)
		for safe := uint64(1); safe <= seed; safe++ {
			res := sim.Run(sim.Options{Seed: safe, Steps: 10000, Spec: spec.Config{Lease: 30}, Faults: &faults})
			require.Nil(t, res.Failure, "the right margin on seed %d: %v", safe, res.Failure)
		}
		return
	}
	t.Fatal("no seed of 100 broke leases without a margin")
}

// TestReconfigurations: under every fault, the administrator changes the
// group of five replicas every 300 ms or so, to groups of three or five
// of those up; replicas left out shut down and are started again later.
// Every invariant holds after every step, every history is linearizable,
// and the cluster answers every client in the liveness phase.
func TestReconfigurations(t *testing.T) {
	faults := sim.All()
	faults.Reconfigure, faults.ReconfigureEvery = true, 300
	total := 0
	var epoch spec.EpochNumber
	for seed := uint64(1); seed <= 10; seed++ {
		res := sim.Run(sim.Options{Seed: seed, Steps: 5000, Faults: &faults})
		require.Nil(t, res.Failure, "seed %d: %v", seed, res.Failure)
		total += res.Reconfigurations
		epoch = max(epoch, res.Epoch)
		t.Logf("seed %d: %d operations, %d crashes, %d reconfigurations seen, epoch %d, view %d", seed, res.Ops, res.Crashes,
			res.Reconfigurations, res.Epoch, res.Views)
	}
	require.Greater(t, total, 10, "too few reconfigurations committed")
	require.Greater(t, epoch, spec.EpochNumber(2))
}
