package modelcheck

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/viewstamped/vsr/internal/pretty"
	"github.com/viewstamped/vsr/lang"
	"github.com/viewstamped/vsr/route"
)

// Step is one step of a counterexample, for a person to read.
type Step struct {
	Number  int
	Action  string // deliver, timeout, request, retry, drop, duplicate, crash, restart
	Replica int
	Rules   []string
	// Detail says what the action did: the message, timeout or request.
	Detail string
	// From says who sent the message the step delivers, drops or
	// duplicates, and at which step: "r1 at step 3"; "" before the path
	// or for no message.
	From    string
	Changed []Change
	// Sent lists what the step sent: each message with where it went.
	Sent []string
	// Seq and Lines are the step's lines in the trace: from seq Seq, one
	// line, or two when a quorum rule fired after the first.
	Seq, Lines int
	// Full, with Options.Full, is every replica's whole state and the
	// messages in flight after the step, a line each.
	Full []string
}

// Change is a field of the acting replica's state that a step changed.
type Change struct {
	Field string
	After string
}

// violation returns the violation of kind with err, found by the step with
// ordinal last from the end of the path ords (0 when there is none), with
// its steps.
func (c *checker[R]) violation(kind string, err error, ords []uint32, last uint32) (*Violation, error) {
	v := &Violation{Kind: kind, Err: err, Path: Path{ords: slices.Clone(ords)}}
	if last > 0 {
		v.Path.ords = append(v.Path.ords, last)
	}
	var rerr error
	if v.Trace, rerr = c.replay(ords, last); rerr != nil {
		return nil, rerr
	}
	return v, nil
}

// replay rebuilds the steps of a counterexample from the successor
// ordinals of its path; last is the ordinal of the final, violating step
// from the end of the path, or 0 when there is none (a deadlock, or a
// violation in the initial state).
func (c *checker[R]) replay(ords []uint32, last uint32) ([]Step, error) {
	b, err := c.canonical(c.init)
	if err != nil {
		return nil, err
	}
	w, err := c.decode(b)
	if err != nil {
		return nil, err
	}
	var steps []Step
	all := ords
	if last > 0 {
		all = append(append([]uint32(nil), ords...), last)
	}
	// sentBy tells, for each message in flight to a replica, who sent it
	// last and at which step.
	type sender struct{ replica, step int }
	sentBy := map[string]sender{}
	key := func(to int, msg []byte) string { return fmt.Sprintf("%d/%s", to, msg) }
	seq := 1
	for i, ord := range all {
		next, act, err := c.nth(w, ord, true)
		if err != nil {
			return nil, fmt.Errorf("replay step %d: %w", i+1, err)
		}
		s := c.describe(i+1, w, next, act)
		if act.msg != nil {
			if by, ok := sentBy[key(act.replica, act.msg)]; ok {
				s.From = fmt.Sprintf("r%d at step %d", by.replica, by.step)
			}
		}
		s.Seq, s.Lines = seq, 1
		if act.fired.Quorum != 0 {
			s.Lines = 2
		}
		seq += s.Lines
		route.Deliver(act.replica, len(w.replicas), act.effects, func(to int, msg []byte) {
			sentBy[key(to, msg)] = sender{act.replica, i + 1}
		}, func(uint64, []byte) {})
		s.Sent = c.sent(act)
		if c.opts.Full && next != nil {
			s.Full = c.full(next)
		}
		steps = append(steps, s)
		if next == nil {
			break // the step broke an action property
		}
		if b, err = c.canonical(next); err != nil {
			return nil, err
		}
		if w, err = c.decode(b); err != nil {
			return nil, err
		}
	}
	return steps, nil
}

// message renders an encoded message for a person.
func (c *checker[R]) message(msg []byte) string {
	m, err := c.p.DecodeMessage(msg)
	if err != nil {
		return fmt.Sprintf("undecodable message %x", msg)
	}
	return pretty.Format(m)
}

// sent renders what a step sent, a line for each effect.
func (c *checker[R]) sent(act *action) []string {
	var out []string
	for _, e := range act.effects {
		msg := c.message(e.Msg)
		switch e.Kind {
		case lang.Send:
			out = append(out, fmt.Sprintf("%s to r%d", msg, e.To))
		case lang.Broadcast:
			out = append(out, msg+" to all")
		case lang.Reply:
			out = append(out, fmt.Sprintf("%s to client %d", msg, e.Client))
		}
	}
	return out
}

// full renders every replica's state and the messages in flight in w.
func (c *checker[R]) full(w *world[R]) []string {
	var out []string
	for r := range w.replicas {
		out = append(out, fmt.Sprintf("r%d: %s", r, fields(&w.replicas[r])))
	}
	for _, e := range w.net {
		line := fmt.Sprintf("in flight to r%d: %s", e.to, c.message(e.msg))
		if e.count > 1 {
			line += fmt.Sprintf(" (%d copies)", e.count)
		}
		out = append(out, line)
	}
	if len(w.net) == 0 {
		out = append(out, "nothing in flight")
	}
	return out
}

// describe renders one step for a person.
func (c *checker[R]) describe(number int, before, after *world[R], act *action) Step {
	s := Step{Number: number, Action: act.kind.String(), Replica: act.replica}
	rules := c.p.Rules()
	for _, id := range []uint8{act.fired.Rule, act.fired.Quorum} {
		if id != 0 && int(id) < len(rules) {
			s.Rules = append(s.Rules, rules[id].Name)
		}
	}
	switch act.kind {
	case actDeliver, actDrop, actDuplicate:
		s.Detail = c.message(act.msg)
	case actTimeout:
		s.Detail = c.p.Timeouts()[act.timeout]
	case actRequest, actRetry:
		s.Detail = fmt.Sprintf("client %d request %d value %s", act.client+1, act.request, c.values[act.value])
	case actReconfigure:
		s.Detail = fmt.Sprintf("administrator %d request 1: reconfigure epoch 0 to group %s", c.admin(), groupString(c.bounds.Reconfigure))
	}
	if after != nil && act.fired.Rule != 0 {
		s.Changed = changes(&before.replicas[act.replica], &after.replicas[act.replica])
	}
	return s
}

// groupString renders a group, a bit a replica, as {r0, r1, r3}.
func groupString(g uint64) string {
	var names []string
	for i := range 64 {
		if g&(1<<i) != 0 {
			names = append(names, fmt.Sprintf("r%d", i))
		}
	}
	return "{" + strings.Join(names, ", ") + "}"
}

// fields renders the fields of the struct *v but its configuration and
// index, which never change.
func fields(v any) string {
	s := reflect.ValueOf(v).Elem()
	if s.Kind() != reflect.Struct {
		return pretty.Format(v)
	}
	var parts []string
	for i := 0; i < s.NumField(); i++ {
		f := s.Field(i)
		// A nested struct that is all zero (a replica without a
		// checkpoint) is left out, as pretty leaves it out of messages.
		if name := s.Type().Field(i).Name; name != "Config" && name != "Index" && !(f.Kind() == reflect.Struct && f.IsZero()) {
			parts = append(parts, name+":"+pretty.Format(f.Interface()))
		}
	}
	return strings.Join(parts, " ")
}

// changes lists the fields of a struct that differ between before and
// after.
func changes(before, after any) []Change {
	b, a := reflect.ValueOf(before).Elem(), reflect.ValueOf(after).Elem()
	if b.Kind() != reflect.Struct {
		return nil
	}
	var out []Change
	for i := 0; i < b.NumField(); i++ {
		if !reflect.DeepEqual(b.Field(i).Interface(), a.Field(i).Interface()) {
			out = append(out, Change{Field: b.Type().Field(i).Name, After: pretty.Format(a.Field(i).Interface())})
		}
	}
	return out
}
