package trace_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/examples/kv/store"
	"github.com/viewstamped/vsr/generated"
	"github.com/viewstamped/vsr/internal/loopback"
	"github.com/viewstamped/vsr/internal/tlc"
	"github.com/viewstamped/vsr/runtime"
	"github.com/viewstamped/vsr/sim"
	"github.com/viewstamped/vsr/spec"
	"github.com/viewstamped/vsr/trace"
)

// simTrace records a short simulated run with every fault on: crashes,
// restarts, view changes and state transfers.
func simTrace(t *testing.T, seed uint64) (trace.Header, []trace.Line) {
	t.Helper()
	faults := sim.All()
	faults.CrashEvery = 300
	rec := trace.NewRecorder(spec.Config{Replicas: 3})
	res := sim.Run(sim.Options{Seed: seed, Steps: 1500, Clients: 2, Faults: &faults, Trace: rec})
	require.Nil(t, res.Failure)
	h, lines, err := rec.Trace()
	require.NoError(t, err)
	count := actions(lines)
	require.Positive(t, count["CrashReplica"], "the run must crash a replica")
	require.Positive(t, count["StartNewView"], "the run must change views")
	t.Logf("seed %d: %d lines, %d crashes, view %d, %d operations", seed, len(lines), res.Crashes, res.Views, res.Ops)
	return h, lines
}

func actions(lines []trace.Line) map[string]int {
	count := map[string]int{}
	for _, l := range lines {
		count[l.Action]++
	}
	return count
}

// TestRunTraceOfBatching records a simulated run whose primaries batch, up
// to 3 requests to a Prepare with 1 outstanding, under every fault and
// across a view change, and requires both validators to accept it: the
// header says the nodes' batching, and backups took batches of more than
// one request.
func TestRunTraceOfBatching(t *testing.T) {
	faults := sim.All()
	rec := trace.NewRecorder(spec.Config{Replicas: 3})
	res := sim.Run(sim.Options{Seed: 9, Steps: 1500, Clients: 4, Spec: spec.Config{Batch: 3, Pipeline: 1}, Faults: &faults, Trace: rec})
	require.Nil(t, res.Failure)
	h, lines, err := rec.Trace()
	require.NoError(t, err)
	require.Equal(t, 3, h.Options.Batch)
	require.Equal(t, 1, h.Options.Pipeline)
	batches := 0
	for _, l := range lines {
		var m struct{ Requests []json.RawMessage }
		if l.Action == "ReceivePrepare" && json.Unmarshal(l.Args, &m) == nil && len(m.Requests) > 1 {
			batches++
		}
	}
	require.Positive(t, batches, "no backup took a batch of more than one request")
	require.Positive(t, res.Views, "the run must change views")
	t.Logf("%d lines, %d of them a backup taking a batch, %d operations, view %d", len(lines), batches, res.Ops, res.Views)
	rej, err := trace.Validate(h, lines)
	require.NoError(t, err)
	require.Nil(t, rej, "%s", rej)
	if jar, _ := tlc.Jar(); jar != "" {
		requireTLC(t, jar, writeTrace(t, t.TempDir(), "accept-batching.ndjson", h, lines), nil)
	}
}

// TestRunTraceOfCheckpoints records a simulated run whose replicas take a
// checkpoint every 4 operations and send one log entry in view changes,
// under every fault with crashes, and requires both validators to accept
// it: replicas discarded log entries, installed checkpoints that
// messages carried, with the key-value store's snapshots, and fetched
// what view change messages left out.
func TestRunTraceOfCheckpoints(t *testing.T) {
	faults := sim.All()
	faults.CrashEvery = 300
	rec := trace.NewRecorder(spec.Config{Replicas: 3})
	res := sim.Run(sim.Options{Seed: 9, Steps: 3000, Clients: 3, Spec: spec.Config{CheckpointInterval: 4, ViewChangeLog: 1},
		Faults: &faults, Trace: rec})
	require.Nil(t, res.Failure)
	h, lines, err := rec.Trace()
	require.NoError(t, err)
	require.Equal(t, 4, h.Options.Checkpoint)
	require.Equal(t, 1, h.Options.ViewChangeLog)
	installs, discarded := 0, false
	for _, l := range lines {
		var m struct{ Checkpoint struct{ Op, State any } }
		if json.Unmarshal(l.Args, &m) == nil && m.Checkpoint.Op != nil && m.Checkpoint.Op != float64(0) && m.Checkpoint.State != "" {
			installs++
		}
		var st struct{ LogStart int }
		if json.Unmarshal(l.State, &st) == nil && st.LogStart > 0 {
			discarded = true
		}
	}
	count := actions(lines)
	require.True(t, discarded, "no replica discarded log entries")
	require.Positive(t, installs, "no line consumed a message with a checkpoint")
	require.Positive(t, count["FetchStartView"], "no backup fetched a StartView's log")
	require.Positive(t, count["FetchDoViewChange"], "no new primary fetched a DoViewChange's log")
	t.Logf("%d lines, %d consume a checkpoint, %d FetchStartView, %d FetchDoViewChange, %d crashes, view %d, %d operations",
		len(lines), installs, count["FetchStartView"], count["FetchDoViewChange"], res.Crashes, res.Views, res.Ops)
	rej, err := trace.Validate(h, lines)
	require.NoError(t, err)
	require.Nil(t, rej, "%s", rej)
	if jar, _ := tlc.Jar(); jar != "" {
		requireTLC(t, jar, writeTrace(t, t.TempDir(), "accept-checkpoints.ndjson", h, lines), nil)
	}
}

// TestRecorderRefusesMixedBatching: the header says one batching for the
// whole run, so a node whose batching differs from the first step's is an
// error of the recording.
func TestRecorderRefusesMixedBatching(t *testing.T) {
	rec := trace.NewRecorder(spec.Config{Replicas: 3})
	ev := &spec.CommitTimeout{}
	fired := generated.Fired{Rule: generated.RuleSendCommit}
	r := spec.NewReplica(spec.Config{Replicas: 3, Batch: 4, Pipeline: 2}, 0)
	rec.Step(0, ev, fired, nil, &r, nil, 0)
	h, _, err := rec.Trace()
	require.NoError(t, err)
	require.Equal(t, 4, h.Options.Batch)
	require.Equal(t, 2, h.Options.Pipeline)
	other := spec.NewReplica(spec.Config{Replicas: 3, Batch: 8, Pipeline: 2}, 0)
	rec.Step(0, ev, fired, nil, &other, nil, 0)
	_, _, err = rec.Trace()
	require.ErrorContains(t, err, "batch 8, pipeline 2, checkpoint 0, view change log 0: the run's first step had 4, 2, 0 and 0")
}

// runMutation is a deliberately broken run trace and what the Go
// validator must say of it.
type runMutation struct {
	name   string
	mutate func(t *testing.T, lines []trace.Line) []trace.Line
	reason string
}

var runMutations = []runMutation{
	// The state check.
	{"commit-changed", changeCommit, "state differs from the spec's: commitNumber"},
	// The network check: a Prepare delivered before the request that makes
	// the primary send it.
	{"swapped-lines", swapLines, "no line before it sent replica"},
	// The restart of a replica that the trace never crashed.
	{"crash-dropped", func(t *testing.T, lines []trace.Line) []trace.Line {
		i := index(t, lines, "CrashReplica", 1)
		return restamp(slices.Delete(slices.Clone(lines), i, i+1), len(lines))
	}, "RestartReplica at replica"},
	// A replica that skips the first Prepare it took.
	{"prepare-dropped", dropLine, "at replica"},
}

// TestRunTraceOfSimulation records simulated runs and requires the Go
// validator, and TLC when TLA2TOOLS_JAR is set, to accept them, and to
// reject each mutation of one.
func TestRunTraceOfSimulation(t *testing.T) {
	jar, _ := tlc.Jar()
	dir := t.TempDir()
	for _, seed := range []uint64{1, 2} {
		h, lines := simTrace(t, seed)
		rej, err := trace.Validate(h, lines)
		require.NoError(t, err)
		require.Nil(t, rej, "%s", rej)
		if jar != "" {
			requireTLC(t, jar, writeTrace(t, dir, fmt.Sprintf("accept-sim-%d.ndjson", seed), h, lines), nil)
		}
	}
	h, lines := simTrace(t, 1)
	for _, m := range runMutations {
		t.Run(m.name, func(t *testing.T) {
			broken := m.mutate(t, lines)
			rej, err := trace.Validate(h, broken)
			require.NoError(t, err)
			require.NotNil(t, rej, "the validator accepts the mutation")
			require.Contains(t, rej.Error(), m.reason)
			t.Logf("Go: %v", rej)
			if jar != "" {
				requireTLC(t, jar, writeTrace(t, dir, "reject-"+m.name+".ndjson", h, broken), rej)
			}
		})
	}
	t.Run("clock-not-after-send", func(t *testing.T) {
		// Lamport clocks are the Go validator's alone: a delivery whose
		// clock is not past its message's send.
		broken := slices.Clone(lines)
		i := index(t, broken, "ReceivePrepare", 1)
		broken[i].Clock = 1
		rej, err := trace.Validate(h, broken)
		require.NoError(t, err)
		require.NotNil(t, rej)
		require.Contains(t, rej.Error(), "clock")
	})
	if jar == "" {
		t.Logf("TLC skipped: %s is not set", tlc.JarEnv)
	}
}

// TestRunTraceOfLoopbackCluster records a run of three servers over
// loopback TCP, with a backup killed and recovered and then the primary
// killed, and requires the Go validator, and TLC when TLA2TOOLS_JAR is
// set, to accept it and to reject a mutation of it.
func TestRunTraceOfLoopbackCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("a cluster over TCP")
	}
	rec := trace.NewRecorder(spec.Config{Replicas: 3})
	c := loopback.New(t, 3, func(int) runtime.StateMachine { return store.New() }, func(c *loopback.Cluster) {
		c.Trace, c.Rand, c.Quiet = rec, &loopback.Counter{}, true
	})
	cl := c.Client(4, 50*time.Millisecond)
	do := func(n int, prefix string) {
		for i := range n {
			op := store.Op{Kind: store.Put, Key: fmt.Sprintf("k%d", i%3), Value: []byte(fmt.Sprintf("%s%d", prefix, i))}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_, err := cl.Do(ctx, op.Encode())
			cancel()
			require.NoError(t, err)
		}
	}
	do(20, "a")
	backup := (c.Primary() + 1) % 3
	c.Kill(backup)
	do(10, "b")
	c.Start(backup, false)
	c.Eventually("the backup to recover", func() bool { r, _ := c.Replica(backup); return r.Status == spec.Normal })
	do(10, "c")
	c.Kill(c.Primary())
	do(10, "d")
	c.Stop()
	h, lines, err := rec.Trace()
	require.NoError(t, err)
	count := actions(lines)
	require.Positive(t, count["CrashReplica"])
	require.Positive(t, count["StartNewView"])
	t.Logf("%d lines: %d requests, %d crashes, %d new views", len(lines), count["ReceiveRequest"], count["CrashReplica"], count["StartNewView"])
	rej, err := trace.Validate(h, lines)
	require.NoError(t, err)
	require.Nil(t, rej, "%s", rej)
	broken := changeCommit(t, lines)
	brokenRej, err := trace.Validate(h, broken)
	require.NoError(t, err)
	require.NotNil(t, brokenRej)
	if jar, _ := tlc.Jar(); jar != "" {
		dir := t.TempDir()
		requireTLC(t, jar, writeTrace(t, dir, "accept-loopback.ndjson", h, lines), nil)
		requireTLC(t, jar, writeTrace(t, dir, "reject-loopback.ndjson", h, broken), brokenRej)
	} else {
		t.Logf("TLC skipped: %s is not set", tlc.JarEnv)
	}
}

func writeTrace(t *testing.T, dir, name string, h trace.Header, lines []trace.Line) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, trace.Write(f, h, lines))
	require.NoError(t, f.Close())
	return path
}

// requireTLC requires TLC to accept the trace in file when rej is nil, and
// otherwise to reject it at the line the Go validator named, or for the
// second line of a quorum pair at the pair's first.
func requireTLC(t *testing.T, jar, file string, rej *trace.Rejection) {
	t.Helper()
	v, err := tlc.ValidateTrace(context.Background(), jar, file)
	require.NoError(t, err)
	accepted, why := v.Accepted, v.Why
	t.Logf("TLC on %s: accepted %v %s", filepath.Base(file), accepted, why)
	if rej == nil {
		require.True(t, accepted, "TLC: %s", why)
		return
	}
	require.False(t, accepted, "TLC accepts what Go rejects: %v", rej)
	require.Equal(t, rej.Broken, v.Broken, "TLC: %s; Go: %v", why, rej)
	if strings.HasPrefix(why, "line ") {
		var line int
		_, err := fmt.Sscanf(why, "line %d", &line)
		require.NoError(t, err)
		require.Contains(t, []int{rej.Line, rej.Line - 1}, line, "TLC: %s; Go: %v", why, rej)
	}
}

// TestRunTraceOfReconfigurations records a simulated run in which the
// administrator changes the group of five replicas again and again under
// every fault, and requires both validators to accept it: the header says
// the first group and the administrator, and the run has StartEpoch,
// EpochStarted and replicas that shut down.
func TestRunTraceOfReconfigurations(t *testing.T) {
	faults := sim.All()
	faults.CrashEvery = 600
	faults.Reconfigure, faults.ReconfigureEvery = true, 200
	o := sim.Options{Seed: 3, Steps: 2500, Clients: 2, Faults: &faults}
	rec := trace.NewRecorder(sim.SpecOf(o))
	o.Trace = rec
	res := sim.Run(o)
	require.Nil(t, res.Failure)
	h, lines, err := rec.Trace()
	require.NoError(t, err)
	count := actions(lines)
	t.Logf("%d lines, %d reconfigurations seen, epoch %d, %d crashes, view %d: %d ReceiveStartEpoch, %d ShutDown",
		len(lines), res.Reconfigurations, res.Epoch, res.Crashes, res.Views, count["ReceiveStartEpoch"], count["ShutDown"])
	require.Positive(t, count["ReceiveStartEpoch"], "the run must start an epoch at a replica from a StartEpoch")
	require.Positive(t, count["ShutDown"], "a replica must shut down")
	require.Equal(t, []int{0, 1, 2}, h.Options.Members)
	require.NotZero(t, h.Options.Admin)
	rej, err := trace.Validate(h, lines)
	require.NoError(t, err)
	require.Nil(t, rej, "%s", rej)
	if jar, _ := tlc.Jar(); jar != "" {
		requireTLC(t, jar, writeTrace(t, t.TempDir(), "accept-reconfigurations.ndjson", h, lines), nil)
	}
}
