package trace

import (
	"fmt"
	"sync"

	"github.com/viewstamped/vsr/generated"
	"github.com/viewstamped/vsr/route"
	"github.com/viewstamped/vsr/spec"
)

// Recorder records the steps of a run's nodes as the lines of a run trace
// (RunKind), with Lamport clocks: it is the runtime's node tracer
// (runtime.Tracer). It is safe for concurrent use, so that the nodes of an
// in-process cluster share one, and its lines are in the order of the
// calls. A node tells of its step before the step's messages go out, so
// that order has every message's send before its delivery.
type Recorder struct {
	mu     sync.Mutex
	header Header
	lines  []Line
	clocks *lamport
	err    error
}

// NewRecorder returns a recorder of a run of configuration c; the
// header's batch, pipeline, checkpoint interval and view change log are
// the nodes' own, from the first step.
func NewRecorder(c spec.Config) *Recorder {
	return &Recorder{header: NewRunHeader(c), clocks: newLamport(int(c.Replicas))}
}

// Step records a step of a node; runtime.Tracer.
func (r *Recorder) Step(node int, ev any, fired generated.Fired, mid, after *spec.Replica, effects []route.Effect, split int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return
	}
	if err := r.step(node, ev, fired, mid, after, effects, split); err != nil {
		r.err = fmt.Errorf("trace: node %d: %w", node, err)
	}
}

func (r *Recorder) step(node int, ev any, fired generated.Fired, mid, after *spec.Replica, effects []route.Effect, split int) error {
	// The nodes choose the batching, pipelining, checkpoints and view
	// change logs (runtime.NewNode): the header says what the first
	// step's replica has, and every node must have the same.
	o, c := &r.header.Options, &after.Config
	if len(r.lines) == 0 {
		o.Batch, o.Pipeline = int(c.Batch), int(c.Pipeline)
		o.Checkpoint, o.ViewChangeLog = int(c.CheckpointInterval), int(c.ViewChangeLog)
		o.Lease, o.LeaseMargin = int(c.Lease), int(c.LeaseMargin)
	} else if o.Batch != int(c.Batch) || o.Pipeline != int(c.Pipeline) ||
		o.Checkpoint != int(c.CheckpointInterval) || o.ViewChangeLog != int(c.ViewChangeLog) ||
		o.Lease != int(c.Lease) || o.LeaseMargin != int(c.LeaseMargin) {
		return fmt.Errorf("batch %d, pipeline %d, checkpoint %d, view change log %d: the run's first step had %d, %d, %d and %d",
			c.Batch, c.Pipeline, c.CheckpointInterval, c.ViewChangeLog, o.Batch, o.Pipeline, o.Checkpoint, o.ViewChangeLog)
	}
	args, err := Value(ev)
	if err != nil {
		return err
	}
	msg, err := delivered(ev)
	if err != nil {
		return err
	}
	add := func(rule generated.RuleID, state *spec.Replica, consumed []byte, sent []route.Effect) error {
		b, err := State(state)
		if err != nil {
			return err
		}
		clock := r.clocks.tick(node, consumed)
		r.clocks.sends(node, clock, sent)
		r.lines = append(r.lines, Line{Seq: len(r.lines) + 1, Node: node, Clock: clock, Action: generated.Rules[rule].Name, Args: args, State: b})
		return nil
	}
	if fired.Quorum == generated.RuleNone {
		return add(fired.Rule, after, msg, effects)
	}
	if err := add(fired.Rule, mid, msg, effects[:split]); err != nil {
		return err
	}
	return add(fired.Quorum, after, nil, effects[split:])
}

// delivered returns the encoding of ev when it is a message one replica
// sent another, which its line consumes; nil for a request, a timeout, a
// crash or a restart.
func delivered(ev any) ([]byte, error) {
	switch k := generated.KindOf(ev); k {
	case 0, generated.KindRequest:
		return nil, nil
	}
	return generated.AppendMessage(nil, ev)
}

// Trace returns the header and the lines recorded so far, or the first
// error recording met.
func (r *Recorder) Trace() (Header, []Line, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.header, append([]Line(nil), r.lines...), r.err
}

// WriteFile writes the trace recorded so far to path.
func (r *Recorder) WriteFile(path string) error {
	h, lines, err := r.Trace()
	if err != nil {
		return err
	}
	return WriteFile(path, h, lines)
}
