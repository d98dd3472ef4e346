package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/examples/kv/history"
	"github.com/viewstamped/vsr/examples/kv/store"
	"github.com/viewstamped/vsr/runtime"
)

// TestMain lets the test binary be the kv command too, for the processes
// the multi-process test starts.
func TestMain(m *testing.M) {
	if os.Getenv("KV_TEST_AS_COMMAND") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// process is a kv serve process of the test.
type process struct {
	cmd    *exec.Cmd
	stderr logBuffer
}

// logBuffer holds what a process writes, safe to read while it writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func startServe(t *testing.T, i int, cluster uint64, addrs []string, bootstrap bool, flags ...string) *process {
	t.Helper()
	args := append([]string{"serve", "-cluster", strconv.FormatUint(cluster, 10), "-peers", strings.Join(addrs, ","),
		"-id", strconv.Itoa(i), "-tick", "5ms"}, flags...)
	if bootstrap {
		args = append(args, "-bootstrap")
	}
	p := &process{cmd: exec.Command(os.Args[0], args...)}
	p.cmd.Env = append(os.Environ(), "KV_TEST_AS_COMMAND=1")
	p.cmd.Stderr = &p.stderr
	require.NoError(t, p.cmd.Start())
	return p
}

// loopbackAddrs returns an address with a free port on each of
// 127.0.0.1 to 127.0.0.n, as if on n hosts.
func loopbackAddrs(t *testing.T, n int) []string {
	t.Helper()
	var addrs []string
	for i := 1; i <= n; i++ {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", i))
		if err != nil {
			t.Skipf("no loopback address 127.0.0.%d: %v", i, err)
		}
		addrs = append(addrs, l.Addr().String())
		l.Close()
	}
	return addrs
}

// TestKillPrimary runs three kv serve processes, each on a loopback
// address of its own, with clients writing and reading; it kill -9s the
// primary mid-load, then restarts it with no state. Every acknowledged
// write is readable afterwards, and the whole history is linearizable.
func TestKillPrimary(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three processes and runs for seconds")
	}
	killPrimary(t)
}

// TestKillPrimaryWithLeases is TestKillPrimary with the primaries
// answering gets under leases of 20 ticks: the history of the gets
// answered so, across the kill and the view change, is linearizable too.
func TestKillPrimaryWithLeases(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three processes and runs for seconds")
	}
	killPrimary(t, "-lease", "20")
}

// killPrimary is TestKillPrimary, each kv serve with flags.
func killPrimary(t *testing.T, flags ...string) {
	addrs := loopbackAddrs(t, 3)
	cluster := rand.Uint64()>>1 | 1
	procs := make([]*process, 3)
	for i := range procs {
		procs[i] = startServe(t, i, cluster, addrs, true, flags...)
	}
	defer stopAll(t, procs)
	rc, cl := newClients(t, cluster, addrs)
	w := startWorkload(cl, 6, 4, 1)
	w.waitFor(t, "operations before the kill", 300)
	primary := rc.Primary()
	before := w.acked()
	require.NoError(t, procs[primary].cmd.Process.Kill()) // kill -9
	procs[primary].cmd.Wait()
	t.Logf("killed replica %d, the primary, after %d operations", primary, before)
	w.waitFor(t, "operations in the new view", 300)
	procs[primary] = startServe(t, primary, cluster, addrs, false, flags...)
	waitFor(t, "the killed replica to recover", func() bool { return strings.Contains(procs[primary].stderr.String(), "msg=normal") })
	w.waitFor(t, "operations after the recovery", 300)
	w.stopSessions()
	for i, p := range procs {
		if i != primary {
			require.Contains(t, p.stderr.String(), `msg="view change"`, "replica %d took part in a view change", i)
		}
	}
	w.check(t, cl)
}

// newClients returns a client of the cluster with six sessions that
// resend after 50 ms, and the store's client over it; both close when the
// test ends.
func newClients(t *testing.T, cluster uint64, addrs []string) (*runtime.Client, *store.Client) {
	t.Helper()
	rc, err := runtime.NewClient(runtime.ClientConfig{ClusterID: cluster, Addrs: addrs, Sessions: 6, Resend: 50 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { rc.Close() })
	return rc, store.NewClient(rc)
}

// stopAll stops the processes of procs that run, and logs what each
// wrote when the test failed.
func stopAll(t *testing.T, procs []*process) {
	for i, p := range procs {
		if p != nil {
			p.cmd.Process.Signal(syscall.SIGTERM)
			p.cmd.Wait()
			if t.Failed() {
				t.Logf("replica %d:\n%s", i, p.stderr.String())
			}
		}
	}
}

// workload is client sessions writing and reading through a store client
// until stopped: puts on keys of each session's own, compare-and-sets on
// keys they share, and gets, each recorded for porcupine.
type workload struct {
	rec       *history.Recorder
	mu        sync.Mutex
	lastAcked map[string]string // each session's own keys: the last value acknowledged
	stop      chan struct{}
	wg        sync.WaitGroup
}

// startWorkload starts sessions sessions of cl, each with own keys of its
// own, their choices drawn from stream.
func startWorkload(cl *store.Client, sessions, own int, stream uint64) *workload {
	w := &workload{rec: history.NewRecorder(), lastAcked: map[string]string{}, stop: make(chan struct{})}
	for s := range sessions {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			rng := rand.New(rand.NewPCG(uint64(s), stream))
			for n := 0; ; n++ {
				select {
				case <-w.stop:
					return
				default:
				}
				var op store.Op
				switch rng.IntN(4) {
				case 0, 1: // a key of this session's own
					op = store.Op{Kind: store.Put, Key: fmt.Sprintf("own%d-%d", s, rng.IntN(own)), Value: []byte(fmt.Sprintf("%d-%d", s, n))}
				case 2: // a key all sessions share
					op = store.Op{Kind: store.CAS, Key: fmt.Sprintf("shared%d", rng.IntN(3)), Absent: rng.IntN(2) == 0,
						Old: []byte(fmt.Sprintf("%d", rng.IntN(3))), Value: []byte(fmt.Sprintf("%d", rng.IntN(3)))}
				default:
					op = store.Op{Kind: store.Get, Key: fmt.Sprintf("shared%d", rng.IntN(3))}
				}
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				_, err := w.rec.Do(ctx, cl, s, op)
				cancel()
				if err == nil && op.Kind == store.Put {
					w.mu.Lock()
					w.lastAcked[op.Key] = string(op.Value)
					w.mu.Unlock()
				}
			}
		}()
	}
	return w
}

// acked returns how many operations have been acknowledged.
func (w *workload) acked() int {
	n, unknown := w.rec.Len()
	return n - unknown
}

// waitFor waits until n more operations than now have been acknowledged.
func (w *workload) waitFor(t *testing.T, what string, n int) {
	t.Helper()
	before := w.acked()
	waitFor(t, what, func() bool { return w.acked() >= before+n })
}

// stopSessions stops the sessions and waits for them.
func (w *workload) stopSessions() {
	close(w.stop)
	w.wg.Wait()
}

// check reads every session's own keys back through cl, the reads joining
// the history: each has the last value acknowledged, or a later one of
// the same session whose outcome was unknown. Then porcupine must find the
// whole history linearizable.
func (w *workload) check(t *testing.T, cl *store.Client) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for key, v := range w.lastAcked {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		res, err := w.rec.Do(ctx, cl, 0, store.Op{Kind: store.Get, Key: key})
		cancel()
		require.NoError(t, err)
		require.True(t, res.OK, "%s has no value", key)
		if string(res.Value) != v {
			// A later write of the key whose outcome is unknown took effect.
			var s, n1, n2 int
			fmt.Sscanf(v, "%d-%d", &s, &n1)
			fmt.Sscanf(string(res.Value), "%d-%d", &s, &n2)
			require.Greater(t, n2, n1, "%s: %s was acknowledged, and the store has %s", key, v, res.Value)
		}
	}
	ops, unknown := w.rec.Len()
	verdict := w.rec.Check(2 * time.Minute)
	t.Logf("%d operations, %d with an unknown outcome; %d keys of their sessions read back; porcupine: %s", ops, unknown, len(w.lastAcked), verdict)
	require.Equal(t, porcupine.Ok, verdict)
}

// waitFor waits up to a minute for cond.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		require.True(t, time.Now().Before(deadline), "timed out waiting for %s", what)
	}
}

// TestUsage checks that bad usage prints a one-line reason and exits 2.
func TestUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "usage: kv serve"},
		{[]string{"frobnicate"}, `kv: unknown command "frobnicate"`},
		{[]string{"serve", "-peers", "a:1"}, "kv serve: -cluster: want the cluster's ID, not 0"},
		{[]string{"serve", "-cluster", "1"}, "kv serve: -peers: want every replica's address"},
		{[]string{"serve", "-cluster", "1", "-peers", "a:1,b:2", "-id", "2"}, "kv serve: -id 2: want 0 to 1"},
		{[]string{"get", "-cluster", "1", "-peers", "a:1"}, "kv get: want 1 arguments, not 0"},
		{[]string{"serve", "-cluster", "1", "-peers", "a:1", "-tls-cert", "x"}, "-tls-cert, -tls-key and -tls-ca go together"},
		{[]string{"put", "-config", "/nonexistent", "k", "v"}, "no such file or directory"},
		{[]string{"serve", "-cluster", "1", "-peers", "a:1,b:2,c:3", "-id", "0", "-members", "0,1"}, "kv serve: -members: 2 replicas: want an odd number"},
		{[]string{"serve", "-cluster", "1", "-peers", "a:1,b:2,c:3", "-id", "0", "-members", "0,5,1"}, "kv serve: -members: replica 5: want 0 to 2"},
		{[]string{"serve", "-cluster", "1", "-peers", "a:1,b:2,c:3", "-id", "0", "-members", "0,x"}, `kv serve: -members: "x": not a replica's index`},
		{[]string{"reconfigure", "-cluster", "1", "-peers", "a:1,b:2,c:3", "-members", "0,1,2"}, "kv reconfigure: -admin: want the administrator's secret"},
		{[]string{"reconfigure", "-cluster", "1", "-peers", "a:1,b:2,c:3", "-admin", "7"}, "kv reconfigure: -members: want the next epoch's group"},
		{[]string{"reconfigure", "-cluster", "1", "-peers", "a:1,b:2,c:3", "-admin", "7", "-members", "0,0,1"}, "kv reconfigure: -members: replica 0 twice"},
	} {
		var stdout, stderr bytes.Buffer
		require.Equal(t, 2, run(tt.args, &stdout, &stderr), "%v", tt.args)
		require.Contains(t, stdout.String()+stderr.String(), tt.want, "%v", tt.args)
	}
}

// TestConfigFile reads a client's settings from a file, with a flag that
// wins over it.
func TestConfigFile(t *testing.T) {
	path := t.TempDir() + "/kv.conf"
	require.NoError(t, os.WriteFile(path, []byte("# a cluster\ncluster = 7\npeers = 127.0.0.1:1\ntimeout = 1ms\n"), 0o644))
	var stdout, stderr bytes.Buffer
	require.Equal(t, 1, run([]string{"get", "-config", path, "-timeout", "50ms", "k"}, &stdout, &stderr))
	require.Contains(t, stderr.String(), "context deadline exceeded")
	require.NoError(t, os.WriteFile(path, []byte("nonsense = 1\n"), 0o644))
	require.Equal(t, 2, run([]string{"get", "-config", path, "k"}, &stdout, &stderr))
	require.Contains(t, stderr.String(), `unknown setting "nonsense"`)
}
