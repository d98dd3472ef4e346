package modelcheck_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/bounded"
	"github.com/viewstamped/vsr/generated"
	"github.com/viewstamped/vsr/generated/checker"
	"github.com/viewstamped/vsr/lang"
	"github.com/viewstamped/vsr/modelcheck/model"
	"github.com/viewstamped/vsr/route"
	"github.com/viewstamped/vsr/spec"
)

// mutant is the VR model with one rule broken on purpose: after rule
// fires, mutate changes the state it left. before, if set, changes the
// state a client request arrives at.
type mutant struct {
	checker.Protocol
	rule   string
	mutate func(r *spec.Replica)
	before func(r *spec.Replica)
	// replyEarly makes ReceiveRequest reply at once.
	replyEarly bool
}

func (m mutant) fix(next spec.Replica, f model.Fired) spec.Replica {
	rules := m.Rules()
	if m.mutate != nil && (rules[f.Rule].Name == m.rule || f.Quorum != 0 && rules[f.Quorum].Name == m.rule) {
		m.mutate(&next)
	}
	return next
}

func (m mutant) Deliver(r *spec.Replica, msg []byte, out *route.Out) (spec.Replica, model.Fired, error) {
	next, f, err := m.Protocol.Deliver(r, msg, out)
	return m.fix(next, f), f, err
}

func (m mutant) Timeout(r *spec.Replica, t int, out *route.Out) (spec.Replica, model.Fired) {
	next, f := m.Protocol.Timeout(r, t, out)
	return m.fix(next, f), f
}

func (m mutant) Request(r *spec.Replica, c, n uint64, v []byte, out *route.Out) (spec.Replica, model.Fired) {
	if m.before != nil {
		copied := m.Protocol.CloneReplica(r)
		m.before(&copied)
		r = &copied
	}
	next, f := m.Protocol.Request(r, c, n, v, out)
	if m.replyEarly && f.Rule == uint8(generated.RuleReceiveRequest) {
		reply := spec.Reply{View: next.View, Request: spec.RequestNumber(n), Client: spec.ClientID(c), Result: v}
		msg, err := generated.AppendMessage(nil, reply)
		if err != nil {
			panic(err)
		}
		out.Effects = append(out.Effects, route.Effect{Kind: lang.Reply, Client: c, Msg: msg})
	}
	return m.fix(next, f), f
}

// mutantSettings are the bounded configurations of the mutants that need
// more than vr's: checkpoints, leases.
var mutantSettings = map[string][]string{
	"CheckpointsAgree":  {"clients", "2", "viewchanges", "0", "checkpoint", "1"},
	"LeaseReadsCurrent": {"values", "1", "lease", "2", "lease-margin", "2", "lease-timeouts", "1", "ticks", "3"},
	// Replace replica 2 of {0, 1, 2} by 3, with nothing else going on.
	"OnePrimaryPerView":          {"replicas", "4", "members", "0,1,2", "reconfigure", "0,1,3", "values", "0", "viewchanges", "0"},
	"ViewNeverDecreases, epochs": {"replicas", "4", "members", "0,1,2", "reconfigure", "0,1,3", "values", "0", "viewchanges", "0"},
	// Move the group from {3, 4, 5} to {0, 1, 2}, after a client's
	// write.
	"AcknowledgedNotLost, epochs": {"replicas", "6", "members", "3,4,5", "reconfigure", "0,1,2", "values", "1", "viewchanges", "0"},
}

// TestMutantsBreakInvariants breaks one rule at a time and requires the
// checker to report the invariant or action property that the breakage
// violates: every invariant of the spec is shown to catch something.
func TestMutantsBreakInvariants(t *testing.T) {
	bad := []byte("bad")
	tests := []struct {
		name       string
		m          mutant
		values, vc int
		want       string
	}{
		{"CommitNumberAtMostOpNumber", mutant{rule: "CommitOperations", mutate: func(r *spec.Replica) { r.CommitNumber++ }}, 1, 0,
			"invariant CommitNumberAtMostOpNumber"},
		{"CommittedPrefixesAgree", mutant{rule: "ReceiveCommit", mutate: func(r *spec.Replica) { r.Log[0].Op = bad }}, 2, 0,
			"invariant CommittedPrefixesAgree"},
		// A checkpoint of the live client table, which also records
		// the requests in progress, is not what the operations up to it
		// left: with two clients, a replica with another's request in its
		// log records it as a different checkpoint.
		{"CheckpointsAgree", mutant{rule: "CommitOperations", mutate: func(r *spec.Replica) {
			if r.Checkpoint.Op != 0 {
				r.Checkpoint.ClientTable = slices.Clone(r.ClientTable)
			}
		}}, 0, 0, "invariant CheckpointsAgree"},
		// A backup grants the primary a lease without promising anything:
		// a new view starts and commits while the old primary still
		// answers reads.
		{"LeaseReadsCurrent", mutant{rule: "PromiseLease", mutate: func(r *spec.Replica) { r.Promise = 0 }}, 0, 0,
			"invariant LeaseReadsCurrent"},
		{"NormalLogMatchesPrimary", mutant{rule: "ReceivePrepare", mutate: func(r *spec.Replica) { r.Log[len(r.Log)-1].Op = bad }}, 1, 0,
			"invariant NormalLogMatchesPrimary"},
		{"ExecutedAtMostOnce", mutant{before: func(r *spec.Replica) { r.ClientTable = nil }}, 1, 0,
			"invariant ExecutedAtMostOnce"},
		// The primary replies as soon as it accepts a request, before the
		// operation commits; a view change can then lose it.
		{"AcknowledgedNotLost", mutant{replyEarly: true}, 1, 1, "invariant AcknowledgedNotLost"},
		{"ViewNeverDecreases", mutant{rule: "RecordStartViewChange", mutate: func(r *spec.Replica) { r.View = 0 }}, 0, 1,
			"action ViewNeverDecreases"},
		{"CommitNeverDecreases", mutant{rule: "SendCommit", mutate: func(r *spec.Replica) { r.CommitNumber = 0 }}, 1, 0,
			"action CommitNeverDecreases"},
		// A replica that joins takes the group before the
		// reconfiguration for the epoch's: it and the others disagree
		// on who is primary.
		{"OnePrimaryPerView", mutant{rule: "ReceiveStartEpoch", mutate: func(r *spec.Replica) { r.Members = r.OldMembers }}, 0, 0,
			"invariant OnePrimaryPerView"},
		// A replica of both groups goes back to the epoch before when it
		// hears that another has started the new one.
		{"ViewNeverDecreases, epochs", mutant{rule: "RecordEpochStarted", mutate: func(r *spec.Replica) { r.Epoch-- }}, 0, 0,
			"action ViewNeverDecreases"},
		// The replica that joins starts the epoch with the history it
		// had, none, not the one the StartEpoch carries: as the next
		// epoch's primary it has lost the write acknowledged in the
		// epoch before.
		{"AcknowledgedNotLost, epochs", mutant{rule: "ReceiveStartEpoch", mutate: func(r *spec.Replica) {
			r.Log, r.ClientTable, r.Checkpoint = nil, nil, spec.Checkpoint{}
			r.LogStart, r.OpNumber, r.CommitNumber = 0, 0, 0
		}}, 0, 0, "invariant AcknowledgedNotLost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if settings, ok := mutantSettings[tt.name]; ok {
				c, err := bounded.Of(settings...)
				require.NoError(t, err)
				res := check(t, tt.m, c.Spec(), c.Bounds(), modelOptions())
				require.NotNil(t, res.Violation, "the checker missed the broken rule")
				require.ErrorContains(t, res.Violation.Err, tt.want)
				return
			}
			b := vr(tt.values, tt.vc)
			if tt.name == "CommittedPrefixesAgree" || tt.name == "CommitNeverDecreases" {
				b.TimeoutLimits[bounded.CommitTimeout] = 1
			}
			res := check(t, tt.m, spec.Config{Replicas: 3}, b, modelOptions())
			require.NotNil(t, res.Violation, "the checker missed the broken rule")
			require.ErrorContains(t, res.Violation.Err, tt.want)
			require.NotEmpty(t, res.Violation.Trace)
		})
	}
}
