package spec_test

import (
	"strings"

	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/generated"
	"github.com/viewstamped/vsr/spec"
)

// committedCluster returns three replicas that agree on two committed
// operations, in view 0 with r0 as primary.
func committedCluster() []spec.Replica {
	cfg := spec.Config{Replicas: 3}
	log := []spec.Request{
		{Op: []byte("a"), Client: 1, Request: 1},
		{Op: []byte("b"), Client: 2, Request: 1},
	}
	var rs []spec.Replica
	for i := 0; i < 3; i++ {
		r := spec.NewReplica(cfg, spec.ReplicaIndex(i))
		r.Log = append([]spec.Request(nil), log...)
		r.OpNumber, r.CommitNumber = 2, 2
		rs = append(rs, r)
	}
	return rs
}

// TestInvariants checks each invariant on a good state and on a state
// broken by hand, and that CheckInvariants names the one that breaks.
func TestInvariants(t *testing.T) {
	acked := []spec.Reply{{View: 0, Client: 2, Request: 1, Result: []byte("b")}}
	tests := []struct {
		name  string
		check func([]spec.Replica) error
		bad   func(rs []spec.Replica)
		want  string
	}{
		{
			name:  "CommitNumberAtMostOpNumber",
			check: spec.CommitNumberAtMostOpNumber,
			bad:   func(rs []spec.Replica) { rs[1].CommitNumber = 3 },
			want:  "replica 1: commit-number 3 > op-number 2",
		},
		{
			name:  "CommitNumberAtMostOpNumber/log length",
			check: spec.CommitNumberAtMostOpNumber,
			bad:   func(rs []spec.Replica) { rs[2].Log = rs[2].Log[:1] },
			want:  "replica 2: op-number 2 but 1 log entries after op 0",
		},
		{
			name:  "CommittedPrefixesAgree",
			check: spec.CommittedPrefixesAgree,
			bad:   func(rs []spec.Replica) { rs[2].Log[1] = spec.Request{Op: []byte("z"), Client: 3, Request: 1} },
			want:  "replicas 0 and 2: committed op 2 differs: client 2 request 1 vs client 3 request 1",
		},
		{
			name:  "NormalLogMatchesPrimary",
			check: spec.NormalLogMatchesPrimary,
			bad: func(rs []spec.Replica) {
				rs[1].Log = append(rs[1].Log, spec.Request{Op: []byte("c"), Client: 1, Request: 2})
				rs[1].OpNumber = 3
			},
			want: "replica 1: log up to op 3, longer than its primary 0's (2) in view 0",
		},
		{
			name:  "NormalLogMatchesPrimary/differs",
			check: spec.NormalLogMatchesPrimary,
			bad: func(rs []spec.Replica) {
				rs[2].Log[1].Op = []byte("other")
				rs[2].CommitNumber = 1
			},
			want: "replica 2: op 2 differs from its primary 0 in view 0",
		},
		{
			name:  "AcknowledgedNotLost",
			check: func(rs []spec.Replica) error { return spec.AcknowledgedNotLost(rs, acked) },
			bad: func(rs []spec.Replica) {
				// r1 became primary of view 1 with a log that lacks op 2.
				rs[1].View, rs[1].LastNormalView = 1, 1
				rs[1].Log, rs[1].OpNumber, rs[1].CommitNumber = rs[1].Log[:1], 1, 1
			},
			want: "client 2 request 1 was acknowledged in epoch 0 view 0 but the log of replica 1, primary of epoch 0 view 1, lacks it",
		},
		{
			name:  "ExecutedAtMostOnce",
			check: spec.ExecutedAtMostOnce,
			bad:   func(rs []spec.Replica) { rs[0].Log[1] = rs[0].Log[0] },
			want:  "replica 0: client 1 request 1 committed twice, as ops 1 and 2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := committedCluster()
			require.NoError(t, tt.check(rs))
			require.NoError(t, generated.CheckInvariants(rs, acked))
			tt.bad(rs)
			require.EqualError(t, tt.check(rs), tt.want)
			err := generated.CheckInvariants(rs, acked)
			require.Error(t, err)
			require.Contains(t, err.Error(), "invariant ")
		})
	}
}

// checkpointedCluster returns three replicas that agree on four committed
// operations: r0 and r1 took checkpoints at op 2 and op 4 and hold the log
// after op 2; r2 took one at op 2 only and holds the whole log.
func checkpointedCluster() []spec.Replica {
	cfg := spec.Config{Replicas: 3, CheckpointInterval: 2}
	log := []spec.Request{
		{Op: []byte("a"), Client: 1, Request: 1},
		{Op: []byte("b"), Client: 2, Request: 1},
		{Op: []byte("c"), Client: 1, Request: 2},
		{Op: []byte("d"), Client: 2, Request: 2},
	}
	table := func(reqs ...spec.Request) []spec.ClientRecord {
		var t []spec.ClientRecord
		for _, q := range reqs {
			t = append(t, spec.ClientRecord{Client: q.Client, Request: q.Request, Executed: true,
				Reply: spec.Reply{Request: q.Request, Client: q.Client, Result: q.Op}})
		}
		return t
	}
	var rs []spec.Replica
	for i := 0; i < 3; i++ {
		r := spec.NewReplica(cfg, spec.ReplicaIndex(i))
		r.OpNumber, r.CommitNumber = 4, 4
		r.ClientTable = table(log[2], log[3])
		if i < 2 {
			r.LogStart, r.Log = 2, append([]spec.Request(nil), log[2:]...)
			r.Checkpoint = spec.Checkpoint{Op: 4, ClientTable: table(log[2], log[3]), State: []byte("s4")}
		} else {
			r.Log = append([]spec.Request(nil), log...)
			r.Checkpoint = spec.Checkpoint{Op: 2, ClientTable: table(log[0], log[1]), State: []byte("s2")}
		}
		rs = append(rs, r)
	}
	return rs
}

// TestCheckpointInvariants checks the invariants that read checkpoints on
// a good state of replicas with discarded logs and on states broken by
// hand.
func TestCheckpointInvariants(t *testing.T) {
	acked := []spec.Reply{{View: 0, Client: 1, Request: 1, Result: []byte("a")}}
	tests := []struct {
		name  string
		check func([]spec.Replica) error
		bad   func(rs []spec.Replica)
		want  string
	}{
		{
			name:  "CommitNumberAtMostOpNumber/checkpoint",
			check: spec.CommitNumberAtMostOpNumber,
			bad:   func(rs []spec.Replica) { rs[2].Checkpoint.Op = 5 },
			want:  "replica 2: log start 0, checkpoint 5, commit-number 4: want each at most the next",
		},
		{
			name:  "CheckpointsAgree/same op",
			check: spec.CheckpointsAgree,
			bad:   func(rs []spec.Replica) { rs[1].Checkpoint.State = []byte("other") },
			want:  "replicas 0 and 1: the snapshots of their checkpoints at op 4 differ",
		},
		{
			name:  "CheckpointsAgree/result",
			check: spec.CheckpointsAgree,
			bad:   func(rs []spec.Replica) { rs[1].Checkpoint.ClientTable[0].Reply.Result = []byte("z") },
			want:  "replicas 0 and 1: the client tables of their checkpoints at op 4 differ for client 1",
		},
		{
			// r2 executed client 2's second request by op 4; r0's
			// checkpoint says its first.
			name:  "CheckpointsAgree/history",
			check: spec.CheckpointsAgree,
			bad: func(rs []spec.Replica) {
				rs[0].Checkpoint.ClientTable[1].Request = 1
				rs[1].Checkpoint.ClientTable[1].Request = 1
			},
			want: "replica 0: the checkpoint at op 4 differs from the history of replica 2 for client 2",
		},
		{
			name:  "ExecutedAtMostOnce/checkpoint",
			check: spec.ExecutedAtMostOnce,
			bad: func(rs []spec.Replica) {
				rs[1].Checkpoint = rs[2].Checkpoint
				rs[1].Log[0] = rs[2].Log[0]
			},
			want: "replica 1: client 1 request 1 committed as op 3, and before its checkpoint at op 2",
		},
		{
			name:  "AcknowledgedNotLost/checkpoint",
			check: func(rs []spec.Replica) error { return spec.AcknowledgedNotLost(rs, acked) },
			bad:   func(rs []spec.Replica) { rs[0].Checkpoint.ClientTable[0].Request = 0 },
			want:  "client 1 request 1 was acknowledged in epoch 0 view 0 but the log of replica 0, primary of epoch 0 view 0, lacks it",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := checkpointedCluster()
			require.NoError(t, generated.CheckInvariants(rs, acked))
			tt.bad(rs)
			require.EqualError(t, tt.check(rs), tt.want)
		})
	}
}

// TestInvariantTable checks that the generated table lists every invariant
// of the spec, in spec order, with its position.
func TestInvariantTable(t *testing.T) {
	var names []string
	for _, inv := range generated.Invariants {
		names = append(names, inv.Name)
		require.Regexp(t, `^spec/invariants\.go:\d+$`, inv.Pos)
	}
	require.Equal(t, []string{
		"CommitNumberAtMostOpNumber", "CommittedPrefixesAgree", "CheckpointsAgree",
		"NormalLogMatchesPrimary", "ExecutedAtMostOnce", "AcknowledgedNotLost", "OnePrimaryPerView", "LeaseReadsCurrent",
	}, names)
}

// TestActions checks each action property on a good step, on a bad one,
// and on the same bad step of a replica that crashed, which is exempt.
func TestActions(t *testing.T) {
	tests := []struct {
		name  string
		check func(before, after *spec.Replica) error
		bad   func(r *spec.Replica)
		want  string
	}{
		{"ViewNeverDecreases", spec.ViewNeverDecreases, func(r *spec.Replica) { r.View = 1 }, "replica 0: epoch and view went from 0.2 to 0.1"},
		{"ViewNeverDecreases, epochs", spec.ViewNeverDecreases, func(r *spec.Replica) { r.Epoch, r.View = 0, 5 }, "replica 0: epoch and view went from 1.2 to 0.5"},
		{"CommitNeverDecreases", spec.CommitNeverDecreases, func(r *spec.Replica) { r.CommitNumber = 1 }, "replica 0: commit-number went from 2 to 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := committedCluster()[0]
			before.View = 2
			if tt.name == "ViewNeverDecreases, epochs" {
				before.Epoch = 1
			}
			after := (*generated.Replica)(&before).Clone()
			after.View, after.OpNumber = 3, 3
			require.NoError(t, tt.check(&before, &after))
			require.NoError(t, generated.CheckActions(&before, &after))
			tt.bad(&after)
			require.EqualError(t, tt.check(&before, &after), tt.want)
			require.ErrorContains(t, generated.CheckActions(&before, &after), "action "+strings.TrimSuffix(tt.name, ", epochs"))
			after.Status = spec.Recovering
			require.NoError(t, tt.check(&before, &after))
		})
	}
}

// TestOnePrimaryPerView checks the invariant on the replicas of a
// reconfiguration that replaces replica 2 by 3: it holds while the
// replicas of epoch 1 agree on its group, and breaks when two of them are
// primary of the same view, or when they disagree on the group.
func TestOnePrimaryPerView(t *testing.T) {
	cfg := spec.Config{Replicas: 4, Members: 0b0111}
	rs := []spec.Replica{spec.NewReplica(cfg, 0), spec.NewReplica(cfg, 1), spec.NewReplica(cfg, 2), spec.NewReplica(cfg, 3)}
	for i := range rs {
		rs[i].Status, rs[i].Epoch, rs[i].Members, rs[i].OldMembers, rs[i].EpochStart = spec.Normal, 1, 0b1011, 0b0111, 1
	}
	rs[2].Status = spec.Leaving
	require.NoError(t, spec.OnePrimaryPerView(rs))

	// Replica 3 takes the group {3} for the epoch's: it is the primary
	// of view 0, as replica 0 is.
	rs[3].Members = 0b1000
	require.EqualError(t, spec.OnePrimaryPerView(rs), "replicas 0 and 3: both primary of epoch 1 view 0")

	// Replica 1 takes the old group for the epoch's: no second primary,
	// but a group the others do not have.
	rs[3].Members, rs[1].Members = 0b1011, 0b0111
	require.EqualError(t, spec.OnePrimaryPerView(rs),
		"replicas 0 and 1: epoch 1 has group {r0, r1, r3} after {r0, r1, r2} from op 1 at one, group {r0, r1, r2} after {r0, r1, r2} from op 1 at the other")
}
