package trace

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"slices"

	"github.com/viewstamped/vsr/lang"
	"github.com/viewstamped/vsr/modelcheck"
	"github.com/viewstamped/vsr/modelcheck/model"
	"github.com/viewstamped/vsr/route"
)

// Rejection says why a trace is not a behavior of the spec: the first line
// that is not one, and why.
type Rejection struct {
	Line   int // the line's number in its file, the header being line 1
	Seq    int
	Reason string
	// Broken names the invariant or action property that the line's step
	// breaks when the lines up to it are a behavior of the spec; it is
	// empty when the line is not a step of the spec at all.
	Broken string
}

func (r *Rejection) Error() string {
	return fmt.Sprintf("line %d (seq %d): %s", r.Line, r.Seq, r.Reason)
}

// Replay checks that lines, the steps of a trace, are a behavior of p from
// the replicas init within bounds b, with the model checker's own
// semantics (modelcheck.Behavior). At every line it finds, among the steps
// the environment offers in the current state, the one with the line's
// node, args and, for a network fault, action; the rule that fires must be
// the line's action, and the node's state after it the line's state. A
// step that fires a quorum rule must be two lines (see Lines). After every
// step of the checker the invariants and the action properties must hold.
// The seq numbers must count the lines from 1, and the clocks must be
// Lamport clocks: a rule line's clock is larger than its node's clock and,
// when the rule consumes a message, than the clock of the line that last
// sent that message to the node; a fault line's clock is its node's clock.
// Args and states compare as JSON values, whatever the order of their
// keys.
//
// Replay returns nil when the whole trace is a behavior, and otherwise the
// first line that is not. It returns an error only when it cannot replay.
func Replay[R any](p model.Protocol[R], init []R, b modelcheck.Bounds, render Renderer[R], lines []Line) (*Rejection, error) {
	return replay(p, init, b, render, lines, nil)
}

// replay is Replay, recording into ls, when set, which line sent what.
func replay[R any](p model.Protocol[R], init []R, b modelcheck.Bounds, render Renderer[R], lines []Line, ls *links) (*Rejection, error) {
	bh, err := modelcheck.NewBehavior(p, init, b)
	if err != nil {
		return nil, err
	}
	rp := &replayer[R]{p: p, b: bh, render: render, clocks: newLamport(len(init)), ids: map[string]uint8{}}
	rp.clocks.links = ls
	for id, r := range p.Rules() {
		if id > 0 {
			rp.ids[r.Name] = uint8(id)
		}
	}
	if err := bh.Invariants(); err != nil {
		return &Rejection{Line: 1, Reason: fmt.Sprintf("the initial state breaks %v", err), Broken: brokenName(err)}, nil
	}
	for i := 0; i < len(lines); {
		n, rej, err := rp.step(lines, i)
		if rej != nil || err != nil {
			return rej, err
		}
		i += n
	}
	return nil, nil
}

// replayer follows a trace through the checker's states.
type replayer[R any] struct {
	p      model.Protocol[R]
	b      *modelcheck.Behavior[R]
	render Renderer[R]
	clocks *lamport
	ids    map[string]uint8 // rule IDs by name
	// prev is the last step if it fired rules, for the reason a quorum
	// rule's line on its own is not enabled.
	prev *prevStep
}

type prevStep struct {
	line int // the number of the step's last line
	node int
	args string // canonical
	ev   model.Event
	rule string // the step's last rule
}

// fileLine is the number in its file of the i-th line of a trace, from 0:
// the header is line 1.
func fileLine(i int) int { return i + 2 }

// rejection makes the rejection of line i.
func rejection(lines []Line, i int, format string, a ...any) *Rejection {
	return &Rejection{Line: fileLine(i), Seq: lines[i].Seq, Reason: fmt.Sprintf(format, a...)}
}

// breaks is the rejection of line i, a step of the spec whose rule breaks
// the predicate of err (a *lang.Broken).
func breaks(lines []Line, i int, err error) *Rejection {
	l := &lines[i]
	rej := rejection(lines, i, "%s at replica %d breaks %v", l.Action, l.Node, err)
	rej.Broken = brokenName(err)
	return rej
}

// brokenName returns the name of the predicate that err, a *lang.Broken,
// says does not hold, or "".
func brokenName(err error) string {
	if b := (*lang.Broken)(nil); errors.As(err, &b) {
		return b.Name
	}
	return ""
}

// step replays the step that starts at line i: one line, or two when a
// quorum rule fires. It returns the number of lines it took.
func (rp *replayer[R]) step(lines []Line, i int) (int, *Rejection, error) {
	l := &lines[i]
	if rej := rp.numbered(lines, i); rej != nil {
		return 0, rej, nil
	}
	args, err := canonicalJSON(l.Args)
	if err != nil {
		return 0, rejection(lines, i, "args: %v", err), nil
	}
	offer, err := rp.find(l, args)
	if err != nil {
		return 0, nil, err
	}
	if offer == nil {
		return 0, rejection(lines, i, "%s at replica %d is not enabled: %s", l.Action, l.Node, rp.unavailable(l, args)), nil
	}
	next, err := rp.b.Try(*offer)
	if err != nil {
		return 0, nil, err
	}
	if offer.Fault() {
		if rej, err := rp.fault(lines, i, next); rej != nil || err != nil {
			return 0, rej, err
		}
		rp.prev = nil
		return 1, nil, rp.b.Move(next)
	}
	rules := rp.p.Rules()
	if next == nil || rules[next.Step.Fired.Rule].Name != l.Action {
		return 0, rejection(lines, i, "%s at replica %d is not enabled: %s", l.Action, l.Node, rp.notFired(l, next, offer.Event, args)), nil
	}
	n, rej, err := rp.rules(lines, i, args, offer, next)
	if rej != nil || err != nil {
		return 0, rej, err
	}
	last := &lines[i+n-1]
	rp.prev = &prevStep{line: fileLine(i + n - 1), node: l.Node, args: args, ev: offer.Event, rule: last.Action}
	return n, nil, rp.b.Move(next)
}

// numbered checks the seq number and the node of line i.
func (rp *replayer[R]) numbered(lines []Line, i int) *Rejection {
	l := &lines[i]
	if l.Seq != i+1 {
		return rejection(lines, i, "seq %d, want %d: the seq numbers count the steps from 1", l.Seq, i+1)
	}
	if n := rp.b.Replicas(); l.Node < 0 || l.Node >= n {
		return rejection(lines, i, "node %d is not a replica: there are %d", l.Node, n)
	}
	return nil
}

// find returns the step the environment offers that line l shows, or nil:
// a step of the line's node whose args are args (canonical), a drop or
// duplicate for a line of those actions, and otherwise a step that a rule
// answers.
func (rp *replayer[R]) find(l *Line, args string) (*modelcheck.Offer, error) {
	for _, o := range rp.b.Offers() {
		if o.Replica != l.Node {
			continue
		}
		switch l.Action {
		case DropMessage:
			if o.Kind != "drop" {
				continue
			}
		case DuplicateMessage:
			if o.Kind != "duplicate" {
				continue
			}
		default:
			if o.Fault() {
				continue
			}
		}
		b, err := rp.render.Args(o.Event)
		if err != nil {
			return nil, err
		}
		got, err := canonicalJSON(b)
		if err != nil {
			return nil, err
		}
		if got == args {
			return &o, nil
		}
	}
	return nil, nil
}

// fault checks the line of a drop or a duplicate, which leads to next.
func (rp *replayer[R]) fault(lines []Line, i int, next *modelcheck.Next[R]) (*Rejection, error) {
	l := &lines[i]
	if rej, err := rp.sameState(lines, i, &next.Step.After); rej != nil || err != nil {
		return rej, err
	}
	if now := rp.clocks.node[l.Node]; l.Clock != now {
		return rejection(lines, i, "clock %d: a fault line's clock is its node's, %d", l.Clock, now), nil
	}
	return nil, nil
}

// rules checks the lines of the step next, which fired the rule of line i,
// whose args are args (canonical): that line alone, or with the next line
// when a quorum rule fired too. It returns the number of lines.
func (rp *replayer[R]) rules(lines []Line, i int, args string, offer *modelcheck.Offer, next *modelcheck.Next[R]) (int, *Rejection, error) {
	l, node, s := &lines[i], lines[i].Node, &next.Step
	var msg []byte
	if offer.Kind == "deliver" {
		msg = offer.Event.Msg
	}
	if s.Fired.Quorum == 0 {
		rej, err := rp.ruleLine(lines, i, &s.After, next, msg, s.Effects)
		return 1, rej, err
	}
	// The checker's step is the two rules together: the invariants and
	// action properties hold between its states, checked on the second
	// line.
	if rej, err := rp.ruleLine(lines, i, s.Mid, nil, msg, s.Effects[:s.Split]); rej != nil || err != nil {
		return 0, rej, err
	}
	quorum := rp.p.Rules()[s.Fired.Quorum].Name
	if i+1 == len(lines) {
		return 0, rejection(lines, i, "the spec fires %s right after %s in this step, and the trace ends before it", quorum, l.Action), nil
	}
	l2 := &lines[i+1]
	if rej := rp.numbered(lines, i+1); rej != nil {
		return 0, rej, nil
	}
	args2, err := canonicalJSON(l2.Args)
	if l2.Action != quorum || l2.Node != node || err != nil || args2 != args {
		return 0, rejection(lines, i+1, "want %s at replica %d with the args of line %d: the spec fires it right after %s, in the same step",
			quorum, node, fileLine(i), l.Action), nil
	}
	rej, err := rp.ruleLine(lines, i+1, &s.After, next, nil, s.Effects[s.Split:])
	return 2, rej, err
}

// ruleLine checks line i of a rule that leaves its node in state after:
// the state, and when the line ends the checker's step next, the action
// properties and the invariants; then the clock. msg is the message the
// line consumed, if any. Then it records the line's clock and what it
// sent.
func (rp *replayer[R]) ruleLine(lines []Line, i int, after *R, next *modelcheck.Next[R], msg []byte, sent []route.Effect) (*Rejection, error) {
	l := &lines[i]
	if rej, err := rp.sameState(lines, i, after); rej != nil || err != nil {
		return rej, err
	}
	rp.clocks.link(i, l.Node, msg, sent)
	if next != nil {
		if next.Step.Broken != nil {
			return breaks(lines, i, next.Step.Broken), nil
		}
		if next.Invariant != nil {
			return breaks(lines, i, next.Invariant), nil
		}
	}
	if now := rp.clocks.node[l.Node]; l.Clock <= now {
		return rejection(lines, i, "clock %d is not larger than replica %d's clock, %d", l.Clock, l.Node, now), nil
	}
	if msg != nil {
		if from := rp.clocks.sent[sentKey{l.Node, string(msg)}]; l.Clock <= from {
			return rejection(lines, i, "clock %d is not larger than %d, the clock of the line that sent the message", l.Clock, from), nil
		}
	}
	rp.clocks.node[l.Node] = l.Clock
	rp.clocks.sends(l.Node, l.Clock, sent)
	return nil, nil
}

// sameState checks that line i shows r as its state.
func (rp *replayer[R]) sameState(lines []Line, i int, r *R) (*Rejection, error) {
	want, err := rp.render.State(r)
	if err != nil {
		return nil, err
	}
	diff, err := jsonDiff(lines[i].State, want)
	if err != nil {
		return rejection(lines, i, "state: %v", err), nil
	}
	if diff != "" {
		return rejection(lines, i, "state differs from the spec's: %s", diff), nil
	}
	return nil, nil
}

// unavailable says why the environment offers no step with the node and
// args of line l.
func (rp *replayer[R]) unavailable(l *Line, args string) string {
	budget, typ := rp.b.Budget(), argsType(l.Args)
	switch l.Action {
	case DropMessage, DuplicateMessage:
		left, what := budget.Drops, "drop"
		if l.Action == DuplicateMessage {
			left, what = budget.Duplicates, "duplicate"
		}
		if left == 0 {
			return fmt.Sprintf("no %s is left within the bounds", what)
		}
		return fmt.Sprintf("no such %s is in flight to replica %d", typ, l.Node)
	}
	id, ok := rp.ids[l.Action]
	if !ok {
		return "the spec has no such rule"
	}
	info := rp.p.Rules()[id]
	if typ != info.Event {
		return fmt.Sprintf("it answers a %s, not a %s", info.Event, typ)
	}
	down := budget.Down&(1<<l.Node) != 0
	switch info.Trigger {
	case lang.OnQuorum:
		return rp.quorumAlone(l, id, args)
	case lang.OnTimeout:
		if t := slices.Index(rp.p.Timeouts(), typ); t >= 0 && budget.Timeouts[t] == 0 {
			return fmt.Sprintf("no %s is left within the bounds", typ)
		}
	case lang.OnRequest:
		return "no client sends this request now: a client waiting for a reply sends its request again, " +
			"one that is not sends its next request number with a value not yet submitted"
	case lang.OnCrash:
		switch {
		case down:
			return fmt.Sprintf("replica %d is down", l.Node)
		case budget.Crashes == 0:
			return "no crash is left within the bounds"
		default:
			return fmt.Sprintf("%d replicas are down, the most at once", bits.OnesCount64(budget.Down))
		}
	case lang.OnRestart:
		if !down {
			return fmt.Sprintf("replica %d is not down", l.Node)
		}
		return fmt.Sprintf("the next restart's nonce is %d", budget.NextNonce)
	}
	return fmt.Sprintf("no such %s is in flight to replica %d", typ, l.Node)
}

// notFired says why the rule of line l did not answer the step the
// environment offers with event ev, which led to next: no rule did (next
// is nil), or another.
func (rp *replayer[R]) notFired(l *Line, next *modelcheck.Next[R], ev model.Event, args string) string {
	id, ok := rp.ids[l.Action]
	if !ok {
		return "the spec has no such rule"
	}
	var fired model.Fired
	if next != nil {
		fired = next.Step.Fired
	}
	rules, typ := rp.p.Rules(), argsType(l.Args)
	if rules[id].Trigger == lang.OnQuorum {
		if fired.Quorum == id {
			return fmt.Sprintf("the spec applies %s to this %s first, then %s: two lines", rules[fired.Rule].Name, typ, l.Action)
		}
		return rp.quorumAlone(l, id, args)
	}
	var out route.Out
	_, holds, err := rp.p.ApplyRule(rp.b.Replica(l.Node), id, ev, &out)
	switch {
	case err != nil:
		return fmt.Sprintf("it answers a %s, not a %s", rules[id].Event, typ)
	case fired.Rule == 0:
		return "its guard does not hold"
	case holds:
		return fmt.Sprintf("the spec applies %s to this %s: its guard holds too, and it comes first", rules[fired.Rule].Name, typ)
	}
	return fmt.Sprintf("its guard does not hold; the spec applies %s to this %s", rules[fired.Rule].Name, typ)
}

// quorumAlone says why quorum rule id, on line l, did not fire: it fires
// only in the step of a rule that consumes its message, and when that was
// the step before, its guard did not hold after it.
func (rp *replayer[R]) quorumAlone(l *Line, id uint8, args string) string {
	if p := rp.prev; p != nil && p.node == l.Node && p.args == args {
		var out route.Out
		if _, holds, err := rp.p.ApplyRule(rp.b.Replica(l.Node), id, p.ev, &out); err == nil && !holds {
			return fmt.Sprintf("its guard does not hold after %s (line %d)", p.rule, p.line)
		}
	}
	return fmt.Sprintf("a quorum rule fires only in the step of a rule that consumes its %s, as the second of its two lines", argsType(l.Args))
}

// argsType returns the "type" of a line's args, or "?".
func argsType(args []byte) string {
	var v struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(args, &v) != nil || v.Type == "" {
		return "?"
	}
	return v.Type
}

// canonicalJSON returns one JSON value in a canonical form: object keys
// sorted, no spaces, numbers as written.
func canonicalJSON(b []byte) (string, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return "", err
	}
	if _, err := d.Token(); err != io.EOF {
		return "", errors.New("more than one JSON value")
	}
	out, err := json.Marshal(v)
	return string(out), err
}

// jsonDiff compares two JSON objects up to key order and spacing. It
// returns "" when they are the same, and otherwise says which key of want
// differs first, in want's order, or which key of got want lacks.
func jsonDiff(got, want []byte) (string, error) {
	keys, wantFields, err := objectFields(want)
	if err != nil {
		return "", fmt.Errorf("spec side: %w", err)
	}
	gotKeys, gotFields, err := objectFields(got)
	if err != nil {
		return "", err
	}
	for _, k := range keys {
		g, ok := gotFields[k]
		switch w := wantFields[k]; {
		case !ok:
			return fmt.Sprintf("no %s, spec says %s", k, w.shown), nil
		case g.canon != w.canon:
			return fmt.Sprintf("%s %s, spec says %s", k, g.shown, w.shown), nil
		}
	}
	for _, k := range gotKeys {
		if _, ok := wantFields[k]; !ok {
			return fmt.Sprintf("%s is not in the spec's state", k), nil
		}
	}
	return "", nil
}

// field is a value of a JSON object: in canonical form, to compare, and as
// written without spaces, to show.
type field struct {
	canon, shown string
}

// objectFields returns the keys of a JSON object in order, and its values.
func objectFields(b []byte) ([]string, map[string]field, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil, nil, errors.New("not a JSON object")
	}
	var keys []string
	fields := map[string]field{}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return nil, nil, err
		}
		k, _ := t.(string)
		var raw json.RawMessage
		if err := d.Decode(&raw); err != nil {
			return nil, nil, err
		}
		if _, dup := fields[k]; dup {
			return nil, nil, fmt.Errorf("key %s twice", k)
		}
		var f field
		if f.canon, err = canonicalJSON(raw); err != nil {
			return nil, nil, err
		}
		var shown bytes.Buffer
		if err := json.Compact(&shown, raw); err != nil {
			return nil, nil, err
		}
		f.shown = shown.String()
		fields[k] = f
		keys = append(keys, k)
	}
	if _, err := d.Token(); err != nil {
		return nil, nil, err
	}
	return keys, fields, nil
}
