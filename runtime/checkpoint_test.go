package runtime_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/internal/loopback"
	"github.com/viewstamped/vsr/runtime"
	"github.com/viewstamped/vsr/spec"
	"github.com/viewstamped/vsr/wire"
)

// snapCounter is a counter whose state is its history, which snapshots
// hold whole: a replica that installs a checkpoint has every operation
// before it, so the tests can compare histories across replicas.
type snapCounter struct{ counter }

func (c *snapCounter) Snapshot() []byte {
	var b []byte
	for _, op := range c.ops() {
		b = wire.AppendBytes(b, op)
	}
	return b
}

func (c *snapCounter) Restore(b []byte) error {
	var ops [][]byte
	for d := wire.NewDecoder(b); len(d.Tail()) > 0; {
		op := d.Bytes()
		if err := d.Err(); err != nil {
			return err
		}
		ops = append(ops, op)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.applied = ops
	return nil
}

// checkpointCluster is a cluster of snapCounters that take a checkpoint
// every interval operations, send view changes at most 4 entries and
// messages to replicas in chunks of chunk bytes.
func checkpointCluster(t *testing.T, interval uint32, chunk int) *cluster {
	t.Helper()
	lc := loopback.New(t, 3, func(int) runtime.StateMachine { return &snapCounter{} }, func(c *loopback.Cluster) {
		c.Configure = func(cfg *runtime.Config) {
			cfg.Spec.CheckpointInterval, cfg.Spec.ViewChangeLog = interval, 4
			cfg.ChunkSize = chunk
		}
	})
	return &cluster{Cluster: lc, t: t}
}

func (c *cluster) snapMachine(i int) *snapCounter { return c.Machine(i).(*snapCounter) }

// TestCheckpointRecovery: replicas take checkpoints and discard their logs
// while clients write; a backup killed and started again with nothing
// catches up through the primary's checkpoint, whose snapshot travels in
// chunks, then the primary is killed and the others go on. Every
// acknowledged operation is in every history, once, where its result says.
func TestCheckpointRecovery(t *testing.T) {
	const interval = 16
	c := checkpointCluster(t, interval, 64)
	cl := c.client(4)
	stop := make(chan struct{})
	wait := load(t, cl, 4, stop)
	c.Eventually("a few checkpoints", func() bool { r, _ := c.Replica(0); return r.Checkpoint.Op >= 4*interval })
	backup := (c.Primary() + 1) % 3
	c.Kill(backup)
	c.Eventually("more checkpoints", func() bool {
		r, _ := c.Replica(c.Primary())
		return r.Checkpoint.Op >= 10*interval
	})
	assembled := c.Server(c.Primary()).Counters().Assembled + c.Server(3-c.Primary()-backup).Counters().Assembled
	c.Start(backup, false)
	c.Eventually("the backup to install a checkpoint", func() bool {
		r, _ := c.Replica(backup)
		return r.Checkpoint.Op >= 10*interval && r.CommitNumber > r.Checkpoint.Op
	})
	require.Positive(t, c.Server(backup).Counters().Assembled, "the snapshot came in chunks")
	_, p, before := c.killPrimary()
	c.Eventually("the new primary to commit and checkpoint more", func() bool {
		r, _ := c.Replica(p)
		return r.Checkpoint.Op >= before.CommitNumber+2*interval
	})
	close(stop)
	acked := wait()
	c.Converged(func(i int) int { return len(c.snapMachine(i).ops()) })
	var ops [][]byte
	for i := range 3 {
		if c.Server(i) == nil {
			continue
		}
		r, _ := c.Replica(i)
		require.Positive(t, r.LogStart, "replica %d discarded its log", i)
		require.LessOrEqual(t, len(r.Log), 2*interval+int(runtime.DefaultBatch*runtime.DefaultPipeline), "replica %d", i)
		got := c.snapMachine(i).ops()
		if ops != nil {
			require.Equal(t, fmt.Sprint(ops), fmt.Sprint(got), "replica %d", i)
		}
		ops = got
	}
	t.Logf("%d operations acknowledged, %d executed; %d messages assembled from chunks before the restart", len(acked), len(ops), assembled)
	requireAcked(t, ops, acked)
}

// TestBadSnapshotRejected: a message whose checkpoint's snapshot does not
// restore is refused and counted before any rule sees it; one whose
// snapshot restores is installed, with the state machine restored from it.
func TestBadSnapshotRejected(t *testing.T) {
	var net held
	n, err := runtime.NewNode(runtime.NodeConfig{
		Spec: spec.Config{Replicas: 3, CheckpointInterval: 4}, Index: 2, Timing: runtime.DefaultTiming,
		NewStateMachine: func() runtime.StateMachine { return &badSnapshots{} },
	}, runtime.NewCluster, &net, rand.New(rand.NewPCG(1, 2)))
	require.NoError(t, err)
	r := n.Replica()
	// Replica 2 lags in view 0 and asks; the primary answers with its
	// checkpoint at op 4 and one entry after it.
	ns := spec.NewState{View: 0, After: 4, Log: []spec.Request{{Op: []byte("e"), Client: 1, Request: 5}}, Op: 5, Commit: 4,
		Checkpoint: spec.Checkpoint{Op: 4, State: []byte("garbage")}, CrashVector: zeroVector}
	err = n.Step(0, ns)
	require.ErrorContains(t, err, "the snapshot of its checkpoint at op 4: not a snapshot")
	require.Equal(t, uint64(1), n.Stats().Rejected)
	require.Zero(t, r.OpNumber)

	ns.Checkpoint.State = []byte("ok4")
	require.NoError(t, n.Step(0, ns))
	require.Equal(t, spec.OpNumber(4), r.Checkpoint.Op)
	require.Equal(t, spec.OpNumber(5), r.OpNumber)
	require.Equal(t, "ok4", string(n.StateMachine().(*badSnapshots).restored))
}

// badSnapshots takes a snapshot of "ok" and its operations' count, and
// restores only snapshots that begin with "ok".
type badSnapshots struct {
	counter
	restored []byte
}

func (b *badSnapshots) Snapshot() []byte { return fmt.Appendf(nil, "ok%d", len(b.ops())) }

func (b *badSnapshots) Restore(state []byte) error {
	if !strings.HasPrefix(string(state), "ok") {
		return errors.New("not a snapshot")
	}
	b.restored = state
	return nil
}
