package trace

import (
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/viewstamped/vsr/bounded"
	"github.com/viewstamped/vsr/generated"
	"github.com/viewstamped/vsr/lang"
	"github.com/viewstamped/vsr/route"
	"github.com/viewstamped/vsr/spec"
)

// A run of the runtime's nodes, simulated or real, does what the model
// checker's environment cannot say: any number of clients with any
// operations, timeouts, crashes and restarts without a budget, random
// recovery nonces, a network that loses and duplicates messages without
// a word to the nodes, and an application whose results are its own. A
// run trace (RunKind) is checked in an environment to match:
//
//   - every replica starts as a new cluster's (view 0, empty log); a node
//     that lost its state shows it with a CrashReplica line;
//   - a line may deliver to a replica any message that an earlier line
//     sent it, any number of times: the network keeps every message;
//   - a request, a timeout, a crash or a restart may come at any time;
//   - the application's results are inputs: an operation's result is the
//     one the line's state records for it.
//
// The rules, the order in which they are tried, the states they lead to,
// the invariants, the action properties and the Lamport clocks are checked
// as for a trace of the checker (Replay).

// ValidateRun checks that lines, the steps of a run trace with header h,
// are a behavior of the spec in the environment of a run. It returns nil
// when they are, and otherwise the first line that is not; an error means
// the trace could not be checked.
func ValidateRun(h Header, lines []Line) (*Rejection, error) {
	return validateRun(h, lines, nil)
}

// validateRun is ValidateRun, recording into ls, when set, which line sent
// what.
func validateRun(h Header, lines []Line, ls *links) (*Rejection, error) {
	if h.Kind != RunKind {
		return nil, fmt.Errorf("trace: kind %q is not a run's", h.Kind)
	}
	c, err := h.Config()
	if err != nil {
		return nil, fmt.Errorf("trace: header: %w", err)
	}
	cfg := c.Spec()
	cfg.Admin = spec.ClientID(h.Options.Admin)
	v := &runValidator{cfg: cfg, states: bounded.Replicas(cfg), clocks: newLamport(c.Replicas),
		sent: make([]map[string][]byte, c.Replicas), acked: map[requestID]int{}}
	v.clocks.links = ls
	for i := range v.sent {
		v.sent[i] = map[string][]byte{}
	}
	for i := 0; i < len(lines); {
		n, rej, err := v.step(lines, i)
		if rej != nil || err != nil {
			return rej, err
		}
		i += n
	}
	return nil, nil
}

// requestID identifies a client's request.
type requestID struct {
	client  spec.ClientID
	request spec.RequestNumber
}

type runValidator struct {
	cfg    spec.Config
	states []spec.Replica
	clocks *lamport
	// sent holds, for each replica, the messages sent to it so far, by
	// their args as a trace shows them (canonical JSON), encoded.
	sent    []map[string][]byte
	replies []spec.Reply
	acked   map[requestID]int // the index of each request's reply in replies
}

// step checks the step that starts at line i, one line or two, and
// returns the number of lines it took.
func (v *runValidator) step(lines []Line, i int) (int, *Rejection, error) {
	l := &lines[i]
	if l.Seq != i+1 {
		return 0, rejection(lines, i, "seq %d, want %d: the seq numbers count the steps from 1", l.Seq, i+1), nil
	}
	if l.Node < 0 || l.Node >= len(v.states) {
		return 0, rejection(lines, i, "node %d is not a replica: there are %d", l.Node, len(v.states)), nil
	}
	args, err := canonicalJSON(l.Args)
	if err != nil {
		return 0, rejection(lines, i, "args: %v", err), nil
	}
	ev, msg, why := v.event(l, args)
	if why != "" {
		return 0, rejection(lines, i, "%s at replica %d is not enabled: %s", l.Action, l.Node, why), nil
	}
	results, err := resultsOf(lines, i)
	if err != nil {
		return 0, rejection(lines, i, "state: %v", err), nil
	}
	r := &v.states[l.Node]
	before := (*generated.Replica)(r).Clone()
	var out spec.Effects
	out.Service = results
	fired, err := generated.Dispatch(r, ev, &out)
	if err != nil {
		return 0, nil, err
	}
	if fired.Rule == generated.RuleNone || generated.Rules[fired.Rule].Name != l.Action {
		*r = before
		return 0, rejection(lines, i, "%s at replica %d is not enabled: %s", l.Action, l.Node, v.notFired(fired, l.Action)), nil
	}
	var enc route.Out
	if err := generated.EncodeEffects(&enc, &out); err != nil {
		return 0, nil, err
	}
	n, split := 1, 0 // the first split effects are the first line's, when the step has two
	if fired.Quorum != generated.RuleNone {
		n = 2
		mid := (*generated.Replica)(&before).Clone()
		var midOut spec.Effects
		midOut.Service = results
		if ok, err := generated.ApplyRule(&mid, fired.Rule, ev, &midOut); err != nil || !ok {
			return 0, nil, fmt.Errorf("trace: rule %v alone does not apply to its step's event (%v)", fired.Rule, err)
		}
		split = len(midOut.List)
		if rej := v.line(lines, i, &mid, msg, enc.Effects[:split]); rej != nil {
			return 0, rej, nil
		}
		quorum := generated.Rules[fired.Quorum].Name
		if i+1 == len(lines) {
			return 0, rejection(lines, i, "the spec fires %s right after %s in this step, and the trace ends before it", quorum, l.Action), nil
		}
		l2 := &lines[i+1]
		args2, err := canonicalJSON(l2.Args)
		if l2.Seq != i+2 || l2.Action != quorum || l2.Node != l.Node || err != nil || args2 != args {
			return 0, rejection(lines, i+1, "want %s at replica %d with the args of line %d: the spec fires it right after %s, in the same step",
				quorum, l.Node, fileLine(i), l.Action), nil
		}
		msg = nil
	}
	if rej := v.line(lines, i+n-1, r, msg, enc.Effects[split:]); rej != nil {
		return 0, rej, nil
	}
	if err := generated.CheckActions(&before, r); err != nil {
		return 0, breaks(lines, i+n-1, err), nil
	}
	v.deliver(l.Node, enc.Effects, fired.Rule == generated.RuleServeRead)
	if err := generated.CheckInvariants(v.states, v.replies); err != nil {
		return 0, breaks(lines, i+n-1, err), nil
	}
	return n, nil, nil
}

// event returns the event of line l, whose args are args (canonical), with
// its encoding when it is a message one replica sent another, or why the
// environment of a run cannot offer it.
func (v *runValidator) event(l *Line, args string) (ev any, msg []byte, why string) {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(l.Args, &head); err != nil {
		return nil, nil, fmt.Sprintf("args: %v", err)
	}
	switch head.Type {
	case "Request":
		var a struct {
			Op      string `json:"op"`
			Client  uint64 `json:"client"`
			Request uint64 `json:"request"`
			Read    bool   `json:"read"`
			// An administrator's reconfiguration.
			Reconfigure []int  `json:"reconfigure"`
			Epoch       uint64 `json:"epoch"`
		}
		if err := json.Unmarshal(l.Args, &a); err != nil {
			return nil, nil, fmt.Sprintf("args: %v", err)
		}
		req := spec.Request{Op: []byte(a.Op), Client: spec.ClientID(a.Client), Request: spec.RequestNumber(a.Request), Read: a.Read,
			Epoch: spec.EpochNumber(a.Epoch)}
		for _, i := range a.Reconfigure {
			if i < 0 || i >= int(v.cfg.Replicas) {
				return nil, nil, fmt.Sprintf("its reconfiguration names replica %d", i)
			}
			req.Reconfigure = req.Reconfigure.Add(spec.ReplicaIndex(i))
		}
		if b, _ := Value(req); b == nil || mustCanonical(b) != args {
			return nil, nil, "its args are not a request"
		}
		return req, nil, ""
	case "CommitTimeout", "ViewChangeTimeout", "RecoveryTimeout", "LeaseTimeout", "Tick", "Crash", "Restart":
		var a struct {
			Nonce uint64 `json:"nonce"`
		}
		if err := json.Unmarshal(l.Args, &a); err != nil {
			return nil, nil, fmt.Sprintf("args: %v", err)
		}
		ev := map[string]any{"CommitTimeout": spec.CommitTimeout{}, "ViewChangeTimeout": spec.ViewChangeTimeout{},
			"RecoveryTimeout": spec.RecoveryTimeout{}, "LeaseTimeout": spec.LeaseTimeout{}, "Tick": spec.Tick{},
			"Crash": lang.Crash{}, "Restart": lang.Restart{Nonce: a.Nonce}}[head.Type]
		if b, _ := Value(ev); b == nil || mustCanonical(b) != args {
			return nil, nil, fmt.Sprintf("its args are not a %s", head.Type)
		}
		return ev, nil, ""
	}
	msg, ok := v.sent[l.Node][args]
	if !ok {
		return nil, nil, fmt.Sprintf("no line before it sent replica %d such a %s", l.Node, argsType(l.Args))
	}
	m, err := generated.UnmarshalMessage(msg)
	if err != nil {
		return nil, nil, err.Error()
	}
	return m, msg, ""
}

// mustCanonical is canonicalJSON of what this package rendered.
func mustCanonical(b []byte) string {
	s, err := canonicalJSON(b)
	if err != nil {
		panic(fmt.Sprintf("trace: %v", err))
	}
	return s
}

// notFired says why the line's rule did not fire.
func (v *runValidator) notFired(fired generated.Fired, action string) string {
	switch {
	case fired.Rule == generated.RuleNone:
		return "no rule's guard holds"
	case fired.Quorum != generated.RuleNone && generated.Rules[fired.Quorum].Name == action:
		return fmt.Sprintf("the spec applies %s first, then %s: two lines", generated.Rules[fired.Rule], action)
	}
	return fmt.Sprintf("the spec applies %s to this event", generated.Rules[fired.Rule])
}

// line checks line i, whose rule left its node in state after, consumed
// msg (nil for none) and sent sent: the state and the clock.
func (v *runValidator) line(lines []Line, i int, after *spec.Replica, msg []byte, sent []route.Effect) *Rejection {
	l := &lines[i]
	want, err := State(after)
	if err != nil {
		return rejection(lines, i, "state: %v", err)
	}
	diff, err := jsonDiff(l.State, want)
	switch {
	case err != nil:
		return rejection(lines, i, "state: %v", err)
	case diff != "":
		return rejection(lines, i, "state differs from the spec's: %s", diff)
	}
	v.clocks.link(i, l.Node, msg, sent)
	if now := v.clocks.node[l.Node]; l.Clock <= now {
		return rejection(lines, i, "clock %d is not larger than replica %d's clock, %d", l.Clock, l.Node, now)
	}
	if msg != nil {
		if from := v.clocks.sent[sentKey{l.Node, string(msg)}]; l.Clock <= from {
			return rejection(lines, i, "clock %d is not larger than %d, the clock of the line that sent the message", l.Clock, from)
		}
	}
	v.clocks.node[l.Node] = l.Clock
	v.clocks.sends(l.Node, l.Clock, sent)
	return nil
}

// deliver records what a step of replica from sent: every message into
// the network, which keeps it, and every reply as an acknowledgement.
func (v *runValidator) deliver(from int, effects []route.Effect, read bool) {
	route.Deliver(from, len(v.states), effects, func(to int, msg []byte) {
		m, err := generated.UnmarshalMessage(msg)
		if err != nil {
			return
		}
		if args, err := Value(m); err == nil {
			v.sent[to][mustCanonical(args)] = msg
		}
	}, func(_ uint64, msg []byte) {
		if read {
			return // a read's result, from a primary under a lease, acknowledges no write
		}
		m, err := generated.UnmarshalMessage(msg)
		if r, ok := m.(spec.Reply); err == nil && ok {
			// The invariants read the earliest view a request was
			// acknowledged in, which binds the most.
			id := requestID{r.Client, r.Request}
			if k, ok := v.acked[id]; !ok {
				v.acked[id] = len(v.replies)
				v.replies = append(v.replies, r)
			} else if r.View < v.replies[k].View {
				v.replies[k] = r
			}
		}
	})
}

// resultsOf returns the application's results that the step starting at
// line i records: for each client in the client tables of the state after
// the step, the live one and its checkpoint's, its request and result, and
// the checkpoint's snapshot. The validator executes nothing: the results
// are the run's.
func resultsOf(lines []Line, i int) (*recorded, error) {
	last := i
	if i+1 < len(lines) && lines[i+1].Node == lines[i].Node && string(lines[i+1].Args) == string(lines[i].Args) && lines[i+1].Seq == lines[i].Seq+1 {
		last = i + 1
	}
	type table []struct {
		Client  uint64 `json:"client"`
		Request uint64 `json:"request"`
		Reply   struct {
			Result string `json:"result"`
		} `json:"reply"`
	}
	var state struct {
		ClientTable table `json:"clientTable"`
		Checkpoint  struct {
			ClientTable table  `json:"clientTable"`
			State       string `json:"state"`
		} `json:"checkpoint"`
	}
	if err := json.Unmarshal(lines[last].State, &state); err != nil {
		return nil, err
	}
	snapshot, err := hex.DecodeString(state.Checkpoint.State)
	if err != nil {
		return nil, fmt.Errorf("checkpoint.state: %w", err)
	}
	r := &recorded{results: map[[2]uint64][]byte{}, snapshot: snapshot}
	for _, t := range []table{state.Checkpoint.ClientTable, state.ClientTable} {
		for _, e := range t {
			r.results[[2]uint64{e.Client, e.Request}] = []byte(e.Reply.Result)
		}
	}
	return r, nil
}

// recorded is a lang.Service that gives the results and the snapshot a
// trace recorded.
type recorded struct {
	results  map[[2]uint64][]byte
	snapshot []byte
}

func (r *recorded) Execute(client, request uint64, op []byte) []byte {
	return r.Executed(client, request, op)
}

func (r *recorded) Executed(client, request uint64, op []byte) []byte {
	return r.results[[2]uint64{client, request}]
}

func (r *recorded) Snapshot() []byte { return r.snapshot }

// Query answers a read, whose result no state records: the validators
// compare states, not replies.
func (r *recorded) Query(client, request uint64, op []byte) []byte { return nil }

func (r *recorded) Restore(state []byte) {}
