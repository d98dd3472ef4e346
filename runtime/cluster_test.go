package runtime_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/internal/loopback"
	"github.com/viewstamped/vsr/runtime"
	"github.com/viewstamped/vsr/spec"
)

// counter is a state machine that numbers the operations it applies: the
// result of an operation is its position, then the operation.
type counter struct {
	mu      sync.Mutex // the test reads applied from another goroutine
	applied [][]byte
}

func (c *counter) Apply(op []byte) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.applied = append(c.applied, append([]byte(nil), op...))
	return []byte(fmt.Sprintf("%d:%s", len(c.applied), op))
}

func (c *counter) ops() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][]byte(nil), c.applied...)
}

// cluster is a loopback cluster of counters.
type cluster struct {
	*loopback.Cluster
	t *testing.T
}

// fastTiming makes view changes take tens of milliseconds.
var fastTiming = loopback.FastTiming

func newCluster(t *testing.T, n int) *cluster {
	t.Helper()
	return &cluster{Cluster: loopback.New(t, n, func(int) runtime.StateMachine { return &counter{} }), t: t}
}

// machine returns replica i's current state machine.
func (c *cluster) machine(i int) *counter { return c.Machine(i).(*counter) }

// converged waits until every running replica has committed and executed
// the same operations, and returns them.
func (c *cluster) converged() [][]byte {
	c.t.Helper()
	c.Converged(func(i int) int { return len(c.machine(i).ops()) })
	var ops [][]byte
	c.Eventually("the state machines to agree", func() bool {
		ops = nil
		for i := range c.Addrs {
			if c.Server(i) == nil {
				continue
			}
			got := c.machine(i).ops()
			if ops != nil && fmt.Sprint(ops) != fmt.Sprint(got) {
				return false
			}
			ops = got
		}
		return true
	})
	return ops
}

func (c *cluster) client(sessions int) *runtime.Client {
	return c.Client(sessions, 50*time.Millisecond)
}

func do(t *testing.T, cl *runtime.Client, op string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := cl.Do(ctx, []byte(op))
	require.NoError(t, err, op)
	return string(res)
}

// TestNormalOperation runs requests through a 3-replica cluster and
// requires each result to be the state machine's, and every replica to
// execute the same operations once each, in the same order.
func TestNormalOperation(t *testing.T) {
	c := newCluster(t, 3)
	cl := c.client(1)
	for i := 1; i <= 20; i++ {
		require.Equal(t, fmt.Sprintf("%d:op%d", i, i), do(t, cl, "op"+strconv.Itoa(i)))
	}
	ops := c.converged()
	require.Len(t, ops, 20)
	for i := range 3 {
		r, stats := c.Replica(i)
		require.Equal(t, spec.ViewNumber(0), r.View)
		require.Zero(t, stats.Rejected)
	}
}

// load runs clients sessions writing unique operations until stop is
// closed, and returns the operations acknowledged, each with its result.
func load(t *testing.T, cl *runtime.Client, sessions int, stop chan struct{}) func() map[string]string {
	var mu sync.Mutex
	acked := map[string]string{}
	var wg sync.WaitGroup
	for s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				op := fmt.Sprintf("s%d-%d", s, n)
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				res, err := cl.Do(ctx, []byte(op))
				cancel()
				if err == nil {
					mu.Lock()
					acked[op] = string(res)
					mu.Unlock()
				}
			}
		}()
	}
	return func() map[string]string {
		wg.Wait()
		return acked
	}
}

// requireAcked checks that every acknowledged operation is in the
// replicas' history, once, at the position its result names.
func requireAcked(t *testing.T, ops [][]byte, acked map[string]string) {
	t.Helper()
	at := map[string]int{}
	for i, op := range ops {
		_, dup := at[string(op)]
		require.False(t, dup, "operation %s executed twice", op)
		at[string(op)] = i + 1
	}
	for op, res := range acked {
		pos, ok := at[op]
		require.True(t, ok, "acknowledged operation %s is lost", op)
		require.Equal(t, fmt.Sprintf("%d:%s", pos, op), res, "the result of %s", op)
	}
}

// killPrimary kills the primary and waits for a new view; it returns the
// old primary, the new one and the new one's state when the view began.
func (c *cluster) killPrimary() (old, p int, before spec.Replica) {
	c.t.Helper()
	old = c.Primary()
	c.Kill(old)
	c.Eventually("a new view", func() bool {
		p := c.Primary()
		r, _ := c.Replica(p)
		return p != old && r.View > 0
	})
	p = c.Primary()
	before, _ = c.Replica(p)
	return old, p, before
}

// TestPrimaryKilled kills the primary while clients write: the others
// start a new view and keep serving, and no acknowledged operation is
// lost or executed twice.
func TestPrimaryKilled(t *testing.T) {
	c := newCluster(t, 3)
	cl := c.client(8)
	stop := make(chan struct{})
	wait := load(t, cl, 8, stop)
	c.Eventually("some operations to commit", func() bool { r, _ := c.Replica(0); return r.CommitNumber >= 50 })
	old, p, before := c.killPrimary()
	c.Eventually("the new primary to commit more", func() bool { r, _ := c.Replica(p); return r.CommitNumber >= before.CommitNumber+50 })
	close(stop)
	acked := wait()
	ops := c.converged()
	t.Logf("%d operations acknowledged, %d executed; the primary %d was killed at op %d, view %d follows",
		len(acked), len(ops), old, before.CommitNumber, before.View)
	requireAcked(t, ops, acked)
}

// TestRecoverFromNothing kills a backup, writes on, and starts it again
// with no state: it recovers through the protocol, rebuilds its state
// machine from the log, and then takes part as before.
func TestRecoverFromNothing(t *testing.T) {
	c := newCluster(t, 3)
	cl := c.client(4)
	for i := range 10 {
		do(t, cl, fmt.Sprintf("a%d", i))
	}
	backup := (c.Primary() + 1) % 3
	c.Kill(backup)
	for i := range 10 {
		do(t, cl, fmt.Sprintf("b%d", i))
	}
	c.Start(backup, false)
	c.Eventually("the backup to recover", func() bool {
		r, _ := c.Replica(backup)
		return r.Status == spec.Normal && r.CommitNumber >= 20
	})
	for i := range 10 {
		do(t, cl, fmt.Sprintf("c%d", i))
	}
	ops := c.converged()
	require.Len(t, ops, 30)
	require.Equal(t, fmt.Sprint(ops), fmt.Sprint(c.machine(backup).ops()), "the recovered replica's state machine")
	r, _ := c.Replica(backup)
	require.Equal(t, uint32(1), r.CrashVector[backup], "a new incarnation")
}

// TestBootstrapAfterRunning restarts a replica that asks to bootstrap a
// new cluster while the others run: it recovers instead, since starting
// as new could lose acknowledged operations.
func TestBootstrapAfterRunning(t *testing.T) {
	c := newCluster(t, 3)
	cl := c.client(1)
	for i := range 5 {
		do(t, cl, fmt.Sprintf("a%d", i))
	}
	backup := (c.Primary() + 2) % 3
	c.Kill(backup)
	c.Start(backup, true)
	c.Eventually("the backup to recover", func() bool {
		r, _ := c.Replica(backup)
		return r.Status == spec.Normal && r.CommitNumber >= 5
	})
	r, _ := c.Replica(backup)
	require.Equal(t, uint32(1), r.CrashVector[backup], "it went through recovery")
}

// TestRetriesExecuteOnce resends every request many times before its
// reply can arrive: each operation still executes once.
func TestRetriesExecuteOnce(t *testing.T) {
	c := newCluster(t, 3)
	cl, err := runtime.NewClient(runtime.ClientConfig{ClusterID: c.ID, Addrs: c.Addrs, Sessions: 4, Resend: 100 * time.Microsecond})
	require.NoError(t, err)
	defer cl.Close()
	var wg sync.WaitGroup
	for s := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range 25 {
				do(t, cl, fmt.Sprintf("s%d-%d", s, n))
			}
		}()
	}
	wg.Wait()
	ops := c.converged()
	require.Len(t, ops, 100, "every operation once")
	requireAcked(t, ops, map[string]string{})
}

// TestPartitionHeals cuts the primary off: the others elect a new one and
// serve; once the partition heals, the old primary joins the new view and
// catches up.
func TestPartitionHeals(t *testing.T) {
	c := newCluster(t, 3)
	cl := c.client(2)
	for i := range 10 {
		do(t, cl, fmt.Sprintf("a%d", i))
	}
	old := c.Primary()
	c.Partition(old)
	for i := range 10 {
		do(t, cl, fmt.Sprintf("b%d", i))
	}
	p := c.Primary()
	require.NotEqual(t, old, p)
	c.Partition()
	for i := range 10 {
		do(t, cl, fmt.Sprintf("c%d", i))
	}
	ops := c.converged()
	require.Len(t, ops, 30)
	r, _ := c.Replica(old)
	require.Greater(t, r.View, spec.ViewNumber(0))
}

// TestLocalClient: a client beside a replica hands it requests without a
// connection. Beside the primary, every operation goes that way; beside a
// backup, they go over the network to the primary, and after the primary
// is killed, to the next one, which may be the local replica. Each
// operation executes once, whichever way it went, and the caller may
// reuse its buffer once Do returns.
func TestLocalClient(t *testing.T) {
	c := newCluster(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	do := func(cl *runtime.Client, n int, prefix string) {
		t.Helper()
		op := make([]byte, 0, 16)
		for i := range n {
			op = strconv.AppendInt(append(op[:0], prefix...), int64(i), 10)
			_, err := cl.Do(ctx, op)
			require.NoError(t, err)
		}
	}
	for _, local := range []int{0, 1} {
		cl, err := runtime.NewClient(runtime.ClientConfig{ClusterID: c.ID, Addrs: c.Addrs, Sessions: 4,
			Resend: 50 * time.Millisecond, Local: c.Server(local)})
		require.NoError(t, err)
		defer cl.Close()
		do(cl, 50, "local"+strconv.Itoa(local)+"-")
	}
	cl, err := runtime.NewClient(runtime.ClientConfig{ClusterID: c.ID, Addrs: c.Addrs, Sessions: 4,
		Resend: 50 * time.Millisecond, Local: c.Server(1)})
	require.NoError(t, err)
	defer cl.Close()
	c.Kill(0)
	do(cl, 20, "after-")
	ops := c.converged()
	require.Len(t, ops, 120)
	seen := map[string]bool{}
	for _, op := range ops {
		require.False(t, seen[string(op)], "executed twice: %s", op)
		seen[string(op)] = true
	}
	require.True(t, seen["local0-49"] && seen["local1-0"] && seen["after-19"], "%q", ops)

	other := loopback.New(t, 3, func(int) runtime.StateMachine { return &counter{} })
	_, err = runtime.NewClient(runtime.ClientConfig{ClusterID: c.ID, Addrs: c.Addrs, Local: other.Server(0)})
	require.ErrorContains(t, err, "another cluster")
}
