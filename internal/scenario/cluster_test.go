package scenario_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/internal/scenario"
	"github.com/viewstamped/vsr/spec"
)

// TestCopies sends the same Commit twice: the scenario cluster keeps each
// copy, and with MergeCopies the copies merge as in the model checker.
func TestCopies(t *testing.T) {
	for _, tt := range []struct {
		merge bool
		want  int
	}{{false, 4}, {true, 2}} {
		c := scenario.New(spec.Config{Replicas: 3})
		c.MergeCopies = tt.merge
		for range 2 {
			_, err := c.Timeout(0, spec.CommitTimeout{})
			require.NoError(t, err)
		}
		require.Len(t, c.InFlight(), tt.want, "merge %v", tt.merge)
		dup, err := c.Duplicate(c.InFlight()[0].ID)
		require.NoError(t, err)
		require.Equal(t, c.InFlight()[0].Msg, dup.Msg)
		require.Len(t, c.InFlight(), tt.want+1, "a duplicate is a copy of its own either way")
	}
}

// TestThroughCodec delivers a client's request: what the replicas receive
// and send is encoded and decoded on the way, as on a network.
func TestThroughCodec(t *testing.T) {
	c := scenario.New(spec.Config{Replicas: 3})
	req := c.Request(1, 1, "x", 0)
	m, err := req.Message()
	require.NoError(t, err)
	require.Equal(t, spec.Request{Op: []byte("x"), Client: 1, Request: 1}, m)
	c.Stabilize()
	require.Len(t, c.Replies, 1)
	require.Equal(t, []byte("x"), c.Replies[0].Reply.Result)
	require.NoError(t, c.Check())
}
