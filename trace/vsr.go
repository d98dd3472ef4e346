package trace

import (
	"fmt"

	"github.com/viewstamped/vsr/bounded"
	"github.com/viewstamped/vsr/generated/checker"
	"github.com/viewstamped/vsr/modelcheck"
	"github.com/viewstamped/vsr/spec"
)

// Export returns the trace of path, which the model checker found in
// configuration c with options o.
func Export(c bounded.Config, o modelcheck.Options, path modelcheck.Path) (Header, []Line, error) {
	h := NewHeader(c)
	steps, err := modelcheck.Steps[spec.Replica](checker.Protocol{}, c.InitialReplicas(), c.Bounds(), o, path)
	if err != nil {
		return h, nil, fmt.Errorf("trace: %w", err)
	}
	lines, err := Lines[spec.Replica](checker.Protocol{}, c.Replicas, steps, SpecRenderer{})
	if err != nil {
		return h, nil, fmt.Errorf("trace: %w", err)
	}
	return h, lines, nil
}

// Validate replays a trace through the model checker's semantics of the
// spec (Replay), or a run's trace in the environment of a run
// (ValidateRun). It returns nil when the trace is a behavior of the spec,
// and otherwise the first line that is not, counting the header as line 1.
// An error means the trace could not be replayed: its header describes no
// configuration the checker can run.
func Validate(h Header, lines []Line) (*Rejection, error) {
	return validate(h, lines, nil)
}

// validate is Validate, recording into ls, when set, which line sent what.
func validate(h Header, lines []Line, ls *links) (*Rejection, error) {
	if h.Kind == RunKind {
		return validateRun(h, lines, ls)
	}
	c, err := h.Config()
	if err != nil {
		return nil, fmt.Errorf("trace: header: %w", err)
	}
	rej, err := replay[spec.Replica](checker.Protocol{}, c.InitialReplicas(), c.Bounds(), SpecRenderer{}, lines, ls)
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	return rej, nil
}
