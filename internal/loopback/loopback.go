// Package loopback runs a cluster of runtime servers in one process over
// loopback TCP, for tests and benchmarks: it starts and kills replicas,
// partitions them through the transport's fault hook, and inspects their
// nodes.
package loopback

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/runtime"
	"github.com/viewstamped/vsr/spec"
)

// FastTiming makes a view change take tens of milliseconds at a 5 ms tick.
var FastTiming = runtime.Timing{Heartbeat: 2, Election: 10, ViewChange: 10, ViewChangeMax: 80, Recovery: 5}

// Cluster is an in-process cluster over loopback TCP.
type Cluster struct {
	t     testing.TB
	ID    uint64
	Addrs []string
	// Tick and Timing are the servers'; Quiet sends their logs nowhere
	// instead of to the test's log.
	Tick   time.Duration
	Timing runtime.Timing
	Quiet  bool
	// Trace, when set, is every server's tracer; Rand, when set, is the
	// source of the servers' nonces and the clients' IDs (Counter keeps
	// them small, as a trace for TLC needs).
	Trace runtime.Tracer
	Rand  runtime.Rand
	// Configure, when set, changes each server's configuration before it
	// starts.
	Configure func(*runtime.Config)

	newSM    func(replica int) runtime.StateMachine
	servers  []*runtime.Server
	machines [][]runtime.StateMachine // every state machine each replica has had, the last one current
	cancels  []context.CancelFunc
	done     []chan error

	mu sync.Mutex
	// cut holds the replicas cut off from the others.
	cut map[int]bool
}

// New starts a cluster of n replicas, each bootstrapping the new cluster,
// with state machines from newSM. Options change the cluster before it
// starts. The cluster stops when the test ends.
func New(t testing.TB, n int, newSM func(replica int) runtime.StateMachine, options ...func(*Cluster)) *Cluster {
	t.Helper()
	c := &Cluster{t: t, ID: uint64(time.Now().UnixNano()), Tick: 5 * time.Millisecond, Timing: FastTiming,
		newSM: newSM, cut: map[int]bool{}}
	for _, o := range options {
		o(c)
	}
	listeners := make([]net.Listener, n)
	for i := range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		listeners[i] = l
		c.Addrs = append(c.Addrs, l.Addr().String())
	}
	c.servers = make([]*runtime.Server, n)
	c.machines = make([][]runtime.StateMachine, n)
	c.cancels = make([]context.CancelFunc, n)
	c.done = make([]chan error, n)
	for i := range n {
		c.start(i, listeners[i], true)
	}
	t.Cleanup(c.Stop)
	return c
}

// Start starts replica i again, after Kill, on its address; it recovers,
// or with bootstrap asks to start as new (and recovers when the others
// have done anything).
func (c *Cluster) Start(i int, bootstrap bool) {
	c.t.Helper()
	var l net.Listener
	var err error
	for range 100 { // the old listener's port may take a moment to free
		if l, err = net.Listen("tcp", c.Addrs[i]); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.NoError(c.t, err)
	c.start(i, l, bootstrap)
}

func (c *Cluster) start(i int, l net.Listener, bootstrap bool) {
	c.t.Helper()
	log := slog.New(slog.DiscardHandler)
	if !c.Quiet {
		log = slog.New(slog.NewTextHandler(testLog{c.t}, nil))
	}
	cfg := runtime.Config{
		ClusterID: c.ID, Addrs: c.Addrs, Index: i, Bootstrap: bootstrap, Listener: l,
		Tick: c.Tick, Timing: c.Timing, Log: log, Trace: c.Trace, Rand: c.Rand,
		NewStateMachine: func() runtime.StateMachine {
			m := c.newSM(i)
			c.mu.Lock()
			c.machines[i] = append(c.machines[i], m)
			c.mu.Unlock()
			return m
		},
		DropTo: func(to int) bool {
			c.mu.Lock()
			defer c.mu.Unlock()
			return c.cut[i] != c.cut[to]
		},
	}
	if c.Configure != nil {
		c.Configure(&cfg)
	}
	s, err := runtime.NewServer(cfg)
	require.NoError(c.t, err)
	ctx, cancel := context.WithCancel(context.Background())
	c.servers[i], c.cancels[i], c.done[i] = s, cancel, make(chan error, 1)
	go func(done chan error) { done <- s.Run(ctx) }(c.done[i])
}

// testLog writes a server's log lines to the test's log, shown when the
// test fails or runs with -v.
type testLog struct{ t testing.TB }

func (w testLog) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(b), "\n"))
	return len(b), nil
}

// Server returns replica i's server, nil while it is killed.
func (c *Cluster) Server(i int) *runtime.Server { return c.servers[i] }

// Kill stops replica i, as a crash of its process would: its state is
// gone.
func (c *Cluster) Kill(i int) {
	c.t.Helper()
	c.cancels[i]()
	require.NoError(c.t, <-c.done[i])
	c.servers[i] = nil
}

// Stop kills every replica.
func (c *Cluster) Stop() {
	for i, s := range c.servers {
		if s != nil {
			c.Kill(i)
		}
	}
}

// Partition cuts the replicas in cut off from the others, or heals the
// cluster with none.
func (c *Cluster) Partition(cut ...int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cut = map[int]bool{}
	for _, i := range cut {
		c.cut[i] = true
	}
}

func (c *Cluster) isCut(i int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cut[i]
}

// Client returns a client of the cluster, closed when the test ends.
func (c *Cluster) Client(sessions int, resend time.Duration) *runtime.Client {
	c.t.Helper()
	cl, err := runtime.NewClient(runtime.ClientConfig{ClusterID: c.ID, Addrs: c.Addrs, Sessions: sessions, Resend: resend, Rand: c.Rand})
	require.NoError(c.t, err)
	c.t.Cleanup(func() { cl.Close() })
	return cl
}

// Replica returns a copy of what replica i's node holds; a replica that
// is not running holds nothing, in status Crashed.
func (c *Cluster) Replica(i int) (r spec.Replica, stats runtime.Stats) {
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

// Machine returns replica i's current state machine: the one its node
// applies operations to, or, for a replica not running, the last one it
// made.
func (c *Cluster) Machine(i int) runtime.StateMachine {
	if s := c.servers[i]; s != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var m runtime.StateMachine
		if s.Inspect(ctx, func(n *runtime.Node) { m = n.StateMachine() }) == nil {
			return m
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ms := c.machines[i]
	return ms[len(ms)-1]
}

// Eventually waits, for at most 10 seconds, until cond holds.
func (c *Cluster) Eventually(what string, cond func() bool) {
	c.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	require.FailNow(c.t, "timed out waiting: "+what)
}

// Primary returns the replica that is primary of the newest normal view,
// once one is, among the replicas running and not cut off.
func (c *Cluster) Primary() int {
	c.t.Helper()
	p := -1
	c.Eventually("a primary in normal status", func() bool {
		best := spec.ViewNumber(0)
		p = -1
		for i, s := range c.servers {
			if s == nil || c.isCut(i) {
				continue
			}
			r, _ := c.Replica(i)
			if r.Status == spec.Normal && int(r.Config.Primary(r.View)) == i && (p < 0 || r.View > best) {
				p, best = i, r.View
			}
		}
		return p >= 0
	})
	return p
}

// Converged waits until every running replica is in normal status in one
// view and has executed what it committed, which is the same for all, and
// returns each replica's commit-number.
func (c *Cluster) Converged(executed func(replica int) int) spec.OpNumber {
	c.t.Helper()
	var commit spec.OpNumber
	c.Eventually("the replicas to agree", func() bool {
		first := true
		for i, s := range c.servers {
			if s == nil {
				continue
			}
			r, _ := c.Replica(i)
			if r.Status != spec.Normal || executed(i) != int(r.CommitNumber) {
				return false
			}
			if first {
				commit, first = r.CommitNumber, false
			} else if r.CommitNumber != commit {
				return false
			}
		}
		return true
	})
	return commit
}

// Describe returns one line per replica, for a test's log.
func (c *Cluster) Describe() string {
	var lines []string
	for i := range c.servers {
		r, stats := c.Replica(i)
		lines = append(lines, fmt.Sprintf("r%d %s view %d op %d commit %d, %d steps", i, r.Status, r.View, r.OpNumber, r.CommitNumber, stats.Steps))
	}
	return strings.Join(lines, "\n")
}

// Counter is a runtime.Rand for traces, safe for concurrent use: it
// scrambles a count, so that every nonce and client ID it gives is new,
// nonzero and below 2^31, as TLC reads numbers, and timeouts still
// spread.
type Counter struct{ n atomic.Uint64 }

func (c *Counter) Uint64() uint64 {
	// An odd factor permutes the numbers below 2^31.
	return c.n.Add(1) * 0x5bd1e995 & (1<<31 - 1)
}
