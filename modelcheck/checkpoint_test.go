package modelcheck_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/bounded"
	"github.com/viewstamped/vsr/generated"
	"github.com/viewstamped/vsr/generated/checker"
	"github.com/viewstamped/vsr/modelcheck"
	"github.com/viewstamped/vsr/modelcheck/model"
	"github.com/viewstamped/vsr/route"
	"github.com/viewstamped/vsr/spec"
)

// checkpointWatch is the generated protocol, counting the transitions that
// discard log entries, those in which a replica installs a checkpoint it
// received (by the rule that did), and those that start a view from a
// DoViewChange whose entries do not begin the log.
type checkpointWatch struct {
	checker.Protocol
	mu       *sync.Mutex
	discards *int
	installs map[string]int
	compact  *int
}

func (p checkpointWatch) note(r, next *spec.Replica, f model.Fired, msg []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if next.LogStart > r.LogStart && next.Status != spec.Crashed {
		*p.discards++
	}
	if c := p.carried(r, msg); c != 0 && c > r.CommitNumber && next.Checkpoint.Op >= c && r.Status != spec.Crashed {
		rule := f.Rule
		if f.Quorum != 0 {
			rule = f.Quorum
		}
		p.installs[generated.Rules[rule].Name]++
	}
	if f.Quorum == uint8(generated.RuleStartNewView) && r.Status == spec.ViewChange {
		for _, d := range r.DoViewChanges {
			if d.Op > spec.OpNumber(len(d.Log)) {
				*p.compact++
				break
			}
		}
	}
}

// carried returns the op-number of the latest checkpoint that msg, or a
// DoViewChange that r keeps, carries; 0 for none.
func (p checkpointWatch) carried(r *spec.Replica, msg []byte) spec.OpNumber {
	var op spec.OpNumber
	for i := range r.DoViewChanges {
		op = max(op, r.DoViewChanges[i].Checkpoint.Op)
	}
	if msg == nil {
		return op
	}
	m, err := p.DecodeMessage(msg)
	if err != nil {
		panic(err)
	}
	switch m := m.(type) {
	case spec.NewState:
		op = max(op, m.Checkpoint.Op)
	case spec.StartView:
		op = max(op, m.Checkpoint.Op)
	case spec.DoViewChange:
		op = max(op, m.Checkpoint.Op)
	case spec.RecoveryResponse:
		op = max(op, m.Checkpoint.Op)
	}
	return op
}

func (p checkpointWatch) Deliver(r *spec.Replica, msg []byte, out *route.Out) (spec.Replica, model.Fired, error) {
	next, f, err := p.Protocol.Deliver(r, msg, out)
	if err == nil && f.Rule != 0 {
		p.note(r, &next, f, msg)
	}
	return next, f, err
}

func (p checkpointWatch) Request(r *spec.Replica, c, n uint64, v []byte, out *route.Out) (spec.Replica, model.Fired) {
	next, f := p.Protocol.Request(r, c, n, v, out)
	if f.Rule != 0 {
		p.note(r, &next, f, nil)
	}
	return next, f
}

// checkpointRun checks the configuration given by settings exhaustively
// and returns its result and what the watch counted.
func checkpointRun(t *testing.T, settings ...string) (*modelcheck.Result, checkpointWatch) {
	t.Helper()
	c, err := bounded.Of(settings...)
	require.NoError(t, err)
	w := checkpointWatch{mu: &sync.Mutex{}, discards: new(int), installs: map[string]int{}, compact: new(int)}
	res, err := modelcheck.Check[spec.Replica](w, c.InitialReplicas(), c.Bounds(), modelcheck.Options{})
	require.NoError(t, err)
	require.True(t, res.Complete)
	require.Nil(t, res.Violation)
	return res, w
}

// TestCheckpointsAreExplored: with a checkpoint after every committed
// operation, the search discards log entries, installs checkpoints that
// NewState, StartView, DoViewChange and RecoveryResponse carry, and, with
// view change messages of one entry, starts views from DoViewChanges that
// do not hold the whole log and fetches what they leave out; every state
// keeps the invariants. Without checkpoints, none of it happens.
func TestCheckpointsAreExplored(t *testing.T) {
	res, w := checkpointRun(t, "checkpoint", "1", "viewchange-log", "1")
	t.Logf("checkpoint 1, view change log 1: %d states; %d transitions discard entries, %d start a view from a partial log; installs %v; fetches: %d FetchDoViewChange, %d FetchStartView",
		res.Distinct, *w.discards, *w.compact, w.installs, res.Fired[generated.RuleFetchDoViewChange], res.Fired[generated.RuleFetchStartView])
	require.Positive(t, *w.discards)
	require.Positive(t, *w.compact)
	for _, rule := range []string{"ReceiveNewState", "ReceiveStartView", "StartNewView"} {
		require.Positive(t, w.installs[rule], "no %s installs a checkpoint", rule)
	}
	require.Positive(t, res.Fired[generated.RuleFetchDoViewChange])
	require.Positive(t, res.Fired[generated.RuleFetchStartView])

	res, w = checkpointRun(t, "checkpoint", "1", "viewchanges", "0", "crashes", "1", "recovery-timeouts", "1")
	t.Logf("checkpoint 1, a crash: %d states; installs %v", res.Distinct, w.installs)
	require.Positive(t, w.installs["FinishRecovery"], "no recovery installs a checkpoint")

	res, w = checkpointRun(t, "viewchange-log", "0")
	require.Zero(t, *w.discards+*w.compact+len(w.installs))
	require.Zero(t, res.Fired[generated.RuleFetchDoViewChange]+res.Fired[generated.RuleFetchStartView])
}
