package spec_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/generated"
	"github.com/viewstamped/vsr/internal/scenario"
	"github.com/viewstamped/vsr/lang"
	"github.com/viewstamped/vsr/spec"
	"github.com/viewstamped/vsr/wire"
)

// walkBounds bounds the faults and requests of one random walk.
type walkBounds struct {
	requests, viewChanges, drops, duplicates, crashes int
}

// walk runs one seeded random walk of at most steps steps on a cluster
// with configuration cfg and returns the first invariant or action
// property it breaks, with the walk that broke it.
func walk(cfg spec.Config, seed uint64, steps int, b walkBounds) error {
	rng := rand.New(rand.NewPCG(seed, 0))
	c := scenario.New(cfg)
	c.NewService = func() lang.Service { return &recorder{} }
	var trace []string
	down := 0
	for step := 0; step < steps; step++ {
		var lines []string
		var err error
		n := len(c.Replicas)
		r := spec.ReplicaIndex(rng.IntN(n))
		switch k := rng.IntN(10); {
		case k == 0 && b.requests > 0:
			b.requests--
			lines = []string{c.Request(1, spec.RequestNumber(5-b.requests), fmt.Sprintf("v%d", 5-b.requests), r).String()}
		case k == 1 && b.viewChanges > 0:
			b.viewChanges--
			lines, err = c.Timeout(r, spec.ViewChangeTimeout{})
		case k == 2:
			lines, err = c.Timeout(r, spec.CommitTimeout{})
		case k == 3:
			lines, err = c.Timeout(r, spec.RecoveryTimeout{})
		case k == 4 && b.crashes > 0 && down < cfg.F() && c.Replicas[r].Status != spec.Crashed:
			b.crashes--
			down++
			lines, err = c.Crash(r)
		case k == 5 && c.Replicas[r].Status == spec.Crashed:
			down--
			lines, err = c.Restart(r)
		case k == 6 && b.drops > 0 && len(c.InFlight()) > 0:
			b.drops--
			e := c.InFlight()[rng.IntN(len(c.InFlight()))]
			lines, err = []string{"drop " + e.String()}, c.Drop(e.ID)
		case k == 7 && b.duplicates > 0 && len(c.InFlight()) > 0:
			b.duplicates--
			var e *scenario.Envelope
			e, err = c.Duplicate(c.InFlight()[rng.IntN(len(c.InFlight()))].ID)
			lines = []string{"duplicate " + e.String()}
		default:
			if len(c.InFlight()) == 0 {
				continue
			}
			lines, err = c.Deliver(c.InFlight()[rng.IntN(len(c.InFlight()))].ID)
		}
		if err != nil {
			return err
		}
		trace = append(trace, lines...)
		if len(c.Broken) > 0 {
			return fmt.Errorf("seed %d step %d: %v\n%s", seed, step, c.Broken[0], lines)
		}
		if err := c.Check(); err != nil {
			return fmt.Errorf("seed %d step %d: %v (%d trace lines)", seed, step, err, len(trace))
		}
		if err := executedOnce(c); err != nil {
			return fmt.Errorf("seed %d step %d: %v (%d trace lines)", seed, step, err, len(trace))
		}
	}
	return nil
}

// recorder is a service that echoes, as the model checker's does, and
// records what it executed: its state is that history, which its
// snapshots hold.
type recorder struct {
	executed []spec.Request
	// unknown counts the results asked for again that it did not know:
	// the last executed request of its client is another one.
	unknown int
}

func (s *recorder) Execute(client, request uint64, op []byte) []byte {
	s.executed = append(s.executed, spec.Request{Op: op, Client: spec.ClientID(client), Request: spec.RequestNumber(request)})
	return op
}

func (s *recorder) Executed(client, request uint64, op []byte) []byte {
	for i := len(s.executed) - 1; i >= 0; i-- {
		if e := s.executed[i]; uint64(e.Client) == client {
			if uint64(e.Request) == request {
				return op
			}
			break
		}
	}
	s.unknown++
	return op
}

func (s *recorder) Query(client, request uint64, op []byte) []byte { return op }

func (s *recorder) Snapshot() []byte {
	var b []byte
	for i := range s.executed {
		b = (*generated.Request)(&s.executed[i]).AppendCanonical(b)
	}
	return b
}

func (s *recorder) Restore(state []byte) {
	history, err := decodeHistory(state)
	if err != nil {
		panic(err)
	}
	s.executed = history
}

// decodeHistory decodes a recorder's snapshot.
func decodeHistory(b []byte) ([]spec.Request, error) {
	var history []spec.Request
	for len(b) > 0 {
		d := wire.NewDecoder(b)
		var req spec.Request
		(*generated.Request)(&req).Decode(&d)
		if err := d.Err(); err != nil {
			return nil, fmt.Errorf("a recorder's snapshot: %w", err)
		}
		history = append(history, req)
		b = d.Tail()
	}
	return history, nil
}

// executedOnce checks that the service of every replica that has not
// crashed has executed exactly the committed prefix of its log, once each,
// in op order, and that it knew every result a replica asked for again.
func executedOnce(c *scenario.Cluster) error {
	for i := range c.Replicas {
		r := &c.Replicas[i]
		if r.Status == spec.Crashed {
			continue
		}
		s := c.Service(r.Index).(*recorder)
		committed, err := decodeHistory(r.Checkpoint.State)
		if err != nil {
			return fmt.Errorf("replica %d: %w", r.Index, err)
		}
		if len(committed) != int(r.Checkpoint.Op) {
			return fmt.Errorf("replica %d: the snapshot of its checkpoint at op %d holds %d operations", r.Index, r.Checkpoint.Op, len(committed))
		}
		for op := r.Checkpoint.Op + 1; op <= r.CommitNumber; op++ {
			committed = append(committed, r.Log[op-r.LogStart-1])
		}
		if len(s.executed) != len(committed) {
			return fmt.Errorf("replica %d: the service executed %d operations, the replica committed %d", r.Index, len(s.executed), len(committed))
		}
		for n := range committed {
			if e, l := s.executed[n], committed[n]; e.Client != l.Client || e.Request != l.Request || !bytes.Equal(e.Op, l.Op) {
				return fmt.Errorf("replica %d: op %d: the service executed client %d request %d, the log has client %d request %d",
					r.Index, n+1, e.Client, e.Request, l.Client, l.Request)
			}
		}
		if s.unknown > 0 {
			return fmt.Errorf("replica %d: asked its service %d times for a result it did not know", r.Index, s.unknown)
		}
	}
	return nil
}

// TestRandomWalks runs seeded random walks over the safe protocol, with
// view changes, losses, duplicates and crashes, and requires that no
// invariant or action property ever breaks. The model checker explores
// these interleavings exhaustively; the walks are a quick net in the
// ordinary suite.
func TestRandomWalks(t *testing.T) {
	walks := 300
	if testing.Short() {
		walks = 30
	}
	for _, cfg := range []spec.Config{
		{Replicas: 3}, {Replicas: 5},
		// Checkpoints and compact view changes: logs are discarded,
		// lagging replicas catch up from checkpoints, and view changes
		// fetch the entries their messages do not carry.
		{Replicas: 3, CheckpointInterval: 1, ViewChangeLog: 1},
		{Replicas: 3, CheckpointInterval: 2, ViewChangeLog: 1, Batch: 2, Pipeline: 1},
		{Replicas: 5, CheckpointInterval: 1, ViewChangeLog: 1},
	} {
		for seed := uint64(1); seed <= uint64(walks); seed++ {
			err := walk(cfg, seed, 400, walkBounds{requests: 4, viewChanges: 3, drops: 4, duplicates: 4, crashes: 2})
			require.NoError(t, err, "%+v", cfg)
		}
	}
}

// TestRandomWalksCatchStartViewInNormal shows that the walks can fail: with
// the literal reading of 4.2, a seeded walk rolls a backup back.
func TestRandomWalksCatchStartViewInNormal(t *testing.T) {
	cfg := spec.Config{Replicas: 3, StartViewInNormal: true}
	err := walk(cfg, 1, 300, walkBounds{requests: 4, viewChanges: 3, drops: 3, duplicates: 3, crashes: 3})
	require.ErrorContains(t, err, "seed 1 step 218: action CommitNeverDecreases")
}

// TestExecutedOnceCatches shows the check rejecting a service that
// executed an operation twice, one that missed one, and one asked for a
// result it did not know.
func TestExecutedOnceCatches(t *testing.T) {
	committed := func() *scenario.Cluster {
		c := scenario.New(spec.Config{Replicas: 3})
		c.NewService = func() lang.Service { return &recorder{} }
		c.Request(1, 1, "v1", 0)
		c.Stabilize()
		_, err := c.Timeout(0, spec.CommitTimeout{})
		require.NoError(t, err)
		c.Stabilize()
		require.NoError(t, executedOnce(c))
		return c
	}
	c := committed()
	s := c.Service(1).(*recorder)
	s.executed = append(s.executed, s.executed[0])
	require.ErrorContains(t, executedOnce(c), "replica 1: the service executed 2 operations, the replica committed 1")

	c = committed()
	c.Service(2).(*recorder).executed = nil
	require.ErrorContains(t, executedOnce(c), "replica 2: the service executed 0 operations, the replica committed 1")

	c = committed()
	c.Service(0).(*recorder).executed[0].Request = 7
	require.ErrorContains(t, executedOnce(c), "replica 0: op 1: the service executed client 1 request 7")

	c = committed()
	c.Service(0).Executed(1, 9, nil)
	require.ErrorContains(t, executedOnce(c), "replica 0: asked its service 1 times for a result it did not know")
}
