package modelcheck

import (
	"fmt"

	"github.com/viewstamped/vsr/modelcheck/model"
)

// Behavior follows one behavior of a bounded configuration from its
// initial state, a step at a time, with the checker's own steps and
// semantics: the steps the environment offers in a state are the ones a
// search would take, in the same order, and a step leads to the state a
// search would reach. A trace validator replays a trace through it.
type Behavior[R any] struct {
	c *checker[R]
	w *world[R]
}

// NewBehavior starts a behavior of p from the replicas init within bounds
// b.
func NewBehavior[R any](p model.Protocol[R], init []R, b Bounds) (*Behavior[R], error) {
	c, err := newChecker(p, init, b, Options{Workers: 1})
	if err != nil {
		return nil, err
	}
	w, err := c.decode(c.encode(nil, c.init))
	if err != nil {
		return nil, err
	}
	return &Behavior[R]{c: c, w: w}, nil
}

// Invariants checks the spec's invariants in the current state.
func (b *Behavior[R]) Invariants() error { return b.c.invariants(b.w) }

// Replicas returns the number of replicas.
func (b *Behavior[R]) Replicas() int { return len(b.w.replicas) }

// Replica returns the state of replica i, which the caller must not
// change.
func (b *Behavior[R]) Replica(i int) *R { return &b.w.replicas[i] }

// Budget is what is left of the environment's bounds in a state.
type Budget struct {
	Drops, Duplicates, Crashes int
	// Timeouts holds what is left of each timeout kind, indexed as
	// Protocol.Timeouts names them; -1 is unbounded.
	Timeouts []int
	// Down holds the replicas that are down, a bit each.
	Down uint64
	// NextNonce is the nonce of the next restart.
	NextNonce uint64
}

// Budget returns what is left of the bounds in the current state.
func (b *Behavior[R]) Budget() Budget {
	w := b.w
	return Budget{Drops: w.drops, Duplicates: w.dups, Crashes: w.crashes, Timeouts: w.timeouts,
		Down: w.down, NextNonce: w.restarts + 1}
}

// MaxDown returns the most replicas the bounds let be down at once.
func (b *Behavior[R]) MaxDown() int { return b.c.bounds.MaxDown }

// Offer is a step the environment offers in a state: a delivery, a timeout,
// a client's request, a fault of the network, a crash or a restart.
type Offer struct {
	// Kind is deliver, timeout, request, retry, drop, duplicate, crash or
	// restart.
	Kind string
	// Replica is the replica that acts; for a drop or a duplicate, the
	// message's destination.
	Replica int
	// Event is what the step consumes.
	Event model.Event
	act   *action
	entry int
}

// Fault reports whether the offer is a drop or a duplicate, a step of the
// network that no rule answers.
func (o *Offer) Fault() bool { return o.act.fault() }

// Offers returns the steps the environment offers in the current state, in
// the order of the successors a search generates.
func (b *Behavior[R]) Offers() []Offer {
	var offers []Offer
	b.c.offers(b.w, func(act *action, entry int) {
		offers = append(offers, Offer{Kind: act.kind.String(), Replica: act.replica, Event: b.c.event(b.w, act), act: act, entry: entry})
	})
	return offers
}

// Next is a step taken from the current state, not yet moved to.
type Next[R any] struct {
	// Step describes the step; Step.Fired is zero when no rule answered
	// it and it is no fault.
	Step PathStep[R]
	// Invariant is the invariant the state after the step breaks, or nil.
	Invariant error
	w         *world[R]
}

// Try takes offer o from the current state, which it leaves as it is. It
// returns nil when the offer is no fault and no rule answers it.
func (b *Behavior[R]) Try(o Offer) (*Next[R], error) {
	act := *o.act
	var next *world[R]
	e := enumerator[R]{c: b.c, w: b.w, tracing: true, emit: func(s *world[R], _ *action) bool {
		next = s
		return false
	}}
	if act.fault() {
		e.fault(&act, o.entry)
	} else {
		e.step(&act, o.entry)
	}
	if e.err != nil {
		return nil, e.err
	}
	if next == nil {
		return nil, nil
	}
	s, err := b.c.describeStep(b.w, next, &act)
	if err != nil {
		return nil, err
	}
	return &Next[R]{Step: s, Invariant: b.c.invariants(next), w: next}, nil
}

// Move makes the state after n the current state.
func (b *Behavior[R]) Move(n *Next[R]) error {
	if n == nil || n.w == nil {
		return fmt.Errorf("modelcheck: move to no step")
	}
	b.w = n.w
	return nil
}
