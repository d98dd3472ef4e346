package sim

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Faults says which faults a run injects and how strongly. Probabilities
// are per message; times are in simulated milliseconds.
type Faults struct {
	// Loss drops a message, up to 0.3.
	Loss float64
	// Duplicate delivers a message twice.
	Duplicate float64
	// Delay holds a message back for up to DelayMax ms more than the
	// network's usual latency, which reorders it.
	Delay    float64
	DelayMax int
	// Replay delivers a copy of a message between replicas once more,
	// up to ReplayMax ms later: a stale message from an earlier view, or
	// from before its sender crashed and recovered.
	Replay    float64
	ReplayMax int
	// Partition changes the network's partition every PartitionEvery ms
	// on average: healed, a symmetric split, a one-way cut, one replica
	// isolated, or the primary isolated.
	Partition      bool
	PartitionEvery int
	// Clog clogs a link between two replicas, one way, every ClogEvery ms
	// on average, for up to ClogFor ms: every message on it is lost. A
	// clog is shorter than a partition and hits one link, so that a
	// replica misses some of a round's messages and not the others.
	Clog               bool
	ClogEvery, ClogFor int
	// Crash crashes a replica every CrashEvery ms on average, at most f
	// down at once unless the run checks safety only, and restarts one
	// that is down after up to RestartAfter ms.
	Crash        bool
	CrashEvery   int
	RestartAfter int
	// Drift makes each replica's clock run up to that fraction fast or
	// slow.
	Drift float64
	// Latency is the most a message takes in the network without a
	// delay, in µs; 500 when zero. A slow network lets the protocol's
	// rounds overlap its timeouts.
	Latency int
	// Reconfigure has the administrator change the group about every
	// ReconfigureEvery ms (VR Revisited 7): to a group of three, or of
	// five when there are that many replicas, of replicas that are up.
	// A run that draws it has five replicas unless Options say, the
	// first group three of them. No replica crashes while a
	// reconfiguration is outstanding, so that the group it makes has
	// every member up when it starts.
	Reconfigure      bool
	ReconfigureEvery int
}

// Swarm draws a fault mix from rng, as swarm testing does: each fault on
// or off, and when on, how strong, so that many seeds cover many mixes.
func Swarm(rng *rand.Rand) Faults {
	var f Faults
	on := func() bool { return rng.IntN(2) == 0 }
	if on() {
		f.Loss = 0.3 * rng.Float64()
	}
	if on() {
		f.Duplicate = 0.1 * rng.Float64()
	}
	if on() {
		// Most delays are short; some hold a message back across view
		// changes, crashes and recoveries.
		f.Delay, f.DelayMax = 0.3*rng.Float64(), 1+rng.IntN(1+rng.IntN(2000))
	}
	if on() {
		f.Replay, f.ReplayMax = 0.05*rng.Float64(), 1+rng.IntN(3000)
	}
	if on() {
		f.Partition, f.PartitionEvery = true, 50+rng.IntN(1000)
	}
	if on() {
		f.Clog, f.ClogEvery, f.ClogFor = true, 1+rng.IntN(50), 1+rng.IntN(400)
	}
	if on() {
		f.Crash, f.CrashEvery, f.RestartAfter = true, 100+rng.IntN(2000), 1+rng.IntN(1000)
	}
	if on() {
		f.Drift = 0.2 * rng.Float64()
	}
	if on() {
		f.Latency = 500 + rng.IntN(10000)
	}
	return f
}

// All turns every fault on, each at a middling strength.
func All() Faults {
	return Faults{Loss: 0.1, Duplicate: 0.05, Delay: 0.1, DelayMax: 100, Replay: 0.01, ReplayMax: 1000, Partition: true, PartitionEvery: 1000,
		Clog: true, ClogEvery: 20, ClogFor: 50,
		Crash: true, CrashEvery: 1500, RestartAfter: 500, Drift: 0.1}
}

func (f Faults) String() string {
	var parts []string
	if f.Loss > 0 {
		parts = append(parts, fmt.Sprintf("loss %.2f", f.Loss))
	}
	if f.Duplicate > 0 {
		parts = append(parts, fmt.Sprintf("duplicate %.2f", f.Duplicate))
	}
	if f.Delay > 0 {
		parts = append(parts, fmt.Sprintf("delay %.2f up to %dms", f.Delay, f.DelayMax))
	}
	if f.Replay > 0 {
		parts = append(parts, fmt.Sprintf("replay %.3f up to %dms later", f.Replay, f.ReplayMax))
	}
	if f.Partition {
		parts = append(parts, fmt.Sprintf("partitions every %dms", f.PartitionEvery))
	}
	if f.Clog {
		parts = append(parts, fmt.Sprintf("clogs every %dms for up to %dms", f.ClogEvery, f.ClogFor))
	}
	if f.Crash {
		parts = append(parts, fmt.Sprintf("crashes every %dms, restarts within %dms", f.CrashEvery, f.RestartAfter))
	}
	if f.Drift > 0 {
		parts = append(parts, fmt.Sprintf("drift %.2f", f.Drift))
	}
	if f.Latency > 0 {
		parts = append(parts, fmt.Sprintf("latency up to %dµs", f.Latency))
	}
	if f.Reconfigure {
		parts = append(parts, fmt.Sprintf("reconfigurations every %dms", f.ReconfigureEvery))
	}
	if len(parts) == 0 {
		return "no faults"
	}
	return strings.Join(parts, ", ")
}
