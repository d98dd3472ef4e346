package modelcheck

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/viewstamped/vsr/internal/pretty"
)

// Step is one step of a counterexample, for a person to read.
type Step struct {
	Number  int
	Action  string // deliver, timeout, request, retry, drop, duplicate, crash, restart
	Replica int
	Rules   []string
	// Detail says what the action did: the message, timeout or request.
	Detail  string
	Changed []Change
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
	for i, ord := range all {
		next, act, err := c.nth(w, ord, false)
		if err != nil {
			return nil, fmt.Errorf("replay step %d: %w", i+1, err)
		}
		steps = append(steps, c.describe(i+1, w, next, act))
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
		if m, err := c.p.DecodeMessage(act.msg); err == nil {
			s.Detail = pretty.Format(m)
		} else {
			s.Detail = fmt.Sprintf("undecodable message %x", act.msg)
		}
	case actTimeout:
		s.Detail = c.p.Timeouts()[act.timeout]
	case actRequest, actRetry:
		s.Detail = fmt.Sprintf("client %d request %d value %s", act.client+1, act.request, c.values[act.value])
	}
	if after != nil && act.fired.Rule != 0 {
		s.Changed = changes(&before.replicas[act.replica], &after.replicas[act.replica])
	}
	return s
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
