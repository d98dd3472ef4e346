package spec_test

import (
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
			want:  "replica 2: op-number 2 but 1 log entries",
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
			want: "replica 1: 3 log entries, more than its primary 0 has (2) in view 0",
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
			require.NoError(t, generated.CheckInvariants(rs))
			tt.bad(rs)
			require.EqualError(t, tt.check(rs), tt.want)
			err := generated.CheckInvariants(rs)
			require.Error(t, err)
			require.Contains(t, err.Error(), "invariant ")
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
		"CommitNumberAtMostOpNumber", "CommittedPrefixesAgree",
		"NormalLogMatchesPrimary", "ExecutedAtMostOnce",
	}, names)
}
