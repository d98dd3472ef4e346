package trace

import (
	"fmt"

	"github.com/viewstamped/vsr/generated/checker"
	"github.com/viewstamped/vsr/modelcheck"
	"github.com/viewstamped/vsr/spec"
)

// The timeout kinds the header bounds, by their names in the spec.
const (
	viewChangeTimeout = "ViewChangeTimeout"
	commitTimeout     = "CommitTimeout"
	recoveryTimeout   = "RecoveryTimeout"
)

// The limits of the model checker's configurations.
const (
	replicasMax = 63
	clientsMax  = 16
	valuesMax   = 16
)

// NewHeader returns the header of a run of the spec with configuration
// cfg within bounds b.
func NewHeader(cfg spec.Config, b modelcheck.Bounds) Header {
	h := Header{
		Schema: Schema, Kind: Kind, Replicas: int(cfg.Replicas), Clients: b.Clients, Values: valueNames(b.Values),
		Options: Options{StateTransfer: "Fixed", Recovery: "CrashVectors", StartViewInNormal: cfg.StartViewInNormal},
		Bounds: Bounds{
			ViewChangeTimeouts: limit(b, viewChangeTimeout), CommitTimeouts: limit(b, commitTimeout),
			RecoveryTimeouts: limit(b, recoveryTimeout),
			Drops:            b.Drops, Duplicates: b.Duplicates, Crashes: b.Crashes, MaxDown: b.MaxDown,
		},
	}
	if cfg.StateTransfer == spec.StateTransferPaper {
		h.Options.StateTransfer = "Paper"
	}
	if cfg.Recovery == spec.RecoveryPaper {
		h.Options.Recovery = "Paper"
	}
	return h
}

// limit returns the bound of a timeout kind, -1 when it fires freely.
func limit(b modelcheck.Bounds, name string) int {
	if n, ok := b.TimeoutLimits[name]; ok && n >= 0 {
		return n
	}
	return -1
}

// valueNames returns the names of the model checker's n values.
func valueNames(n int) []string {
	names := []string{}
	for v := 1; v <= n; v++ {
		names = append(names, fmt.Sprintf("v%d", v))
	}
	return names
}

// Check checks that h describes a run the model checker can make.
func (h *Header) Check() error {
	switch {
	case h.Schema != Schema:
		return fmt.Errorf("schema %d: want %d", h.Schema, Schema)
	case h.Kind != Kind:
		return fmt.Errorf("kind %q: want %q", h.Kind, Kind)
	case h.Replicas < 1 || h.Replicas > replicasMax:
		return fmt.Errorf("replicas %d: want 1 to %d", h.Replicas, replicasMax)
	case h.Clients < 0 || h.Clients > clientsMax:
		return fmt.Errorf("clients %d: want 0 to %d", h.Clients, clientsMax)
	case len(h.Values) > valuesMax:
		return fmt.Errorf("%d values: want at most %d", len(h.Values), valuesMax)
	case h.Options.StateTransfer != "Fixed" && h.Options.StateTransfer != "Paper":
		return fmt.Errorf("options: stateTransfer %q: want Fixed or Paper", h.Options.StateTransfer)
	case h.Options.Recovery != "CrashVectors" && h.Options.Recovery != "Paper":
		return fmt.Errorf("options: recovery %q: want CrashVectors or Paper", h.Options.Recovery)
	}
	for i, v := range h.Values {
		if want := fmt.Sprintf("v%d", i+1); v != want {
			return fmt.Errorf("values: value %d is %q: the values are v1, v2, ... in order", i+1, v)
		}
	}
	for _, b := range []struct {
		name string
		n    int
		min  int
	}{
		{"viewChangeTimeouts", h.Bounds.ViewChangeTimeouts, -1}, {"commitTimeouts", h.Bounds.CommitTimeouts, -1},
		{"recoveryTimeouts", h.Bounds.RecoveryTimeouts, -1}, {"drops", h.Bounds.Drops, 0},
		{"duplicates", h.Bounds.Duplicates, 0}, {"crashes", h.Bounds.Crashes, 0}, {"maxDown", h.Bounds.MaxDown, 0},
	} {
		if b.n < b.min || b.n >= intLimit {
			return fmt.Errorf("bounds: %s %d: want %d to 2^31-1", b.name, b.n, b.min)
		}
	}
	return nil
}

// Config returns the spec's configuration and the model checker's bounds
// that h describes.
func (h *Header) Config() (spec.Config, modelcheck.Bounds, error) {
	if err := h.Check(); err != nil {
		return spec.Config{}, modelcheck.Bounds{}, err
	}
	cfg := spec.Config{Replicas: uint8(h.Replicas), StartViewInNormal: h.Options.StartViewInNormal}
	if h.Options.StateTransfer == "Paper" {
		cfg.StateTransfer = spec.StateTransferPaper
	}
	if h.Options.Recovery == "Paper" {
		cfg.Recovery = spec.RecoveryPaper
	}
	b := modelcheck.Bounds{
		Clients: h.Clients, Values: len(h.Values),
		TimeoutLimits: map[string]int{
			viewChangeTimeout: h.Bounds.ViewChangeTimeouts, commitTimeout: h.Bounds.CommitTimeouts,
			recoveryTimeout: h.Bounds.RecoveryTimeouts,
		},
		Drops: h.Bounds.Drops, Duplicates: h.Bounds.Duplicates, Crashes: h.Bounds.Crashes, MaxDown: h.Bounds.MaxDown,
	}
	return cfg, b, nil
}

// Replicas returns the replicas of configuration cfg in their initial
// state.
func Replicas(cfg spec.Config) []spec.Replica {
	var rs []spec.Replica
	for i := 0; i < int(cfg.Replicas); i++ {
		rs = append(rs, spec.NewReplica(cfg, spec.ReplicaIndex(i)))
	}
	return rs
}

// Export returns the trace of path, which the model checker found from
// the replicas of cfg within bounds b and with options o.
func Export(cfg spec.Config, b modelcheck.Bounds, o modelcheck.Options, path modelcheck.Path) (Header, []Line, error) {
	h := NewHeader(cfg, b)
	steps, err := modelcheck.Steps[spec.Replica](checker.Protocol{}, Replicas(cfg), b, o, path)
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
	cfg, b, err := h.Config()
	if err != nil {
		return nil, fmt.Errorf("trace: header: %w", err)
	}
	tl := make([]modelcheck.TraceLine, len(lines))
	for i, l := range lines {
		tl[i] = modelcheck.TraceLine{Line: i + 2, Seq: l.Seq, Node: l.Node, Clock: l.Clock, Action: l.Action, Args: l.Args, State: l.State}
	}
	rej, err := modelcheck.Replay[spec.Replica](checker.Protocol{}, Replicas(cfg), b, Renderer{}, tl)
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	return rej, nil
}
