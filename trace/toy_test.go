package trace_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/internal/toy"
	"github.com/viewstamped/vsr/modelcheck"
	"github.com/viewstamped/vsr/trace"
)

// pingWalk returns the lines of the first walk of the ping protocol, by
// seed, in which the message is duplicated and both copies delivered.
func pingWalk(t *testing.T) (toy.Protocol, []toy.State, modelcheck.Bounds, []trace.Line) {
	t.Helper()
	m, init := toy.Protocol{Ping: true}, []toy.State{{}, {Sent: true}}
	b := modelcheck.Bounds{Drops: 1, Duplicates: 1, TimeoutLimits: map[string]int{"Tick": 1}}
	for seed := uint64(1); seed < 100; seed++ {
		o := modelcheck.Options{Mode: modelcheck.Walk, Walks: 1, Seed: seed, Depth: 10}
		res, err := modelcheck.Check[toy.State](m, init, b, o)
		require.NoError(t, err)
		steps, err := modelcheck.Steps[toy.State](m, init, b, o, res.LastWalk)
		require.NoError(t, err)
		lines, err := trace.Lines[toy.State](m, len(init), steps, toy.Renderer{})
		require.NoError(t, err)
		var actions []string
		for _, l := range lines {
			actions = append(actions, l.Action)
		}
		if slices.Equal(actions, []string{"Tick", trace.DuplicateMessage, "Receive", "Receive"}) {
			return m, init, b, lines
		}
	}
	require.FailNow(t, "no walk duplicates the message")
	return m, init, b, nil
}

// TestLinesClocks checks the Lamport clocks of a walk: a rule line ticks
// past its node and past the line that sent what it consumes; a fault line
// does not tick.
func TestLinesClocks(t *testing.T) {
	_, _, _, lines := pingWalk(t)
	want := []struct{ node, clock int }{{0, 1}, {1, 0}, {1, 2}, {1, 3}}
	for i, l := range lines {
		require.Equal(t, i+1, l.Seq)
		require.Equal(t, want[i].node, l.Node, "line %d", i+1)
		require.Equal(t, want[i].clock, l.Clock, "line %d", i+1)
	}
	require.Equal(t, `{"type":"Ping","body":"ping"}`, string(lines[1].Args))
	require.Equal(t, `{"count":2,"sent":true}`, string(lines[3].State))
}

// TestReplayToy replays the walk of a protocol other than VR, then walks
// broken in one place each.
func TestReplayToy(t *testing.T) {
	m, init, b, lines := pingWalk(t)
	rej, err := trace.Replay[toy.State](m, init, b, toy.Renderer{}, lines)
	require.NoError(t, err)
	require.Nil(t, rej, "%s", rej)

	for _, tt := range []struct {
		name   string
		change func(ls []trace.Line) []trace.Line
		want   string
	}{
		{"a third delivery", func(ls []trace.Line) []trace.Line {
			extra := ls[3]
			extra.Seq, extra.Clock = 5, 4
			return append(ls, extra)
		}, `line 6 (seq 5): Receive at replica 1 is not enabled: no such Ping is in flight to replica 1`},
		{"a second duplicate", func(ls []trace.Line) []trace.Line {
			extra := ls[1]
			extra.Seq = 3
			return append(ls[:2], extra)
		}, `line 4 (seq 3): DuplicateMessage at replica 1 is not enabled: no duplicate is left within the bounds`},
		{"fault clock", func(ls []trace.Line) []trace.Line {
			ls[1].Clock = 1
			return ls
		}, `line 3 (seq 2): clock 1: a fault line's clock is its node's, 0`},
		{"state", func(ls []trace.Line) []trace.Line {
			ls[2].State = []byte(`{"sent":true, "count":2}`)
			return ls
		}, `line 4 (seq 3): state differs from the spec's: count 2, spec says 1`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rej, err := trace.Replay[toy.State](m, init, b, toy.Renderer{}, tt.change(slices.Clone(lines)))
			require.NoError(t, err)
			require.NotNil(t, rej)
			require.EqualError(t, rej, tt.want)
		})
	}
}
