package modelcheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"slices"

	"github.com/viewstamped/vsr/lang"
	"github.com/viewstamped/vsr/modelcheck/model"
	"github.com/viewstamped/vsr/route"
)

// Rejection says why a trace is not a behavior of the spec: the first line
// that is not one, and why.
type Rejection struct {
	Line   int // the line's number in its file
	Seq    int
	Reason string
}

func (r *Rejection) Error() string {
	return fmt.Sprintf("line %d (seq %d): %s", r.Line, r.Seq, r.Reason)
}

// Replay checks that lines, the steps of a trace, are a behavior of p from
// the replicas init within bounds b, with the checker's own semantics. At
// every line it finds, among the steps the environment offers in the
// current state, the one with the line's node, args and, for a network
// fault, action; the rule that fires must be the line's action, and the
// node's state after it the line's state. A step that fires a quorum rule
// must be two lines (see TraceLines). After every step of the checker the
// invariants and the action properties must hold. The seq numbers must
// count the lines from 1, and the clocks must be Lamport clocks: a rule
// line's clock is larger than its node's clock and, when the rule consumes
// a message, than the clock of the line that last sent that message to the
// node; a fault line's clock is its node's clock. Args and states compare
// as JSON values, whatever the order of their keys.
//
// Replay returns nil when the whole trace is a behavior, and otherwise the
// first line that is not. It returns an error only when it cannot replay.
func Replay[R any](p model.Protocol[R], init []R, b Bounds, render Renderer[R], lines []TraceLine) (*Rejection, error) {
	c, err := newChecker(p, init, b, Options{Workers: 1})
	if err != nil {
		return nil, err
	}
	w, err := c.decode(c.encode(nil, c.init))
	if err != nil {
		return nil, err
	}
	rp := &replayer[R]{c: c, render: render, w: w, clocks: newLamport(len(init)), ids: map[string]uint8{}}
	for id, r := range p.Rules() {
		if id > 0 {
			rp.ids[r.Name] = uint8(id)
		}
	}
	if err := c.invariants(w); err != nil {
		return &Rejection{Line: 1, Reason: fmt.Sprintf("the initial state breaks %v", err)}, nil
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
	c      *checker[R]
	render Renderer[R]
	w      *world[R] // the state before the next line
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

// rejection makes the rejection of line l.
func rejection(l *TraceLine, format string, a ...any) *Rejection {
	return &Rejection{Line: l.Line, Seq: l.Seq, Reason: fmt.Sprintf(format, a...)}
}

// step replays the step that starts at line i: one line, or two when a
// quorum rule fires. It returns the number of lines it took.
func (rp *replayer[R]) step(lines []TraceLine, i int) (int, *Rejection, error) {
	l := &lines[i]
	if rej := rp.numbered(l, i); rej != nil {
		return 0, rej, nil
	}
	args, err := canonicalJSON(l.Args)
	if err != nil {
		return 0, rejection(l, "args: %v", err), nil
	}
	act, entry, err := rp.find(l, args)
	if err != nil {
		return 0, nil, err
	}
	if act == nil {
		return 0, rejection(l, "%s at replica %d is not enabled: %s", l.Action, l.Node, rp.unavailable(l, args)), nil
	}
	ev := rp.c.event(rp.w, act)
	next, err := rp.take(act, entry)
	if err != nil {
		return 0, nil, err
	}
	if act.fault() {
		if rej, err := rp.fault(l, next); rej != nil || err != nil {
			return 0, rej, err
		}
		rp.w, rp.prev = next, nil
		return 1, nil, nil
	}
	rules := rp.c.p.Rules()
	if act.fired.Rule == 0 || rules[act.fired.Rule].Name != l.Action {
		return 0, rejection(l, "%s at replica %d is not enabled: %s", l.Action, l.Node, rp.notFired(l, act, ev, args)), nil
	}
	n, rej, err := rp.rules(lines, i, args, act, ev, next)
	if rej != nil || err != nil {
		return 0, rej, err
	}
	last := &lines[i+n-1]
	rp.w = next
	rp.prev = &prevStep{line: last.Line, node: l.Node, args: args, ev: ev, rule: last.Action}
	return n, nil, nil
}

// numbered checks the seq number and the node of line l, the i-th.
func (rp *replayer[R]) numbered(l *TraceLine, i int) *Rejection {
	if l.Seq != i+1 {
		return rejection(l, "seq %d, want %d: the seq numbers count the steps from 1", l.Seq, i+1)
	}
	if n := len(rp.w.replicas); l.Node < 0 || l.Node >= n {
		return rejection(l, "node %d is not a replica: there are %d", l.Node, n)
	}
	return nil
}

// find returns the step the environment offers that line l shows, with
// its network entry, or nil: a step of the line's node whose args are args
// (canonical), a drop or duplicate for a line of those actions, and
// otherwise a step that a rule answers.
func (rp *replayer[R]) find(l *TraceLine, args string) (*action, int, error) {
	var found *action
	var entry int
	var err error
	rp.c.offers(rp.w, func(a *action, e int) {
		if found != nil || err != nil || a.replica != l.Node {
			return
		}
		switch l.Action {
		case DropMessage:
			if a.kind != actDrop {
				return
			}
		case DuplicateMessage:
			if a.kind != actDuplicate {
				return
			}
		default:
			if a.fault() {
				return
			}
		}
		var b []byte
		if b, err = rp.render.Args(rp.c.event(rp.w, a)); err != nil {
			return
		}
		var got string
		if got, err = canonicalJSON(b); err == nil && got == args {
			found, entry = a, e
		}
	})
	return found, entry, err
}

// take takes step act and returns the successor, or nil when no rule
// answers act.
func (rp *replayer[R]) take(act *action, entry int) (*world[R], error) {
	var next *world[R]
	e := enumerator[R]{c: rp.c, w: rp.w, tracing: true, emit: func(s *world[R], _ *action) bool {
		next = s
		return false
	}}
	if act.fault() {
		e.fault(act, entry)
	} else {
		e.step(act, entry)
	}
	return next, e.err
}

// fault checks the line of a drop or a duplicate, which leads to next.
func (rp *replayer[R]) fault(l *TraceLine, next *world[R]) (*Rejection, error) {
	if rej, err := rp.sameState(l, &next.replicas[l.Node]); rej != nil || err != nil {
		return rej, err
	}
	if now := rp.clocks.node[l.Node]; l.Clock != now {
		return rejection(l, "clock %d: a fault line's clock is its node's, %d", l.Clock, now), nil
	}
	return nil, nil
}

// rules checks the lines of step act, which fired the rule of line i, whose
// args are args (canonical), and leads to next: that line alone, or with
// the next line when a quorum rule fired too. It returns the number of
// lines.
func (rp *replayer[R]) rules(lines []TraceLine, i int, args string, act *action, ev model.Event, next *world[R]) (int, *Rejection, error) {
	l, node := &lines[i], lines[i].Node
	before, after := &rp.w.replicas[node], &next.replicas[node]
	var msg []byte
	if act.kind == actDeliver {
		msg = act.msg
	}
	if act.fired.Quorum == 0 {
		rej, err := rp.ruleLine(l, after, next, act.broken, msg, act.effects)
		return 1, rej, err
	}
	mid, split, err := rp.c.mid(before, after, act, ev)
	if err != nil {
		return 0, nil, err
	}
	// The checker's step is the two rules together: the invariants and
	// action properties hold between its states, checked on the second
	// line.
	if rej, err := rp.ruleLine(l, &mid, nil, nil, msg, act.effects[:split]); rej != nil || err != nil {
		return 0, rej, err
	}
	quorum := rp.c.p.Rules()[act.fired.Quorum].Name
	if i+1 == len(lines) {
		return 0, rejection(l, "the spec fires %s right after %s in this step, and the trace ends before it", quorum, l.Action), nil
	}
	l2 := &lines[i+1]
	if rej := rp.numbered(l2, i+1); rej != nil {
		return 0, rej, nil
	}
	args2, err := canonicalJSON(l2.Args)
	if l2.Action != quorum || l2.Node != node || err != nil || args2 != args {
		return 0, rejection(l2, "want %s at replica %d with the args of line %d: the spec fires it right after %s, in the same step",
			quorum, node, l.Line, l.Action), nil
	}
	rej, err := rp.ruleLine(l2, after, next, act.broken, nil, act.effects[split:])
	return 2, rej, err
}

// ruleLine checks line l of a rule that leaves its node in state after:
// the state, and when the line ends the checker's step, which leads to the
// global state w, the action properties (broken is what the step breaks)
// and the invariants; then the clock. msg
// is the message the line consumed, if any. Then it records the line's
// clock and what it sent.
func (rp *replayer[R]) ruleLine(l *TraceLine, after *R, w *world[R], broken error, msg []byte, sent []route.Effect) (*Rejection, error) {
	if rej, err := rp.sameState(l, after); rej != nil || err != nil {
		return rej, err
	}
	if w != nil {
		if broken != nil {
			return rejection(l, "%s at replica %d breaks %v", l.Action, l.Node, broken), nil
		}
		if err := rp.c.invariants(w); err != nil {
			return rejection(l, "%s at replica %d breaks %v", l.Action, l.Node, err), nil
		}
	}
	if now := rp.clocks.node[l.Node]; l.Clock <= now {
		return rejection(l, "clock %d is not larger than replica %d's clock, %d", l.Clock, l.Node, now), nil
	}
	if msg != nil {
		if from := rp.clocks.sent[sentKey{l.Node, string(msg)}]; l.Clock <= from {
			return rejection(l, "clock %d is not larger than %d, the clock of the line that sent the message", l.Clock, from), nil
		}
	}
	rp.clocks.node[l.Node] = l.Clock
	rp.clocks.sends(l.Node, len(rp.w.replicas), l.Clock, sent)
	return nil, nil
}

// sameState checks that line l shows r as its state.
func (rp *replayer[R]) sameState(l *TraceLine, r *R) (*Rejection, error) {
	want, err := rp.render.State(r)
	if err != nil {
		return nil, err
	}
	diff, err := jsonDiff(l.State, want)
	if err != nil {
		return rejection(l, "state: %v", err), nil
	}
	if diff != "" {
		return rejection(l, "state differs from the spec's: %s", diff), nil
	}
	return nil, nil
}

// unavailable says why the environment offers no step with the node and
// args of line l.
func (rp *replayer[R]) unavailable(l *TraceLine, args string) string {
	w, typ := rp.w, argsType(l.Args)
	switch l.Action {
	case DropMessage, DuplicateMessage:
		left, what := w.drops, "drop"
		if l.Action == DuplicateMessage {
			left, what = w.dups, "duplicate"
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
	info := rp.c.p.Rules()[id]
	if typ != info.Event {
		return fmt.Sprintf("it answers a %s, not a %s", info.Event, typ)
	}
	down := w.down&(1<<l.Node) != 0
	switch info.Trigger {
	case lang.OnQuorum:
		return rp.quorumAlone(l, id, args)
	case lang.OnTimeout:
		if t := slices.Index(rp.c.p.Timeouts(), typ); t >= 0 && w.timeouts[t] == 0 {
			return fmt.Sprintf("no %s is left within the bounds", typ)
		}
	case lang.OnRequest:
		return "no client sends this request now: a client waiting for a reply sends its request again, " +
			"one that is not sends its next request number with a value not yet submitted"
	case lang.OnCrash:
		switch {
		case down:
			return fmt.Sprintf("replica %d is down", l.Node)
		case w.crashes == 0:
			return "no crash is left within the bounds"
		default:
			return fmt.Sprintf("%d replicas are down, the most at once", bits.OnesCount64(w.down))
		}
	case lang.OnRestart:
		if !down {
			return fmt.Sprintf("replica %d is not down", l.Node)
		}
		return fmt.Sprintf("the next restart's nonce is %d", w.restarts+1)
	}
	return fmt.Sprintf("no such %s is in flight to replica %d", typ, l.Node)
}

// notFired says why the rule of line l did not answer step act, which the
// environment offers: no rule did, or another.
func (rp *replayer[R]) notFired(l *TraceLine, act *action, ev model.Event, args string) string {
	id, ok := rp.ids[l.Action]
	if !ok {
		return "the spec has no such rule"
	}
	rules, typ := rp.c.p.Rules(), argsType(l.Args)
	if rules[id].Trigger == lang.OnQuorum {
		if act.fired.Quorum == id {
			return fmt.Sprintf("the spec applies %s to this %s first, then %s: two lines", rules[act.fired.Rule].Name, typ, l.Action)
		}
		return rp.quorumAlone(l, id, args)
	}
	var out route.Out
	_, holds, err := rp.c.p.ApplyRule(&rp.w.replicas[l.Node], id, ev, &out)
	switch {
	case err != nil:
		return fmt.Sprintf("it answers a %s, not a %s", rules[id].Event, typ)
	case act.fired.Rule == 0:
		return "its guard does not hold"
	case holds:
		return fmt.Sprintf("the spec applies %s to this %s: its guard holds too, and it comes first", rules[act.fired.Rule].Name, typ)
	}
	return fmt.Sprintf("its guard does not hold; the spec applies %s to this %s", rules[act.fired.Rule].Name, typ)
}

// quorumAlone says why quorum rule id, on line l, did not fire: it fires
// only in the step of a rule that consumes its message, and when that was
// the step before, its guard did not hold after it.
func (rp *replayer[R]) quorumAlone(l *TraceLine, id uint8, args string) string {
	if p := rp.prev; p != nil && p.node == l.Node && p.args == args {
		var out route.Out
		if _, holds, err := rp.c.p.ApplyRule(&rp.w.replicas[l.Node], id, p.ev, &out); err == nil && !holds {
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
