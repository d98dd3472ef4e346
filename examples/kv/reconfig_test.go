package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
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
	defer stopAll(t, procs)
	_, cl := newClients(t, cluster, addrs)

	w := startWorkload(cl, 6, 8, 2)
	reconfigure := func(members string) string {
		t.Helper()
		cmd := kvReconfigure(cluster, addrs, admin, members, "30s")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		start := time.Now()
		require.NoError(t, cmd.Run(), "kv reconfigure -members %s: %s", members, stderr.String())
		t.Logf("kv reconfigure -members %s: %s in %s, after %d operations", members, strings.TrimSpace(stdout.String()),
			time.Since(start).Round(time.Millisecond), w.acked())
		return stdout.String()
	}

	w.waitFor(t, "operations in epoch 0", 1000)

	// A reconfiguration without the administrator's secret is dropped.
	out, err := kvReconfigure(cluster, addrs, "12345", "0,1,3", "1s").CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), "the reconfiguration that ends epoch 0 did not commit")

	// Replace replica 2 by spare 3, started empty.
	procs[3] = startServe(t, 3, cluster, addrs, true, flags...)
	waitFor(t, "spare 3 to start", func() bool { return strings.Contains(procs[3].stderr.String(), "standby") })
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
	w.waitFor(t, "operations in epoch 1", 1000)

	// Grow to five with spares 4 and 5.
	procs[4] = startServe(t, 4, cluster, addrs, true, flags...)
	procs[5] = startServe(t, 5, cluster, addrs, true, flags...)
	require.Equal(t, "epoch 2: group {r0, r1, r3, r4, r5}\n", reconfigure("0,1,3,4,5"))
	for _, i := range []int{3, 4, 5} {
		waitFor(t, fmt.Sprintf("replica %d to start epoch 2", i), func() bool {
			return strings.Contains(procs[i].stderr.String(), `msg=normal replica=`+strconv.Itoa(i)+` epoch=2`)
		})
	}
	t.Logf("replicas 3, 4 and 5 started epoch 2")
	w.waitFor(t, "operations in epoch 2", 1000)

	// Kill the two replicas that were members from the start: the three
	// that joined empty are a majority of five and hold everything.
	for _, i := range []int{0, 1} {
		require.NoError(t, procs[i].cmd.Process.Kill()) // kill -9
		procs[i].cmd.Wait()
	}
	t.Logf("killed replicas 0 and 1 after %d operations", w.acked())
	w.waitFor(t, "operations on the three new members", 1000)
	w.stopSessions()
	w.check(t, cl)
}

// kvReconfigure returns the command kv reconfigure of the cluster at
// addrs, as the administrator with secret admin, to group members, which
// gives up after timeout.
func kvReconfigure(cluster uint64, addrs []string, admin, members, timeout string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "reconfigure", "-cluster", strconv.FormatUint(cluster, 10), "-peers", strings.Join(addrs, ","),
		"-admin", admin, "-members", members, "-timeout", timeout)
	cmd.Env = append(os.Environ(), "KV_TEST_AS_COMMAND=1")
	return cmd
}
