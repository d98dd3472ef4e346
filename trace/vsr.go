package trace

import (
	"fmt"

	"github.com/viewstamped/vsr/bounded"
	"github.com/viewstamped/vsr/generated/checker"
	"github.com/viewstamped/vsr/modelcheck"
	"github.com/viewstamped/vsr/spec"
)

// NewHeader returns the header of a run of configuration c.
func NewHeader(c bounded.Config) Header {
	return Header{
		Schema: Schema, Kind: Kind, Replicas: c.Replicas, Clients: c.Clients, Values: c.ValueNames(),
		Options: Options{StateTransfer: c.StateTransfer.String(), Recovery: c.Recovery.String(), StartViewInNormal: c.StartViewInNormal},
		Bounds: Bounds{
			ViewChangeTimeouts: c.ViewChanges, CommitTimeouts: c.CommitTimeouts, RecoveryTimeouts: c.RecoveryTimeouts,
			Drops: c.Drops, Duplicates: c.Duplicates, Crashes: c.Crashes, MaxDown: c.Down(),
		},
	}
}

// Check checks that h describes a run the model checker can make.
func (h *Header) Check() error {
	switch {
	case h.Schema != Schema:
		return fmt.Errorf("schema %d: want %d", h.Schema, Schema)
	case h.Kind != Kind:
		return fmt.Errorf("kind %q: want %q", h.Kind, Kind)
	}
	_, err := h.Config()
	return err
}

// Config returns the configuration that h describes.
func (h *Header) Config() (bounded.Config, error) {
	c := bounded.Default()
	c.Replicas, c.Clients, c.Values = h.Replicas, h.Clients, len(h.Values)
	c.StartViewInNormal = h.Options.StartViewInNormal
	if err := c.Set("statetransfer", h.Options.StateTransfer); err != nil {
		return c, fmt.Errorf("options: %w", err)
	}
	if err := c.Set("recovery", h.Options.Recovery); err != nil {
		return c, fmt.Errorf("options: %w", err)
	}
	b := h.Bounds
	c.ViewChanges, c.CommitTimeouts, c.RecoveryTimeouts = b.ViewChangeTimeouts, b.CommitTimeouts, b.RecoveryTimeouts
	c.Drops, c.Duplicates, c.Crashes, c.MaxDown = b.Drops, b.Duplicates, b.Crashes, b.MaxDown
	if b.MaxDown < 0 {
		return c, fmt.Errorf("bounds: maxDown %d: want 0 or more", b.MaxDown)
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	for i, v := range h.Values {
		if want := fmt.Sprintf("v%d", i+1); v != want {
			return c, fmt.Errorf("values: value %d is %q: the values are v1, v2, ... in order", i+1, v)
		}
	}
	return c, nil
}

// Export returns the trace of path, which the model checker found in
// configuration c with options o.
func Export(c bounded.Config, o modelcheck.Options, path modelcheck.Path) (Header, []Line, error) {
	h := NewHeader(c)
	steps, err := modelcheck.Steps[spec.Replica](checker.Protocol{}, c.InitialReplicas(), c.Bounds(), o, path)
	if err != nil {
		return h, nil, fmt.Errorf("trace: %w", err)
	}
	tl, err := modelcheck.TraceLines[spec.Replica](checker.Protocol{}, steps, Renderer{})
	if err != nil {
		return h, nil, fmt.Errorf("trace: %w", err)
	}
	lines := make([]Line, len(tl))
	for i, l := range tl {
		lines[i] = Line{Seq: l.Seq, Node: l.Node, Clock: l.Clock, Action: l.Action, Args: l.Args, State: l.State}
	}
	return h, lines, nil
}

// Validate replays a trace through the model checker's semantics of the
// spec (modelcheck.Replay). It returns nil when the trace is a behavior of
// the spec, and otherwise the first line that is not, counting the header
// as line 1. An error means the trace could not be replayed: its header
// describes no configuration the checker can run.
func Validate(h Header, lines []Line) (*modelcheck.Rejection, error) {
	c, err := h.Config()
	if err != nil {
		return nil, fmt.Errorf("trace: header: %w", err)
	}
	tl := make([]modelcheck.TraceLine, len(lines))
	for i, l := range lines {
		tl[i] = modelcheck.TraceLine{Line: i + 2, Seq: l.Seq, Node: l.Node, Clock: l.Clock, Action: l.Action, Args: l.Args, State: l.State}
	}
	rej, err := modelcheck.Replay[spec.Replica](checker.Protocol{}, c.InitialReplicas(), c.Bounds(), Renderer{}, tl)
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	return rej, nil
}
