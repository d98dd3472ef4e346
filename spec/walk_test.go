package spec_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/internal/sim"
	"github.com/viewstamped/vsr/spec"
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
	c := sim.New(cfg)
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
			var e *sim.Envelope
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
	for _, replicas := range []uint8{3, 5} {
		cfg := spec.Config{Replicas: replicas}
		for seed := uint64(1); seed <= uint64(walks); seed++ {
			err := walk(cfg, seed, 400, walkBounds{requests: 4, viewChanges: 3, drops: 4, duplicates: 4, crashes: 2})
			require.NoError(t, err, "replicas %d", replicas)
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
