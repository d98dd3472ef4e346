package main

import (
	"context"
	"fmt"
	"os"
	goruntime "runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/examples/kv/store"
	"github.com/viewstamped/vsr/internal/loopback"
	"github.com/viewstamped/vsr/runtime"
	"github.com/viewstamped/vsr/spec"
)

// memoryOps is how many operations TestMemoryIsBounded runs: 10^6 unless
// KV_MEMORY_OPS says otherwise.
func memoryOps(t *testing.T) int64 {
	if s := os.Getenv("KV_MEMORY_OPS"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		require.NoError(t, err, "KV_MEMORY_OPS")
		return n
	}
	return 1_000_000
}

// sample is what a memory run measures of the cluster at one point: the
// process's live heap after a collection, and each replica's log.
type sample struct {
	ops        int64
	heap       uint64
	logs, cuts []int
	views      spec.ViewNumber
}

// memoryKeys and memorySessions are the key space and the clients' load
// of a memory run.
const memoryKeys, memorySessions = 1000, 64

// noSnapshots is the store without snapshots: its replicas take no
// checkpoints and keep their whole logs.
type noSnapshots struct{ s *store.Store }

func (n noSnapshots) Apply(op []byte) []byte { return n.s.Apply(op) }

// memoryRun runs a 3-replica key-value store over loopback TCP through
// total writes of 64 bytes on memoryKeys keys, from memorySessions
// sessions, and samples it each tenth of the run. With restarts it kills
// the primary at 3/10 and 7/10 and a backup at 5/10, and starts each again
// with nothing; each must catch up through a checkpoint whose snapshot
// comes in chunks. Without snapshots, its replicas take no checkpoints.
func memoryRun(t *testing.T, total int64, snapshots, restarts bool) []sample {
	t.Helper()
	newSM := func(int) runtime.StateMachine { return store.New() }
	if !snapshots {
		newSM = func(int) runtime.StateMachine { return noSnapshots{store.New()} }
	}
	c := loopback.New(t, 3, newSM, func(c *loopback.Cluster) {
		c.Quiet = true
		c.Configure = func(cfg *runtime.Config) { cfg.ChunkSize = 4 << 10 }
	})
	cl := store.NewClient(c.Client(memorySessions, 200*time.Millisecond))
	value := make([]byte, 64)
	var done atomic.Int64
	var wg sync.WaitGroup
	for s := range memorySessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := s; done.Load() < total; n += memorySessions {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				if cl.Put(ctx, "k"+strconv.Itoa(n%memoryKeys), value) == nil {
					done.Add(1)
				}
				cancel()
			}
		}()
	}
	defer wg.Wait()

	measure := func() sample {
		goruntime.GC()
		var ms goruntime.MemStats
		goruntime.ReadMemStats(&ms)
		s := sample{ops: done.Load(), heap: ms.HeapAlloc}
		for i := range 3 {
			r, _ := c.Replica(i)
			s.logs, s.cuts = append(s.logs, len(r.Log)), append(s.cuts, int(r.LogStart))
			s.views = max(s.views, r.View)
		}
		return s
	}
	restart := func(i int, what string) {
		c.Kill(i)
		wait(t, &done, done.Load()+total/40)
		before, _ := c.Replica(c.Primary())
		c.Start(i, false)
		c.Eventually("the restarted replica to catch up", func() bool {
			r, _ := c.Replica(i)
			return r.Status == spec.Normal && r.CommitNumber >= before.CommitNumber
		})
		r, _ := c.Replica(i)
		require.GreaterOrEqual(t, r.Checkpoint.Op, before.LogStart, "replica %d did not catch up through a checkpoint", i)
		require.Positive(t, c.Server(i).Counters().Assembled, "replica %d's snapshot did not come in chunks", i)
		t.Logf("%s %d killed and started with nothing at %d operations: caught up from a checkpoint at op %d", what, i, before.CommitNumber, r.Checkpoint.Op)
	}
	var samples []sample
	for tenth := int64(1); tenth <= 10; tenth++ {
		wait(t, &done, tenth*total/10)
		switch {
		case !restarts:
		case tenth == 3 || tenth == 7:
			restart(c.Primary(), "the primary")
		case tenth == 5:
			restart((c.Primary()+1)%3, "a backup")
		}
		samples = append(samples, measure())
	}
	wg.Wait()
	commit := c.Converged(func(i int) int { r, _ := c.Replica(i); return int(r.CommitNumber) })
	if snapshots {
		snapshot := c.Machine(0).(*store.Store).Snapshot()
		for i := 1; i < 3; i++ {
			require.Equal(t, snapshot, c.Machine(i).(*store.Store).Snapshot(), "replica %d's store differs from replica 0's", i)
		}
		require.Equal(t, memoryKeys, c.Machine(0).(*store.Store).Len())
	}
	t.Logf("%d operations committed", commit)
	t.Logf("%10s %12s %6s %-20s %-26s", "operations", "live heap", "view", "log entries", "log starts")
	for _, s := range samples {
		t.Logf("%10d %9.1f MiB %6d %-20s %-26s", s.ops, float64(s.heap)/(1<<20), s.views, fmt.Sprint(s.logs), fmt.Sprint(s.cuts))
	}
	return samples
}

// flat checks that the samples of a run stay flat: every replica's log
// within two checkpoint intervals and what the primaries have in flight,
// and the live heap at most twice the second sample's, and 16 MiB.
func flat(samples []sample) error {
	logMax := 2*runtime.DefaultCheckpointInterval + runtime.DefaultBatch*runtime.DefaultPipeline
	base := samples[1]
	for _, s := range samples {
		for i, n := range s.logs {
			if n > logMax {
				return fmt.Errorf("replica %d's log holds %d entries at %d operations, more than %d", i, n, s.ops, logMax)
			}
		}
		if s.heap > 2*base.heap+16<<20 {
			return fmt.Errorf("the live heap is %d bytes at %d operations, against %d at %d", s.heap, s.ops, base.heap, base.ops)
		}
	}
	return nil
}

// TestMemoryIsBounded runs a million writes, with the default checkpoints
// (every runtime.DefaultCheckpointInterval operations) and view change
// logs, through a cluster whose primary is killed twice and a backup once
// along the way, each started again with nothing: the live heap and every
// replica's log stay flat while the operations grow tenfold, and every
// replica ends with the same store.
func TestMemoryIsBounded(t *testing.T) {
	total := memoryOps(t)
	samples := memoryRun(t, total, true, true)
	require.NoError(t, flat(samples))
	require.GreaterOrEqual(t, samples[len(samples)-1].ops, total)
	require.Positive(t, samples[len(samples)-1].views, "no view change")
}

// TestMemoryCheckCatchesGrowth shows flat rejecting a run whose replicas
// take no checkpoints, with a tenth of the writes: their logs grow with
// every operation.
func TestMemoryCheckCatchesGrowth(t *testing.T) {
	err := flat(memoryRun(t, memoryOps(t)/10, false, false))
	require.ErrorContains(t, err, "log holds")
}

// wait waits until done reaches n, for at most a minute.
func wait(t *testing.T, done *atomic.Int64, n int64) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); done.Load() < n; time.Sleep(5 * time.Millisecond) {
		require.True(t, time.Now().Before(deadline), "timed out at %d operations, waiting for %d", done.Load(), n)
	}
}
