package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
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

// TestReconfigure runs kv serve processes on six loopback addresses, the
// first group {0, 1, 2} and three spares, with clients writing and
// reading throughout. It replaces replica 2 by spare 3 with kv
// reconfigure, then grows the group to five with spares 4 and 5, each
// spare started empty. Replica 2 exits once the new group has started.
// Then it kill -9s replicas 0 and 1, the two that were members from the
// start: the three new members hold the whole store, every acknowledged
// write is readable, and the whole history is linearizable.
func TestReconfigure(t *testing.T) {
	if testing.Short() {
		t.Skip("starts six processes and runs for seconds")
	}
	addrs := loopbackAddrs(t, 6)
	cluster := rand.Uint64()>>1 | 1
	admin := strconv.FormatUint(rand.Uint64()>>1|1, 10)
	flags := []string{"-members", "0,1,2", "-admin", admin}
	procs := make([]*process, 6)
	for i := range 3 {
		procs[i] = startServe(t, i, cluster, addrs, true, flags...)
	}
	defer func() {
		for i, p := range procs {
			if p != nil {
				p.cmd.Process.Signal(syscall.SIGTERM)
				p.cmd.Wait()
				if t.Failed() {
					t.Logf("replica %d:\n%s", i, p.stderr.String())
				}
			}
		}
	}()
	rc, err := runtime.NewClient(runtime.ClientConfig{ClusterID: cluster, Addrs: addrs, Sessions: 6, Resend: 50 * time.Millisecond})
	require.NoError(t, err)
	defer rc.Close()
	cl := store.NewClient(rc)

	rec := history.NewRecorder()
	var mu sync.Mutex
	lastAcked := map[string]string{} // each session's own keys: the last value acknowledged
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for s := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(s), 2))
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				var op store.Op
				switch rng.IntN(4) {
				case 0, 1: // a key of this session's own
					op = store.Op{Kind: store.Put, Key: fmt.Sprintf("own%d-%d", s, rng.IntN(8)), Value: []byte(fmt.Sprintf("%d-%d", s, n))}
				case 2: // a key all sessions share
					op = store.Op{Kind: store.CAS, Key: fmt.Sprintf("shared%d", rng.IntN(3)), Absent: rng.IntN(2) == 0,
						Old: []byte(fmt.Sprintf("%d", rng.IntN(3))), Value: []byte(fmt.Sprintf("%d", rng.IntN(3)))}
				default:
					op = store.Op{Kind: store.Get, Key: fmt.Sprintf("shared%d", rng.IntN(3))}
				}
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				_, err := rec.Do(ctx, cl, s, op)
				cancel()
				if err == nil && op.Kind == store.Put {
					mu.Lock()
					lastAcked[op.Key] = string(op.Value)
					mu.Unlock()
				}
			}
		}()
	}
	acked := func() int {
		n, unknown := rec.Len()
		return n - unknown
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
			require.True(t, time.Now().Before(deadline), "timed out waiting for %s", what)
		}
	}
	reconfigure := func(members string) string {
		t.Helper()
		cmd := exec.Command(os.Args[0], "reconfigure", "-cluster", strconv.FormatUint(cluster, 10), "-peers", strings.Join(addrs, ","),
			"-admin", admin, "-members", members, "-timeout", "30s")
		cmd.Env = append(os.Environ(), "KV_TEST_AS_COMMAND=1")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		start := time.Now()
		require.NoError(t, cmd.Run(), "kv reconfigure -members %s: %s", members, stderr.String())
		t.Logf("kv reconfigure -members %s: %s in %s, after %d operations", members, strings.TrimSpace(stdout.String()),
			time.Since(start).Round(time.Millisecond), acked())
		return stdout.String()
	}
	exited := func(i int) bool { return procs[i].cmd.ProcessState != nil }

	waitFor("operations in epoch 0", func() bool { return acked() >= 1000 })

	// A reconfiguration without the administrator's secret is dropped.
	cmd := exec.Command(os.Args[0], "reconfigure", "-cluster", strconv.FormatUint(cluster, 10), "-peers", strings.Join(addrs, ","),
		"-admin", "12345", "-members", "0,1,3", "-timeout", "1s")
	cmd.Env = append(os.Environ(), "KV_TEST_AS_COMMAND=1")
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), "the reconfiguration that ends epoch 0 did not commit")

	// Replace replica 2 by spare 3, started empty.
	procs[3] = startServe(t, 3, cluster, addrs, true, flags...)
	waitFor("spare 3 to start", func() bool { return strings.Contains(procs[3].stderr.String(), "standby") })
	require.Equal(t, "epoch 1: group {r0, r1, r3}\n", reconfigure("0,1,3"))
	done := make(chan error, 1)
	go func() { done <- procs[2].cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, "replica 2 exits with status 0")
	case <-time.After(30 * time.Second):
		t.Fatal("replica 2 did not shut down")
	}
	require.Contains(t, procs[2].stderr.String(), "replica 2 left the group and shut down")
	t.Logf("replica 2 shut down and exited")
	before := acked()
	waitFor("operations in epoch 1", func() bool { return acked() >= before+1000 })

	// Grow to five with spares 4 and 5.
	procs[4] = startServe(t, 4, cluster, addrs, true, flags...)
	procs[5] = startServe(t, 5, cluster, addrs, true, flags...)
	require.Equal(t, "epoch 2: group {r0, r1, r3, r4, r5}\n", reconfigure("0,1,3,4,5"))
	for _, i := range []int{3, 4, 5} {
		waitFor(fmt.Sprintf("replica %d to start epoch 2", i), func() bool {
			return strings.Contains(procs[i].stderr.String(), `msg=normal replica=`+strconv.Itoa(i)+` epoch=2`)
		})
	}
	t.Logf("replicas 3, 4 and 5 started epoch 2")
	before = acked()
	waitFor("operations in epoch 2", func() bool { return acked() >= before+1000 })

	// Kill the two replicas that were members from the start: the three
	// that joined empty are a majority of five and hold everything.
	for _, i := range []int{0, 1} {
		require.False(t, exited(i))
		require.NoError(t, procs[i].cmd.Process.Kill()) // kill -9
		procs[i].cmd.Wait()
	}
	t.Logf("killed replicas 0 and 1 after %d operations", acked())
	before = acked()
	waitFor("operations on the three new members", func() bool { return acked() >= before+1000 })
	close(stop)
	wg.Wait()

	// Every acknowledged write is readable; the reads join the history.
	mu.Lock()
	defer mu.Unlock()
	for key, v := range lastAcked {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		res, err := rec.Do(ctx, cl, 0, store.Op{Kind: store.Get, Key: key})
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
	ops, unknown := rec.Len()
	verdict := rec.Check(2 * time.Minute)
	t.Logf("%d operations, %d with an unknown outcome; %d keys of their sessions read back; porcupine: %s", ops, unknown, len(lastAcked), verdict)
	require.Equal(t, porcupine.Ok, verdict)
}
