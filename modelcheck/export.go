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
	// Clocks are the Lamport clocks of the step's trace lines: one, or two
	// when a quorum rule fired (see TraceLines).
	Clocks []int
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
	clocks := newLamport(len(init))
	var steps []PathStep[R]
	for i, ord := range path.ords {
		next, act, err := c.follow(w, ord)
		if err != nil {
			return nil, fmt.Errorf("step %d: %w", i+1, err)
		}
		s, split, err := c.describeStep(w, next, act)
		if err != nil {
			return nil, fmt.Errorf("step %d: %w", i+1, err)
		}
		s.Clocks = clocks.stamp(act, split, len(init))
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
	next, act, err := c.nth(canon, ord)
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

// nth returns the successor of w with ordinal ord, and its action.
func (c *checker[R]) nth(w *world[R], ord uint32) (*world[R], *action, error) {
	var n uint32
	var next *world[R]
	var act *action
	err := c.allSuccessors(w, func(s *world[R], a *action) bool {
		n++
		if n == ord {
			next, act = s, a
			return false
		}
		return true
	})
	if err != nil {
		return nil, nil, err
	}
	if next == nil {
		return nil, nil, fmt.Errorf("no successor %d (the state has %d)", ord, n)
	}
	return next, act, nil
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
	}
	return model.Event{Kind: model.EventRestart, Nonce: w.restarts + 1}
}

// describeStep describes the step act from w to next, but for its clocks.
// When a quorum rule fired, split is the number of the step's effects that
// the first rule emitted.
func (c *checker[R]) describeStep(w, next *world[R], act *action) (s PathStep[R], split int, err error) {
	r := act.replica
	s = PathStep[R]{
		Kind: act.kind.String(), Replica: r, Event: c.event(w, act), Fired: act.fired,
		After: c.p.CloneReplica(&next.replicas[r]),
	}
	if act.kind == actTimeout {
		s.Timeout = c.p.Timeouts()[act.timeout]
	}
	if act.fired.Quorum == 0 {
		return s, len(act.effects), nil
	}
	mid, split, err := c.mid(&w.replicas[r], &s.After, act, s.Event)
	if err != nil {
		return s, 0, err
	}
	s.Mid = &mid
	return s, split, nil
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

// stamp returns the clocks of the lines of step act, whose first split
// effects come from its first line, and records what the lines sent to the
// n replicas. A fault line does not tick.
func (l *lamport) stamp(act *action, split, n int) []int {
	r := act.replica
	if act.fault() {
		return []int{l.node[r]}
	}
	var msg []byte
	if act.kind == actDeliver {
		msg = act.msg
	}
	first := l.tick(r, msg)
	l.sends(r, n, first, act.effects[:split])
	if act.fired.Quorum == 0 {
		return []int{first}
	}
	second := l.tick(r, nil)
	l.sends(r, n, second, act.effects[split:])
	return []int{first, second}
}

// lamport keeps the Lamport clocks of a trace: each replica's clock, and
// for each message in flight the clock of the line that last sent it.
type lamport struct {
	node []int
	sent map[sentKey]int
}

type sentKey struct {
	to  int
	msg string
}

func newLamport(n int) *lamport {
	return &lamport{node: make([]int, n), sent: map[sentKey]int{}}
}

// tick returns the clock of a rule line of replica r that consumes msg, or
// nothing when msg is nil, and makes it the replica's clock: one more than
// the replica's clock and than the clock of the line that last sent msg to
// r.
func (l *lamport) tick(r int, msg []byte) int {
	c := l.node[r]
	if msg != nil {
		c = max(c, l.sent[sentKey{r, string(msg)}])
	}
	l.node[r] = c + 1
	return c + 1
}

// sends records that a line with clock at replica from sent effects.
func (l *lamport) sends(from, n, clock int, effects []route.Effect) {
	route.Deliver(from, n, effects, func(to int, msg []byte) {
		l.sent[sentKey{to, string(msg)}] = clock
	}, func(uint64, []byte) {})
}

// The actions of trace lines that are faults of the network, not rules.
const (
	DropMessage      = "DropMessage"
	DuplicateMessage = "DuplicateMessage"
)

// Renderer renders a spec's values as a trace shows them, as JSON objects.
type Renderer[R any] interface {
	// State renders a replica's state.
	State(r *R) ([]byte, error)
	// Args renders what a step consumed.
	Args(ev model.Event) ([]byte, error)
}

// TraceLine is one step line of a trace: one rule that a replica executed,
// or one fault of the network, with the replica's state after it. Args and
// State are JSON objects.
type TraceLine struct {
	// Line is the line's number in its file, the header being line 1; 0
	// for a line not read from a file.
	Line   int
	Seq    int
	Node   int
	Clock  int
	Action string
	Args   []byte
	State  []byte
}

// TraceLines renders steps as the lines of a trace, numbered from 1. A
// step in which a quorum rule fired after the rule that consumed the
// event is two lines, with the same node and args: the first rule with
// the state it left, then the quorum rule with the state after both. A
// fault is a DropMessage or DuplicateMessage line with the state of the
// message's destination.
func TraceLines[R any](p model.Protocol[R], steps []PathStep[R], render Renderer[R]) ([]TraceLine, error) {
	rules := p.Rules()
	var lines []TraceLine
	for i := range steps {
		s := &steps[i]
		args, err := render.Args(s.Event)
		if err != nil {
			return nil, fmt.Errorf("step %d: %w", i+1, err)
		}
		add := func(action string, r *R, clock int) error {
			state, err := render.State(r)
			if err != nil {
				return fmt.Errorf("step %d: %w", i+1, err)
			}
			lines = append(lines, TraceLine{Seq: len(lines) + 1, Node: s.Replica, Clock: clock, Action: action, Args: args, State: state})
			return nil
		}
		switch {
		case s.Kind == actDrop.String():
			err = add(DropMessage, &s.After, s.Clocks[0])
		case s.Kind == actDuplicate.String():
			err = add(DuplicateMessage, &s.After, s.Clocks[0])
		case s.Fired.Quorum != 0:
			if err = add(rules[s.Fired.Rule].Name, s.Mid, s.Clocks[0]); err == nil {
				err = add(rules[s.Fired.Quorum].Name, &s.After, s.Clocks[1])
			}
		default:
			err = add(rules[s.Fired.Rule].Name, &s.After, s.Clocks[0])
		}
		if err != nil {
			return nil, err
		}
	}
	return lines, nil
}
