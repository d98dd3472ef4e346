package runtime_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/generated"
	"github.com/viewstamped/vsr/runtime"
	"github.com/viewstamped/vsr/spec"
)

// held is a network that keeps what a node sends, as a slow one would.
type held struct {
	sent    []sent
	replies []sent
}

type sent struct {
	to  uint64
	msg []byte
}

func (h *held) Send(to int, msg []byte)         { h.sent = append(h.sent, sent{uint64(to), msg}) }
func (h *held) Reply(client uint64, msg []byte) { h.replies = append(h.replies, sent{client, msg}) }

// kinds returns the kinds of the messages h holds, in order.
func (h *held) kinds(t *testing.T) []string {
	t.Helper()
	var kinds []string
	for _, s := range h.sent {
		m, err := generated.UnmarshalMessage(s.msg)
		require.NoError(t, err)
		kinds = append(kinds, generated.KindOf(m).String())
	}
	return kinds
}

func newNode(t *testing.T, index int, start runtime.Start, net runtime.Network) *runtime.Node {
	t.Helper()
	n, err := runtime.NewNode(runtime.NodeConfig{
		Spec: spec.Config{Replicas: 3}, Index: index, Timing: runtime.DefaultTiming,
		NewStateMachine: func() runtime.StateMachine { return &counter{} },
	}, start, net, rand.New(rand.NewPCG(1, 2)))
	require.NoError(t, err)
	return n
}

var zeroVector = []uint32{0, 0, 0}

// TestQueuedMessagesAreEncoded has a backup send its log in a DoViewChange
// that the network keeps, then changes the log in place: what the network
// holds does not change, since the node encodes every message before its
// next step.
func TestQueuedMessagesAreEncoded(t *testing.T) {
	var net held
	n := newNode(t, 2, runtime.NewCluster, &net)
	req := spec.Request{Op: []byte("op"), Client: 7, Request: 1}
	require.NoError(t, n.Step(0, spec.Prepare{View: 0, Requests: []spec.Request{req}, Op: 1, CrashVector: zeroVector}))
	require.NoError(t, n.Step(1, spec.StartViewChange{View: 1, Replica: 1, CrashVector: zeroVector}))
	require.Equal(t, []string{"PrepareOK", "StartViewChange", "StartViewChange", "DoViewChange"}, net.kinds(t))
	dvc := net.sent[3]
	require.Equal(t, uint64(1), dvc.to)

	r := n.Replica()
	r.Log[0].Op[0] = 'X'
	r.Log[0].Client = 9
	m, err := generated.UnmarshalMessage(dvc.msg)
	require.NoError(t, err)
	require.Equal(t, []spec.Request{{Op: []byte("op"), Client: 7, Request: 1}}, m.(spec.DoViewChange).Log)
}

// TestTimers ticks nodes and requires each timeout at its interval: the
// primary's heartbeat, a silent primary's backup starting a view change,
// a stalled view change moving on, a recovering replica asking again.
func TestTimers(t *testing.T) {
	tm := runtime.DefaultTiming
	ticks := func(n *runtime.Node, net *held, want string, most int) int {
		t.Helper()
		for i := 1; i <= most; i++ {
			before := len(net.sent)
			n.Tick()
			if len(net.sent) > before {
				require.Equal(t, want, net.kinds(t)[before], "tick %d", i)
				return i
			}
		}
		require.FailNow(t, "no "+want, "within %d ticks", most)
		return 0
	}

	var pnet held
	primary := newNode(t, 0, runtime.NewCluster, &pnet)
	require.Equal(t, tm.Heartbeat, ticks(primary, &pnet, "Commit", 100))
	require.Equal(t, tm.Heartbeat, ticks(primary, &pnet, "Commit", 100))

	var bnet held
	backup := newNode(t, 1, runtime.NewCluster, &bnet)
	for range 3 * tm.Election / 2 { // heartbeats keep it quiet
		backup.Tick()
		require.NoError(t, backup.Step(0, spec.Commit{View: 0, CrashVector: zeroVector}))
	}
	require.Empty(t, bnet.sent)
	got := ticks(backup, &bnet, "StartViewChange", 10*tm.Election)
	require.GreaterOrEqual(t, got, tm.Election)
	require.Less(t, got, 2*tm.Election)
	require.Equal(t, spec.ViewNumber(1), backup.Replica().View)
	got = ticks(backup, &bnet, "StartViewChange", 10*tm.ViewChange)
	require.GreaterOrEqual(t, got, tm.ViewChange)
	require.Less(t, got, 2*tm.ViewChange)
	got = ticks(backup, &bnet, "StartViewChange", 10*tm.ViewChange)
	require.GreaterOrEqual(t, got, 2*tm.ViewChange, "the wait doubles")
	require.Less(t, got, 4*tm.ViewChange)
	require.Equal(t, spec.ViewNumber(3), backup.Replica().View)

	var rnet held
	recovering := newNode(t, 2, runtime.Recover, &rnet)
	require.Equal(t, spec.RecoveringVector, recovering.Replica().Status)
	require.Equal(t, []string{"CrashVectorRequest", "CrashVectorRequest"}, rnet.kinds(t))
	require.Equal(t, tm.Recovery, ticks(recovering, &rnet, "CrashVectorRequest", 100))
	require.Equal(t, tm.Recovery, ticks(recovering, &rnet, "CrashVectorRequest", 100))
}

// TestRejectsWrongSender gives a node messages from replicas that did not
// send them, and messages that replicas never send each other: each is
// refused and counted, and the replica's state does not change.
func TestRejectsWrongSender(t *testing.T) {
	var net held
	n := newNode(t, 1, runtime.NewCluster, &net)
	before := *n.Replica()
	for _, tt := range []struct {
		from int
		m    any
		want string
	}{
		{2, spec.Prepare{View: 0, Op: 1, CrashVector: zeroVector}, "runtime: replica 2 sent a Prepare of view 0 of epoch 0, whose primary is replica 0"},
		{0, spec.PrepareOK{View: 0, Op: 1, Replica: 2, CrashVector: zeroVector}, "replica 0 sent a spec.PrepareOK from replica 2"},
		{0, spec.StartView{View: 1, CrashVector: zeroVector}, "runtime: replica 0 sent a StartView of view 1 of epoch 0, whose primary is replica 1"},
		{0, spec.EpochStarted{Epoch: 1, Replica: 2, CrashVector: zeroVector}, "replica 0 sent a spec.EpochStarted from replica 2"},
		{2, spec.StartEpoch{Epoch: 1, Replica: 0, CrashVector: zeroVector}, "replica 2 sent a spec.StartEpoch from replica 0"},
		{0, spec.Request{Op: []byte("x"), Client: 1, Request: 1}, "replica 0 sent spec.Request, which replicas do not send each other"},
		{0, spec.Reply{}, "replica 0 sent spec.Reply, which replicas do not send each other"},
		{3, spec.Commit{}, "sender 3: no such replica"},
	} {
		require.EqualError(t, n.Step(tt.from, tt.m), tt.want)
	}
	require.Equal(t, uint64(8), n.Stats().Rejected)
	// Which replica is primary depends on the epoch's group: a Prepare of
	// another epoch is not the node's to check, and no rule takes it.
	require.NoError(t, n.Step(2, spec.Prepare{Epoch: 1, View: 0, Op: 1, CrashVector: zeroVector}))
	require.Equal(t, uint64(8), n.Stats().Rejected)
	require.Equal(t, before, *n.Replica())
	require.Empty(t, net.sent)
}

// TestStartIsExplicit: a node starts only as one of a new cluster or as
// one that recovers; there is no default.
func TestStartIsExplicit(t *testing.T) {
	_, err := runtime.NewNode(runtime.NodeConfig{Spec: spec.Config{Replicas: 3}, Timing: runtime.DefaultTiming,
		NewStateMachine: func() runtime.StateMachine { return &counter{} }}, 0, &held{}, rand.New(rand.NewPCG(1, 2)))
	require.EqualError(t, err, "runtime: start Start(0): want NewCluster or Recover")
	_, err = runtime.NewNode(runtime.NodeConfig{Spec: spec.Config{Replicas: 3}, Timing: runtime.Timing{Heartbeat: 10, Election: 5, ViewChange: 1, ViewChangeMax: 1, Recovery: 1},
		NewStateMachine: func() runtime.StateMachine { return &counter{} }}, runtime.Recover, &held{}, rand.New(rand.NewPCG(1, 2)))
	require.ErrorContains(t, err, "timing: heartbeat 10 ticks: want fewer than the election's 5")
}

// TestReconfigureRejectsBadArguments: Client.Reconfigure refuses, before
// it sends anything, a group of an even number of replicas, one beyond
// the client's addresses, and a request without the administrator's ID.
func TestReconfigureRejectsBadArguments(t *testing.T) {
	c, err := runtime.NewClient(runtime.ClientConfig{ClusterID: 1, Addrs: []string{"127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"}})
	require.NoError(t, err)
	defer c.Close()
	ctx := context.Background()
	require.ErrorContains(t, c.Reconfigure(ctx, 7, 0, 0b11), "want an odd number of the 3 replicas' indexes")
	require.ErrorContains(t, c.Reconfigure(ctx, 7, 0, 0b1011), "want an odd number of the 3 replicas' indexes")
	require.EqualError(t, c.Reconfigure(ctx, 0, 0, 0b111), "runtime: reconfigure: no administrator's client ID")
}
