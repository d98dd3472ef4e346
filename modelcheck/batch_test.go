package modelcheck_test

import (
	"sync/atomic"
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

// batchWatch is the generated protocol, counting the transitions in which
// a backup accepted a Prepare whose batch holds more than one request.
type batchWatch struct {
	checker.Protocol
	accepted *atomic.Int64
}

func (p batchWatch) Deliver(r *spec.Replica, msg []byte, out *route.Out) (spec.Replica, model.Fired, error) {
	next, f, err := p.Protocol.Deliver(r, msg, out)
	if err == nil && f.Rule == uint8(generated.RuleReceivePrepare) {
		if m, derr := p.DecodeMessage(msg); derr == nil && len(m.(spec.Prepare).Requests) > 1 {
			p.accepted.Add(1)
		}
	}
	return next, f, err
}

// batchRun checks the configuration given by settings exhaustively and
// returns its result and how often a backup accepted a batch.
func batchRun(t *testing.T, settings ...string) (*modelcheck.Result, int64) {
	t.Helper()
	c, err := bounded.Of(settings...)
	require.NoError(t, err)
	var accepted atomic.Int64
	res, err := modelcheck.Check[spec.Replica](batchWatch{accepted: &accepted}, c.InitialReplicas(), c.Bounds(), modelcheck.Options{})
	require.NoError(t, err)
	require.True(t, res.Complete)
	return res, accepted.Load()
}

// TestBatchesAreExplored: with a pipeline of one Prepare, requests that
// arrive while it is outstanding leave together, and backups accept such
// batches; every state of the search keeps the invariants. Without a bound
// on the pipeline, or with batches of one, no Prepare carries two.
func TestBatchesAreExplored(t *testing.T) {
	base := []string{"clients", "3", "values", "3", "viewchanges", "0"}
	res, accepted := batchRun(t, append(base, "batch", "2", "pipeline", "1")...)
	require.Nil(t, res.Violation)
	require.Positive(t, accepted, "no backup accepted a batch of two")
	t.Logf("batch 2, pipeline 1: %d states, %d transitions accept a batch of two", res.Distinct, accepted)

	for _, other := range [][]string{{"batch", "2"}, {"batch", "1", "pipeline", "1"}} {
		res, accepted := batchRun(t, append(base, other...)...)
		require.Nil(t, res.Violation)
		require.Zero(t, accepted, "%v", other)
	}
}
