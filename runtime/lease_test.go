package runtime_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/internal/loopback"
	"github.com/viewstamped/vsr/runtime"
)

// readCounter is a counter that answers reads: the number of operations
// applied so far, then the read.
type readCounter struct{ counter }

func (c *readCounter) Query(op []byte) []byte {
	return []byte(fmt.Sprintf("%d:%s", len(c.ops()), op))
}

// TestLeaseReads: with leases, the primary answers reads from its state
// without a round of Prepares, so reads do not move the commit-number,
// and each read sees every write acknowledged before it; after the
// primary is killed, the new primary's reads see the writes of its view.
func TestLeaseReads(t *testing.T) {
	lc := loopback.New(t, 3, func(int) runtime.StateMachine { return &readCounter{} }, func(c *loopback.Cluster) {
		c.Configure = func(cfg *runtime.Config) { cfg.Spec.Lease = 20 }
	})
	c := &cluster{Cluster: lc, t: t}
	cl := c.client(1)
	read := func() string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		res, err := cl.Read(ctx, []byte("q"))
		require.NoError(t, err)
		return string(res)
	}
	for i := 1; i <= 10; i++ {
		do(t, cl, fmt.Sprintf("w%d", i))
	}
	p := c.Primary()
	c.Eventually("the primary to hold a lease", func() bool { r, _ := c.Replica(p); return r.Lease > 0 })
	before, _ := c.Replica(p)
	for range 50 {
		require.Equal(t, fmt.Sprintf("%d:q", before.CommitNumber), read())
	}
	after, _ := c.Replica(p)
	require.Equal(t, before.CommitNumber, after.CommitNumber, "reads went through the log")

	c.Kill(p)
	res := do(t, cl, "w11")
	got := read()
	var wrote, saw int
	_, err := fmt.Sscanf(res, "%d:", &wrote)
	require.NoError(t, err)
	_, err = fmt.Sscanf(got, "%d:", &saw)
	require.NoError(t, err)
	require.GreaterOrEqual(t, saw, wrote, "a read after the write acknowledged as %q saw %q", res, got)
}
