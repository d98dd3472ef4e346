package trace

import (
	"fmt"

	"github.com/viewstamped/vsr/modelcheck"
	"github.com/viewstamped/vsr/modelcheck/model"
)

// The actions of trace lines that are faults of the network, not rules.
const (
	DropMessage      = "DropMessage"
	DuplicateMessage = "DuplicateMessage"
)

// Renderer renders a spec's values as a trace shows them, as JSON objects;
// SpecRenderer is the VR spec's.
type Renderer[R any] interface {
	// State renders a replica's state.
	State(r *R) ([]byte, error)
	// Args renders what a step consumed.
	Args(ev model.Event) ([]byte, error)
}

// Lines renders steps of a behavior of p as the lines of a trace, numbered
// from 1, with their Lamport clocks. A step in which a quorum rule fired
// after the rule that consumed the event is two lines, with the same node
// and args: the first rule with the state it left, then the quorum rule
// with the state after both. A fault is a DropMessage or DuplicateMessage
// line with the state of the message's destination; it does not tick its
// node's clock.
func Lines[R any](p model.Protocol[R], replicas int, steps []modelcheck.PathStep[R], render Renderer[R]) ([]Line, error) {
	rules := p.Rules()
	clocks := newLamport(replicas)
	var lines []Line
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
			lines = append(lines, Line{Seq: len(lines) + 1, Node: s.Replica, Clock: clock, Action: action, Args: args, State: state})
			return nil
		}
		var msg []byte
		if s.Kind == "deliver" {
			msg = s.Event.Msg
		}
		switch {
		case s.Kind == "drop":
			err = add(DropMessage, &s.After, clocks.node[s.Replica])
		case s.Kind == "duplicate":
			err = add(DuplicateMessage, &s.After, clocks.node[s.Replica])
		case s.Fired.Quorum != 0:
			first := clocks.tick(s.Replica, msg)
			clocks.sends(s.Replica, first, s.Effects[:s.Split])
			if err = add(rules[s.Fired.Rule].Name, s.Mid, first); err == nil {
				second := clocks.tick(s.Replica, nil)
				clocks.sends(s.Replica, second, s.Effects[s.Split:])
				err = add(rules[s.Fired.Quorum].Name, &s.After, second)
			}
		default:
			clock := clocks.tick(s.Replica, msg)
			clocks.sends(s.Replica, clock, s.Effects)
			err = add(rules[s.Fired.Rule].Name, &s.After, clock)
		}
		if err != nil {
			return nil, err
		}
	}
	return lines, nil
}
