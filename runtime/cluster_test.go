package runtime_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

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

// cluster is an in-process cluster over loopback TCP.
type cluster struct {
	t        *testing.T
	id       uint64
	addrs    []string
	servers  []*runtime.Server
	machines [][]*counter // every state machine each replica has had, the last one current
	cancels  []context.CancelFunc
	done     []chan error
	mu       sync.Mutex
	// partitioned holds the replicas cut off from the others.
	partitioned map[int]bool
}

// fastTiming makes view changes take tens of milliseconds.
var fastTiming = runtime.Timing{Heartbeat: 2, Election: 10, ViewChange: 10, ViewChangeMax: 80, Recovery: 5}

func newCluster(t *testing.T, n int) *cluster {
	t.Helper()
	c := &cluster{t: t, id: uint64(time.Now().UnixNano()), partitioned: map[int]bool{}}
	listeners := make([]net.Listener, n)
	for i := range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		listeners[i] = l
		c.addrs = append(c.addrs, l.Addr().String())
	}
	c.servers = make([]*runtime.Server, n)
	c.machines = make([][]*counter, n)
	c.cancels = make([]context.CancelFunc, n)
	c.done = make([]chan error, n)
	for i := range n {
		c.start(i, listeners[i], true)
	}
	t.Cleanup(c.stop)
	return c
}

// start starts replica i on listener l (a new one on its address when
// nil), bootstrapping a new cluster or recovering.
func (c *cluster) start(i int, l net.Listener, bootstrap bool) {
	c.t.Helper()
	if l == nil {
		var err error
		for range 50 { // the old listener's port may take a moment to free
			if l, err = net.Listen("tcp", c.addrs[i]); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		require.NoError(c.t, err)
	}
	s, err := runtime.NewServer(runtime.Config{
		ClusterID: c.id, Addrs: c.addrs, Index: i, Bootstrap: bootstrap, Listener: l,
		Log:  slog.New(slog.NewTextHandler(testLog{c.t}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Tick: 5 * time.Millisecond, Timing: fastTiming,
		NewStateMachine: func() runtime.StateMachine {
			m := &counter{}
			c.mu.Lock()
			c.machines[i] = append(c.machines[i], m)
			c.mu.Unlock()
			return m
		},
		DropTo: func(to int) bool {
			c.mu.Lock()
			defer c.mu.Unlock()
			return c.partitioned[i] != c.partitioned[to]
		},
	})
	require.NoError(c.t, err)
	ctx, cancel := context.WithCancel(context.Background())
	c.servers[i], c.cancels[i], c.done[i] = s, cancel, make(chan error, 1)
	go func(done chan error) { done <- s.Run(ctx) }(c.done[i])
}

// testLog writes a server's log lines to the test's log, shown when the
// test fails or runs with -v.
type testLog struct{ t *testing.T }

func (w testLog) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(b), "\n"))
	return len(b), nil
}

// kill stops replica i, as a crash of its process would: its state is
// gone.
func (c *cluster) kill(i int) {
	c.cancels[i]()
	require.NoError(c.t, <-c.done[i])
	c.servers[i] = nil
}

func (c *cluster) stop() {
	for i, s := range c.servers {
		if s != nil {
			c.kill(i)
		}
	}
}

// partition cuts the replicas in cut off from the others, or heals the
// cluster with none.
func (c *cluster) partition(cut ...int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.partitioned = map[int]bool{}
	for _, i := range cut {
		c.partitioned[i] = true
	}
}

func (c *cluster) client(sessions int) *runtime.Client {
	cl, err := runtime.NewClient(runtime.ClientConfig{ClusterID: c.id, Addrs: c.addrs, Sessions: sessions, Resend: 50 * time.Millisecond})
	require.NoError(c.t, err)
	c.t.Cleanup(func() { cl.Close() })
	return cl
}

// replica returns a copy of what replica i's node holds; a replica that
// is not running holds nothing, in status Crashed.
func (c *cluster) replica(i int) (r spec.Replica, stats runtime.Stats) {
	c.t.Helper()
	r.Status = spec.Crashed
	if c.servers[i] == nil {
		return r, stats
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.servers[i].Inspect(ctx, func(n *runtime.Node) {
		r, stats = *n.Replica(), n.Stats()
		r.Log = append([]spec.Request(nil), r.Log...)
	})
	return r, stats
}

// machine returns replica i's current state machine.
func (c *cluster) machine(i int) *counter {
	c.mu.Lock()
	defer c.mu.Unlock()
	ms := c.machines[i]
	return ms[len(ms)-1]
}

// eventually waits, for at most 10 seconds, until cond holds.
func (c *cluster) eventually(what string, cond func() bool) {
	c.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	require.FailNow(c.t, "timed out waiting: "+what)
}

// primary returns the replica that is primary of the newest normal view,
// once one is.
func (c *cluster) primary() int {
	c.t.Helper()
	p := -1
	c.eventually("a primary in normal status", func() bool {
		best := spec.ViewNumber(0)
		p = -1
		for i, s := range c.servers {
			c.mu.Lock()
			cut := c.partitioned[i]
			c.mu.Unlock()
			if s == nil || cut {
				continue
			}
			r, _ := c.replica(i)
			if r.Status == spec.Normal && int(r.Config.Primary(r.View)) == i && (p < 0 || r.View > best) {
				p, best = i, r.View
			}
		}
		return p >= 0
	})
	return p
}

// converged waits until every running replica has committed and executed
// the same operations, and returns them.
func (c *cluster) converged() [][]byte {
	c.t.Helper()
	var ops [][]byte
	c.eventually("the replicas to agree", func() bool {
		ops = nil
		for i, s := range c.servers {
			if s == nil {
				continue
			}
			r, _ := c.replica(i)
			got := c.machine(i).ops()
			if r.Status != spec.Normal || len(got) != int(r.CommitNumber) {
				return false
			}
			if ops == nil {
				ops = got
			} else if fmt.Sprint(ops) != fmt.Sprint(got) {
				return false
			}
		}
		return true
	})
	return ops
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
		r, stats := c.replica(i)
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

// TestPrimaryKilled kills the primary while clients write: the others
// start a new view and keep serving, and no acknowledged operation is
// lost or executed twice.
func TestPrimaryKilled(t *testing.T) {
	c := newCluster(t, 3)
	cl := c.client(8)
	stop := make(chan struct{})
	wait := load(t, cl, 8, stop)
	c.eventually("some operations to commit", func() bool { r, _ := c.replica(0); return r.CommitNumber >= 50 })
	old := c.primary()
	c.kill(old)
	c.eventually("a new view", func() bool {
		p := c.primary()
		r, _ := c.replica(p)
		return p != old && r.View > 0
	})
	p := c.primary()
	before, _ := c.replica(p)
	c.eventually("the new primary to commit more", func() bool { r, _ := c.replica(p); return r.CommitNumber >= before.CommitNumber+50 })
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
	backup := (c.primary() + 1) % 3
	c.kill(backup)
	for i := range 10 {
		do(t, cl, fmt.Sprintf("b%d", i))
	}
	c.start(backup, nil, false)
	c.eventually("the backup to recover", func() bool {
		r, _ := c.replica(backup)
		return r.Status == spec.Normal && r.CommitNumber >= 20
	})
	for i := range 10 {
		do(t, cl, fmt.Sprintf("c%d", i))
	}
	ops := c.converged()
	require.Len(t, ops, 30)
	require.Equal(t, fmt.Sprint(ops), fmt.Sprint(c.machine(backup).ops()), "the recovered replica's state machine")
	r, _ := c.replica(backup)
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
	backup := (c.primary() + 2) % 3
	c.kill(backup)
	c.start(backup, nil, true)
	c.eventually("the backup to recover", func() bool {
		r, _ := c.replica(backup)
		return r.Status == spec.Normal && r.CommitNumber >= 5
	})
	r, _ := c.replica(backup)
	require.Equal(t, uint32(1), r.CrashVector[backup], "it went through recovery")
}

// TestRetriesExecuteOnce resends every request many times before its
// reply can arrive: each operation still executes once.
func TestRetriesExecuteOnce(t *testing.T) {
	c := newCluster(t, 3)
	cl, err := runtime.NewClient(runtime.ClientConfig{ClusterID: c.id, Addrs: c.addrs, Sessions: 4, Resend: 100 * time.Microsecond})
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
	old := c.primary()
	c.partition(old)
	for i := range 10 {
		do(t, cl, fmt.Sprintf("b%d", i))
	}
	p := c.primary()
	require.NotEqual(t, old, p)
	c.partition()
	for i := range 10 {
		do(t, cl, fmt.Sprintf("c%d", i))
	}
	ops := c.converged()
	require.Len(t, ops, 30)
	r, _ := c.replica(old)
	require.Greater(t, r.View, spec.ViewNumber(0))
}
