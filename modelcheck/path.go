package modelcheck

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/viewstamped/vsr/modelcheck/model"
	"github.com/viewstamped/vsr/route"
)

// Path is a path of a search from the initial state, for Steps to
// describe.
type Path struct {
	ords []uint32 // the ordinal of each step among its state's successors
}

// Len returns the number of steps of p.
func (p Path) Len() int { return len(p.ords) }

// PathStep is one step of a path, described for a trace: what the
// environment did, the rules that fired, and the acting replica's state
// after the step and, when a quorum rule fired, after the first rule
// alone.
type PathStep[R any] struct {
	// Kind is what the environment did: deliver, timeout, request, retry,
	// drop, duplicate, crash or restart.
	Kind string
	// Replica is the replica that acts; for a drop or a duplicate, the
	// message's destination.
	Replica int
	// Event is what the step consumed: the message delivered, dropped or
	// duplicated, the timeout, the request, or the crash or restart.
	Event model.Event
	// Timeout names the timeout kind of a timeout.
	Timeout string
	// Fired is the rules that fired; none for a drop or a duplicate.
	Fired model.Fired
	// After is the replica's state after the step.
	After R
	// Mid is its state after Fired.Rule alone, when Fired.Quorum fired
	// too; nil otherwise.
	Mid *R
	// Effects are what the step emitted, in order; the first Split of them
	// come from Fired.Rule, the rest from Fired.Quorum.
	Effects []route.Effect
	Split   int
	// Broken is the action property the step breaks, or nil.
	Broken error
}

// Steps describes the steps of path, which a search of p from the
// replicas init within bounds b and with options o found. With symmetry the
// search follows states up to a renaming of the values; Steps follows the
// states themselves, so that every value keeps its name from step to step.
func Steps[R any](p model.Protocol[R], init []R, b Bounds, o Options, path Path) ([]PathStep[R], error) {
	c, err := newChecker(p, init, b, o)
	if err != nil {
		return nil, err
	}
	w, err := c.decode(c.encode(nil, c.init))
	if err != nil {
		return nil, err
	}
	var steps []PathStep[R]
	for i, ord := range path.ords {
		next, act, err := c.follow(w, ord)
		if err != nil {
			return nil, fmt.Errorf("step %d: %w", i+1, err)
		}
		s, err := c.describeStep(w, next, act)
		if err != nil {
			return nil, fmt.Errorf("step %d: %w", i+1, err)
		}
		steps = append(steps, s)
		if w, err = c.decode(c.encode(nil, next)); err != nil {
			return nil, err
		}
	}
	return steps, nil
}

// follow returns the successor of w, and its action, that the step with
// ordinal ord takes from the canonical form of w.
func (c *checker[R]) follow(w *world[R], ord uint32) (*world[R], *action, error) {
	b, err := c.canonical(w)
	if err != nil {
		return nil, nil, err
	}
	canon, err := c.decode(b)
	if err != nil {
		return nil, nil, err
	}
	next, act, err := c.nth(canon, ord, true)
	if err != nil || c.perms == nil {
		// Without symmetry, w is its canonical form.
		return next, act, err
	}
	target, err := c.canonical(next)
	if err != nil {
		return nil, nil, err
	}
	var found *world[R]
	var cerr error
	err = c.allSuccessors(w, func(s *world[R], a *action) bool {
		b, err := c.canonical(s)
		if err != nil {
			cerr = err
			return false
		}
		if bytes.Equal(b, target) {
			found, act = s, a
			return false
		}
		return true
	})
	switch {
	case err != nil:
		return nil, nil, err
	case cerr != nil:
		return nil, nil, cerr
	case found == nil:
		return nil, nil, fmt.Errorf("no successor is a renaming of successor %d of the canonical state", ord)
	}
	return found, act, nil
}

// nth returns the successor of w with ordinal ord, and its action. With
// tracing, a step that breaks an action property is a successor too, with
// act.broken set; without, it ends the enumeration, and nth returns it
// with a nil successor when it is the step with ordinal ord.
func (c *checker[R]) nth(w *world[R], ord uint32, tracing bool) (*world[R], *action, error) {
	var n uint32
	var next *world[R]
	var act *action
	e := enumerator[R]{c: c, w: w, tracing: tracing, emit: func(s *world[R], a *action) bool {
		n++
		if n == ord {
			next, act = s, a
			return false
		}
		return true
	}}
	e.run()
	switch {
	case next != nil:
		return next, act, nil
	case e.bad != nil && n+1 == ord:
		return nil, e.bad, nil
	case e.err != nil:
		return nil, nil, e.err
	}
	return nil, nil, fmt.Errorf("no successor %d (the state has %d)", ord, n)
}

// event returns what act consumes in state w.
func (c *checker[R]) event(w *world[R], act *action) model.Event {
	switch act.kind {
	case actDeliver, actDrop, actDuplicate:
		return model.Event{Kind: model.EventMessage, Msg: act.msg}
	case actTimeout:
		return model.Event{Kind: model.EventTimeout, Timeout: act.timeout}
	case actRequest, actRetry:
		return model.Event{Kind: model.EventRequest, Client: uint64(act.client + 1), Request: act.request, Value: c.values[act.value]}
	case actCrash:
		return model.Event{Kind: model.EventCrash}
	case actReconfigure:
		return model.Event{Kind: model.EventReconfigure, Client: c.admin(), Request: 1, Members: c.bounds.Reconfigure}
	}
	return model.Event{Kind: model.EventRestart, Nonce: w.restarts + 1}
}

// describeStep describes the step act from w to next.
func (c *checker[R]) describeStep(w, next *world[R], act *action) (PathStep[R], error) {
	r := act.replica
	s := PathStep[R]{
		Kind: act.kind.String(), Replica: r, Event: c.event(w, act), Fired: act.fired,
		After: c.p.CloneReplica(&next.replicas[r]), Effects: act.effects, Split: len(act.effects), Broken: act.broken,
	}
	if act.kind == actTimeout {
		s.Timeout = c.p.Timeouts()[act.timeout]
	}
	if act.fired.Quorum == 0 {
		return s, nil
	}
	mid, split, err := c.mid(&w.replicas[r], &s.After, act, s.Event)
	if err != nil {
		return s, err
	}
	s.Mid, s.Split = &mid, split
	return s, nil
}

// mid returns the state that the first rule of step act, which fired a
// quorum rule too, leaves alone, and the number of effects it emits; the
// step goes from before to after.
func (c *checker[R]) mid(before, after *R, act *action, ev model.Event) (R, int, error) {
	var out route.Out
	rules := c.p.Rules()
	mid, ok, err := c.p.ApplyRule(before, act.fired.Rule, ev, &out)
	if err != nil || !ok {
		return mid, 0, fmt.Errorf("rule %s alone does not apply to the event of its step (%v)", rules[act.fired.Rule].Name, err)
	}
	split := len(out.Effects)
	// The quorum rule on the state the first rule left must give the
	// step's state and effects: then the two trace lines tell the step
	// exactly.
	both, ok, err := c.p.ApplyRule(&mid, act.fired.Quorum, ev, &out)
	if err != nil || !ok || !c.sameReplica(&both, after) || !sameEffects(out.Effects, act.effects) {
		return mid, 0, fmt.Errorf("rules %s then %s, one at a time, do not make the step that both make together (%v)",
			rules[act.fired.Rule].Name, rules[act.fired.Quorum].Name, err)
	}
	return mid, split, nil
}

func (c *checker[R]) sameReplica(a, b *R) bool {
	return bytes.Equal(c.p.AppendReplica(nil, a), c.p.AppendReplica(nil, b))
}

func sameEffects(a, b []route.Effect) bool {
	return slices.EqualFunc(a, b, func(x, y route.Effect) bool {
		return x.Kind == y.Kind && x.To == y.To && x.Client == y.Client && bytes.Equal(x.Msg, y.Msg)
	})
}
