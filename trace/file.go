package trace

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/viewstamped/vsr/bounded"
	"github.com/viewstamped/vsr/spec"
)

// The header's schema and kinds: a trace of the model checker's, whose
// environment the header bounds, or of a run of the runtime's nodes,
// simulated or real, whose environment nothing bounds.
const (
	Schema  = 1
	Kind    = "vsr-trace"
	RunKind = "vsr-run"
)

// Header is the first line of a trace: the configuration and the bounds of
// the run that the steps come from. The fields are in the order of the
// file's keys.
type Header struct {
	Schema   int      `json:"schema"`
	Kind     string   `json:"kind"`
	Replicas int      `json:"replicas"`
	Clients  int      `json:"clients"`
	Values   []string `json:"values"`
	Options  Options  `json:"options"`
	Bounds   Bounds   `json:"bounds"`
}

// Options are the protocol's options: StateTransfer is "fixed" or "paper",
// Recovery "crashvectors" or "paper", as spec.StateTransferVariant and
// spec.RecoveryVariant name them.
type Options struct {
	StateTransfer     string `json:"stateTransfer"`
	Recovery          string `json:"recovery"`
	StartViewInNormal bool   `json:"startViewInNormal"`
	// Batch and Pipeline are spec.Config's; a header without them has
	// the paper's one request to a Prepare and no bound on the pipeline.
	Batch    int `json:"batch,omitempty"`
	Pipeline int `json:"pipeline,omitempty"`
	// Checkpoint and ViewChangeLog are spec.Config's CheckpointInterval
	// and ViewChangeLog; a header without them takes no checkpoints and
	// sends whole logs in view changes.
	Checkpoint    int `json:"checkpoint,omitempty"`
	ViewChangeLog int `json:"viewChangeLog,omitempty"`
	// Lease and LeaseMargin are spec.Config's; a header without them has
	// no leases.
	Lease       int `json:"lease,omitempty"`
	LeaseMargin int `json:"leaseMargin,omitempty"`
	// Members is the group of epoch 0, absent for every replica
	// (spec.Config.Members).
	Members []int `json:"members,omitempty"`
	// Admin is a run's administrator, the client whose requests may
	// reconfigure (spec.Config.Admin), absent for none. A checker's
	// trace has none here: its administrator is the client after the
	// clients.
	Admin uint64 `json:"admin,omitempty"`
}

// Bounds are what the environment may do in the run; -1 is unbounded, for
// the three timeout kinds only.
type Bounds struct {
	ViewChangeTimeouts int `json:"viewChangeTimeouts"`
	CommitTimeouts     int `json:"commitTimeouts"`
	RecoveryTimeouts   int `json:"recoveryTimeouts"`
	Drops              int `json:"drops"`
	Duplicates         int `json:"duplicates"`
	Crashes            int `json:"crashes"`
	MaxDown            int `json:"maxDown"`
	// LeaseTimeouts bounds the LeaseTimeout firings, -1 unbounded; Ticks
	// and Drift the replicas' clocks (modelcheck.Bounds). A header
	// without them has none of either.
	LeaseTimeouts int `json:"leaseTimeouts,omitempty"`
	Ticks         int `json:"ticks,omitempty"`
	Drift         int `json:"drift,omitempty"`
	// Reconfigure is the group the administrator, the client after the
	// clients, asks for once; absent for none.
	Reconfigure []int `json:"reconfigure,omitempty"`
}

// Line is one step of a trace: one rule a replica executed, or one fault
// of the network. Args and State are JSON objects.
type Line struct {
	Seq    int             `json:"seq"`
	Node   int             `json:"node"`
	Clock  int             `json:"clock"`
	Action string          `json:"action"`
	Args   json.RawMessage `json:"args"`
	State  json.RawMessage `json:"state"`
}

// NewHeader returns the header of a run of configuration c.
func NewHeader(c bounded.Config) Header {
	return Header{
		Schema: Schema, Kind: Kind, Replicas: c.Replicas, Clients: c.Clients, Values: c.ValueNames(),
		Options: Options{StateTransfer: c.StateTransfer.String(), Recovery: c.Recovery.String(), StartViewInNormal: c.StartViewInNormal,
			Batch: c.Batch, Pipeline: c.Pipeline, Checkpoint: c.Checkpoint, ViewChangeLog: c.ViewChangeLog,
			Lease: c.Lease, LeaseMargin: c.LeaseMargin, Members: indexes(c.Members)},
		Bounds: Bounds{
			ViewChangeTimeouts: c.ViewChanges, CommitTimeouts: c.CommitTimeouts, RecoveryTimeouts: c.RecoveryTimeouts,
			Drops: c.Drops, Duplicates: c.Duplicates, Crashes: c.Crashes, MaxDown: c.Down(),
			LeaseTimeouts: c.LeaseTimeouts, Ticks: c.Ticks, Drift: c.Drift, Reconfigure: indexes(c.Reconfigure),
		},
	}
}

// indexes returns the replicas of group g in index order, nil for none.
func indexes(g spec.ReplicaSet) []int {
	var out []int
	for i := range bounded.ReplicasMax {
		if g.Has(spec.ReplicaIndex(i)) {
			out = append(out, i)
		}
	}
	return out
}

// group returns the group of the replica indexes is, as bounded's
// settings read it.
func group(is []int) string {
	var parts []string
	for _, i := range is {
		parts = append(parts, strconv.Itoa(i))
	}
	return strings.Join(parts, ",")
}

// NewRunHeader returns the header of a run of the runtime's nodes with
// the protocol configuration c.
func NewRunHeader(c spec.Config) Header {
	return Header{Schema: Schema, Kind: RunKind, Replicas: int(c.Replicas),
		Options: Options{StateTransfer: c.StateTransfer.String(), Recovery: c.Recovery.String(), StartViewInNormal: c.StartViewInNormal,
			Batch: int(c.Batch), Pipeline: int(c.Pipeline),
			Checkpoint: int(c.CheckpointInterval), ViewChangeLog: int(c.ViewChangeLog),
			Lease: int(c.Lease), LeaseMargin: int(c.LeaseMargin), Members: indexes(c.Members), Admin: uint64(c.Admin)}}
}

// Check checks that h describes a run the model checker can make, or a run
// of the runtime.
func (h *Header) Check() error {
	switch {
	case h.Schema != Schema:
		return fmt.Errorf("schema %d: want %d", h.Schema, Schema)
	case h.Kind != Kind && h.Kind != RunKind:
		return fmt.Errorf("kind %q: want %q or %q", h.Kind, Kind, RunKind)
	}
	_, err := h.Config()
	return err
}

// Config returns the configuration that h describes; of a run's header,
// only the replicas and the options.
func (h *Header) Config() (bounded.Config, error) {
	c := bounded.Default()
	c.Replicas, c.Clients, c.Values = h.Replicas, h.Clients, len(h.Values)
	c.StartViewInNormal = h.Options.StartViewInNormal
	c.Batch, c.Pipeline = h.Options.Batch, h.Options.Pipeline
	c.Checkpoint, c.ViewChangeLog = h.Options.Checkpoint, h.Options.ViewChangeLog
	c.Lease, c.LeaseMargin = h.Options.Lease, h.Options.LeaseMargin
	if err := c.Set("members", group(h.Options.Members)); err != nil {
		return c, fmt.Errorf("options: %w", err)
	}
	if err := c.Set("reconfigure", group(h.Bounds.Reconfigure)); err != nil {
		return c, fmt.Errorf("bounds: %w", err)
	}
	if err := c.Set("statetransfer", h.Options.StateTransfer); err != nil {
		return c, fmt.Errorf("options: %w", err)
	}
	if err := c.Set("recovery", h.Options.Recovery); err != nil {
		return c, fmt.Errorf("options: %w", err)
	}
	if h.Kind == RunKind {
		return c, c.Validate()
	}
	b := h.Bounds
	c.ViewChanges, c.CommitTimeouts, c.RecoveryTimeouts = b.ViewChangeTimeouts, b.CommitTimeouts, b.RecoveryTimeouts
	c.Drops, c.Duplicates, c.Crashes, c.MaxDown = b.Drops, b.Duplicates, b.Crashes, b.MaxDown
	c.LeaseTimeouts, c.Ticks, c.Drift = b.LeaseTimeouts, b.Ticks, b.Drift
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

// The keys each object must have, in order.
var (
	headerKeys    = []string{"schema", "kind", "replicas", "clients", "values", "options", "bounds"}
	runHeaderKeys = []string{"schema", "kind", "replicas", "options"}
	optionsKeys   = []string{"stateTransfer", "recovery", "startViewInNormal"}
	// optionsMay are the keys options may have besides: without them, a
	// Prepare carries one request, the pipeline has no bound, no
	// checkpoints are taken, view changes carry whole logs, there are
	// no leases and every replica is a member of epoch 0.
	optionsMay = []string{"batch", "pipeline", "checkpoint", "viewChangeLog", "lease", "leaseMargin", "members", "admin"}
	boundsKeys = []string{"viewChangeTimeouts", "commitTimeouts", "recoveryTimeouts", "drops", "duplicates", "crashes", "maxDown"}
	// boundsMay are the keys bounds may have besides: without them, no
	// lease is asked for, no clock ticks and nobody reconfigures.
	boundsMay = []string{"leaseTimeouts", "ticks", "drift", "reconfigure"}
	lineKeys  = []string{"seq", "node", "clock", "action", "args", "state"}
)

// Write writes a trace: the header, then the lines, one JSON object per
// line. It refuses an integer of 2^31 or more.
func Write(w io.Writer, h Header, lines []Line) error {
	if err := h.Check(); err != nil {
		return fmt.Errorf("trace: header: %w", err)
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	var header any = h
	if h.Kind == RunKind {
		header = runHeader{h.Schema, h.Kind, h.Replicas, h.Options}
	}
	if err := enc.Encode(header); err != nil {
		return fmt.Errorf("trace: header: %w", err)
	}
	for i := range lines {
		if err := lines[i].check(); err != nil {
			return fmt.Errorf("trace: step %d: %w", i+1, err)
		}
		if err := enc.Encode(&lines[i]); err != nil {
			return fmt.Errorf("trace: step %d: %w", i+1, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	return nil
}

// WriteFile writes the trace h, lines to the file path.
func WriteFile(path string, h Header, lines []Line) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	if err := Write(f, h, lines); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	return nil
}

// Read reads a trace. A line that is not what the format says is an error
// that names it, the header being line 1; so is a header whose
// configuration the spec cannot run (Header.Check). Whether the steps are
// a behavior of the spec is for Validate.
func Read(r io.Reader) (Header, []Line, error) {
	var h Header
	var lines []Line
	br := bufio.NewReader(r)
	for n := 1; ; n++ {
		text, err := br.ReadBytes('\n')
		if len(text) == 0 && err == io.EOF {
			if n == 1 {
				return h, nil, errors.New("line 1: no header: the file is empty")
			}
			return h, lines, nil
		}
		if err != nil && err != io.EOF {
			return h, nil, fmt.Errorf("line %d: %w", n, err)
		}
		if n == 1 {
			if err := readHeader(text, &h); err != nil {
				return h, nil, fmt.Errorf("line 1: header: %w", err)
			}
			if err := checkNumbers(bytes.TrimSpace(text), "header"); err != nil {
				return h, nil, fmt.Errorf("line 1: %w", err)
			}
			if err := h.Check(); err != nil {
				return h, nil, fmt.Errorf("line 1: header: %w", err)
			}
			continue
		}
		var l Line
		if err := decodeStrict(text, &l, lineKeys); err != nil {
			return h, nil, fmt.Errorf("line %d: %w", n, err)
		}
		if err := l.check(); err != nil {
			return h, nil, fmt.Errorf("line %d: %w", n, err)
		}
		lines = append(lines, l)
	}
}

// runHeader is the header of a run, as the file has it.
type runHeader struct {
	Schema   int     `json:"schema"`
	Kind     string  `json:"kind"`
	Replicas int     `json:"replicas"`
	Options  Options `json:"options"`
}

// readHeader decodes the header in text, with the keys of its kind.
func readHeader(text []byte, h *Header) error {
	var kind struct {
		Kind string `json:"kind"`
	}
	if json.Unmarshal(text, &kind) == nil && kind.Kind == RunKind {
		var r runHeader
		if err := decodeStrict(text, &r, runHeaderKeys, nested{"options", optionsKeys, optionsMay}); err != nil {
			return err
		}
		*h = Header{Schema: r.Schema, Kind: r.Kind, Replicas: r.Replicas, Options: r.Options}
		return nil
	}
	return decodeStrict(text, h, headerKeys, nested{"options", optionsKeys, optionsMay}, nested{"bounds", boundsKeys, boundsMay})
}

// nested names an object inside another and the keys it must have.
type nested struct {
	name      string
	keys, may []string
}

// decodeStrict decodes the JSON object in text into v. The object must
// have exactly the given keys, and each object inside it that inner names
// exactly its keys.
func decodeStrict(text []byte, v any, keys []string, inner ...nested) error {
	text = bytes.TrimRight(text, "\r\n")
	if len(bytes.TrimSpace(text)) == 0 {
		return errors.New("empty line")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(text, &fields); err != nil {
		return fmt.Errorf("malformed JSON object: %w", err)
	}
	if err := haveKeys(fields, keys); err != nil {
		return err
	}
	for _, in := range inner {
		var sub map[string]json.RawMessage
		if err := json.Unmarshal(fields[in.name], &sub); err != nil {
			return fmt.Errorf("%s: not a JSON object", in.name)
		}
		if err := haveKeys(sub, in.keys, in.may...); err != nil {
			return fmt.Errorf("%s: %w", in.name, err)
		}
	}
	d := json.NewDecoder(bytes.NewReader(text))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("malformed: %w", err)
	}
	return nil
}

// haveKeys checks that fields has every one of keys, and no other key
// but those of may.
func haveKeys(fields map[string]json.RawMessage, keys []string, may ...string) error {
	for _, k := range keys {
		if _, ok := fields[k]; !ok {
			return fmt.Errorf("no key %q", k)
		}
	}
	for k := range fields {
		if !slices.Contains(keys, k) && !slices.Contains(may, k) {
			return fmt.Errorf("unknown key %q", k)
		}
	}
	return nil
}

// check checks what the format says of a line by itself.
func (l *Line) check() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"seq", l.Seq}, {"node", l.Node}, {"clock", l.Clock}} {
		if f.v < 0 || f.v >= intLimit {
			return fmt.Errorf("%s %d: want 0 to 2^31-1", f.name, f.v)
		}
	}
	if l.Action == "" {
		return errors.New("empty action")
	}
	for _, f := range []struct {
		name string
		raw  json.RawMessage
	}{{"args", l.Args}, {"state", l.State}} {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(f.raw, &obj); err != nil || obj == nil {
			return fmt.Errorf("%s: not a JSON object", f.name)
		}
		if err := checkNumbers(f.raw, f.name); err != nil {
			return err
		}
	}
	return nil
}

// checkNumbers checks that every number in the JSON value raw is an
// integer of magnitude below 2^31: TLC's Json module reads larger ones
// wrong without a word, so a trace that holds one would mean one thing to
// the Go replay and another to TLC.
func checkNumbers(raw json.RawMessage, path string) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var walk func(v any, path string) error
	walk = func(v any, path string) error {
		switch v := v.(type) {
		case json.Number:
			n, err := v.Int64()
			if err != nil || n <= -intLimit || n >= intLimit {
				return fmt.Errorf("%s: %s: want an integer of magnitude below 2^31", path, v)
			}
		case []any:
			for i, e := range v {
				if err := walk(e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				if err := walk(v[k], path+"."+k); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(v, path)
}
