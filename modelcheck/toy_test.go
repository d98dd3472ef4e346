package modelcheck_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/internal/toy"
	"github.com/viewstamped/vsr/modelcheck"
)

func pow(b, e int) int {
	n := 1
	for ; e > 0; e-- {
		n *= b
	}
	return n
}

// TestCounterCounts checks the state counts of the counter protocol:
// (k+1)^n distinct states, and n·k·(k+1)^(n-1) transitions, since each
// replica below k can tick.
func TestCounterCounts(t *testing.T) {
	for _, tt := range []struct{ n, k, workers int }{{1, 5, 1}, {2, 3, 1}, {3, 4, 2}, {4, 3, 2}, {5, 2, 2}} {
		t.Run(fmt.Sprintf("n%d-k%d-w%d", tt.n, tt.k, tt.workers), func(t *testing.T) {
			res, err := modelcheck.Check[toy.State](toy.Protocol{Limit: uint8(tt.k)}, make([]toy.State, tt.n), modelcheck.Bounds{}, modelcheck.Options{Workers: tt.workers})
			require.NoError(t, err)
			require.Nil(t, res.Violation)
			require.True(t, res.Complete)
			require.Equal(t, uint64(pow(tt.k+1, tt.n)), res.Distinct)
			require.Equal(t, uint64(tt.n*tt.k*pow(tt.k+1, tt.n-1)), res.Generated)
			require.Equal(t, tt.n*tt.k, res.Depth)
		})
	}
}

// TestCounterDepthBound checks BFS bounded by depth on the counter
// protocol: the states within d steps are those whose counters sum to at
// most d, each at most k.
func TestCounterDepthBound(t *testing.T) {
	const n, k = 3, 2
	for d := 1; d <= n*k+1; d++ {
		want := 0
		for a := 0; a <= k; a++ {
			for b := 0; b <= k; b++ {
				for c := 0; c <= k; c++ {
					if a+b+c <= d {
						want++
					}
				}
			}
		}
		res, err := modelcheck.Check[toy.State](toy.Protocol{Limit: k}, make([]toy.State, n), modelcheck.Bounds{}, modelcheck.Options{MaxDepth: d, Workers: 2})
		require.NoError(t, err)
		require.Equal(t, uint64(want), res.Distinct, "depth %d", d)
		require.Equal(t, min(d, n*k), res.Depth)
		// The whole space is n·k deep; BFS knows it has exhausted it only
		// when a bound beyond that lets it expand the deepest state.
		require.Equal(t, d <= n*k, res.DepthBound == d, "depth %d", d)
		require.Equal(t, d > n*k, res.Complete, "depth %d", d)
	}
}

// TestPingCounts checks the ping protocol with one drop and one duplicate
// against the states counted by hand: (received, copies in flight, drops
// left, duplicates left) after the send is (0,1,1,1), (1,0,1,1), (0,0,0,1),
// (0,2,1,0), (1,1,1,0), (0,1,0,0), (2,0,1,0), (1,0,0,0); with the initial
// state, 9 distinct states reached by 9 transitions, 4 deep.
func TestPingCounts(t *testing.T) {
	for _, workers := range []int{1, 2} {
		// Replica 1 starts as if it had sent, so that only replica 0 sends.
		res, err := modelcheck.Check[toy.State](toy.Protocol{Ping: true}, []toy.State{{}, {Sent: true}},
			modelcheck.Bounds{Drops: 1, Duplicates: 1, TimeoutLimits: map[string]int{"Tick": 1}}, modelcheck.Options{Workers: workers})
		require.NoError(t, err)
		require.Nil(t, res.Violation)
		require.Equal(t, uint64(9), res.Distinct)
		require.Equal(t, uint64(9), res.Generated)
		require.Equal(t, 4, res.Depth)
	}
}

// TestShortestCounterexample checks that BFS reports a violation by its
// shortest trace: the sum of the counters first reaches 5 after 5 ticks.
func TestShortestCounterexample(t *testing.T) {
	m := toy.Protocol{Limit: 4, Bad: func(rs []toy.State) error {
		sum := 0
		for _, r := range rs {
			sum += int(r.Count)
		}
		if sum >= 5 {
			return fmt.Errorf("sum %d", sum)
		}
		return nil
	}}
	for _, mode := range []modelcheck.Mode{modelcheck.BFS, modelcheck.DFS, modelcheck.Walk} {
		res, err := modelcheck.Check[toy.State](m, make([]toy.State, 3), modelcheck.Bounds{}, modelcheck.Options{Mode: mode, Workers: 2, Seed: 7})
		require.NoError(t, err, mode)
		require.NotNil(t, res.Violation, mode)
		require.Equal(t, "invariant", res.Violation.Kind)
		require.Len(t, res.Violation.Trace, 5, mode)
		require.EqualError(t, res.Violation.Err, "sum 5")
		for i, s := range res.Violation.Trace {
			require.Equal(t, i+1, s.Number)
			require.Equal(t, "timeout", s.Action)
			require.Equal(t, []string{"Tick"}, s.Rules)
		}
	}
}

// TestDeadlock checks that a state without successors is reported only
// when deadlock detection is on.
func TestDeadlock(t *testing.T) {
	res, err := modelcheck.Check[toy.State](toy.Protocol{Limit: 2}, make([]toy.State, 2), modelcheck.Bounds{}, modelcheck.Options{Deadlock: true})
	require.NoError(t, err)
	require.NotNil(t, res.Violation)
	require.Equal(t, "deadlock", res.Violation.Kind)
	require.Len(t, res.Violation.Trace, 4)
	res, err = modelcheck.Check[toy.State](toy.Protocol{Limit: 2}, make([]toy.State, 2), modelcheck.Bounds{}, modelcheck.Options{})
	require.NoError(t, err)
	require.Nil(t, res.Violation)
}

// TestWalkReplay checks that a walk that finds a violation reports a seed
// that replays it exactly.
func TestWalkReplay(t *testing.T) {
	m := toy.Protocol{Limit: 4, Bad: func(rs []toy.State) error {
		if rs[0].Count == 4 && rs[1].Count == 0 && rs[2].Count == 4 {
			return errors.New("corner")
		}
		return nil
	}}
	res, err := modelcheck.Check[toy.State](m, make([]toy.State, 3), modelcheck.Bounds{}, modelcheck.Options{Mode: modelcheck.Walk, Seed: 3, Depth: 30, MaxStates: 1 << 20})
	require.NoError(t, err)
	require.NotNil(t, res.Violation)
	again, err := modelcheck.Check[toy.State](m, make([]toy.State, 3), modelcheck.Bounds{}, modelcheck.Options{Mode: modelcheck.Walk, Seed: res.Seed, Walks: 1, Depth: 30})
	require.NoError(t, err)
	require.NotNil(t, again.Violation)
	require.Equal(t, res.Violation.Trace, again.Violation.Trace)
	require.Equal(t, res.Seed, again.Seed)
	require.Equal(t, 1, again.Walks)
}
