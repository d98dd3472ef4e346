// Package toy holds hand-written protocols for the tests of the model
// checker and of traces, whose state counts are known by formula or by
// hand. In the counter protocol every replica counts to Limit on its own,
// by a timeout: (Limit+1)^n states. In the ping protocol replica 0 sends
// one message to replica 1, which counts what it receives; drops and
// duplicates act on that message.
package toy

import (
	"errors"
	"fmt"

	"github.com/viewstamped/vsr/lang"
	"github.com/viewstamped/vsr/modelcheck/model"
	"github.com/viewstamped/vsr/route"
)

// State is a replica's state.
type State struct {
	Count uint8 // counter: the counter; ping: messages received
	Sent  bool  // ping: replica 0 has sent its message
}

// Protocol is the counter protocol, or with Ping the ping protocol.
type Protocol struct {
	Limit uint8
	Ping  bool
	// Bad, if set, is an invariant over the replicas.
	Bad func([]State) error
}

var _ model.Protocol[State] = Protocol{}

func (m Protocol) Rules() []lang.RuleInfo {
	return []lang.RuleInfo{{}, {Name: "Tick", Trigger: lang.OnTimeout, Event: "Tick"}, {Name: "Receive", Trigger: lang.OnMessage, Event: "Ping"}}
}
func (m Protocol) Timeouts() []string          { return []string{"Tick"} }
func (m Protocol) CloneReplica(r *State) State { return *r }
func (m Protocol) AppendReplica(b []byte, r *State) []byte {
	sent := byte(0)
	if r.Sent {
		sent = 1
	}
	return append(b, r.Count, sent)
}
func (m Protocol) DecodeReplica(b []byte) (State, []byte, error) {
	if len(b) < 2 {
		return State{}, nil, errors.New("short")
	}
	return State{Count: b[0], Sent: b[1] == 1}, b[2:], nil
}
func (m Protocol) Deliver(r *State, msg []byte, out *route.Out) (State, model.Fired, error) {
	n := *r
	n.Count++
	return n, model.Fired{Rule: 2}, nil
}
func (m Protocol) Timeout(r *State, t int, out *route.Out) (State, model.Fired) {
	n := *r
	switch {
	case m.Ping && !r.Sent && r.Count == 0 && out != nil:
		n.Sent = true
		out.Effects = append(out.Effects, route.Effect{Kind: lang.Send, To: 1, Msg: []byte("ping")})
	case !m.Ping && r.Count < m.Limit:
		n.Count++
	default:
		return State{}, model.Fired{}
	}
	return n, model.Fired{Rule: 1}
}
func (m Protocol) Crash(r *State, out *route.Out) (State, model.Fired) { return State{}, model.Fired{} }
func (m Protocol) Restart(r *State, nonce uint64, out *route.Out) (State, model.Fired) {
	return State{}, model.Fired{}
}
func (m Protocol) HasClients() bool { return false }

func (m Protocol) HasReconfigure() bool { return false }

func (m Protocol) Reconfigure(r *State, c, n, e, s uint64, out *route.Out) (State, model.Fired) {
	return State{}, model.Fired{}
}
func (m Protocol) Request(*State, uint64, uint64, []byte, *route.Out) (State, model.Fired) {
	return State{}, model.Fired{}
}
func (m Protocol) ReplyOf([]byte) (uint64, uint64, error) { return 0, 0, errors.New("no replies") }
func (m Protocol) CheckInvariants(rs []State, _ [][]byte) error {
	if m.Bad != nil {
		return m.Bad(rs)
	}
	return nil
}
func (m Protocol) CheckActions(before, after *State) error  { return nil }
func (m Protocol) RenameValues(*State, func([]byte) []byte) {}
func (m Protocol) RenameMessageValues(msg []byte, _ func([]byte) []byte) ([]byte, error) {
	return msg, nil
}
func (m Protocol) DecodeMessage(msg []byte) (any, error) { return string(msg), nil }
func (m Protocol) ApplyRule(*State, uint8, model.Event, *route.Out) (State, bool, error) {
	return State{}, false, errors.New("the toy protocols have no quorum rules")
}

// Renderer renders the toy protocols' values as a trace shows them.
type Renderer struct{}

func (Renderer) State(r *State) ([]byte, error) {
	return fmt.Appendf(nil, `{"count":%d,"sent":%t}`, r.Count, r.Sent), nil
}

func (Renderer) Args(ev model.Event) ([]byte, error) {
	switch ev.Kind {
	case model.EventMessage:
		return fmt.Appendf(nil, `{"type":"Ping","body":%q}`, ev.Msg), nil
	case model.EventTimeout:
		return []byte(`{"type":"Tick"}`), nil
	}
	return nil, fmt.Errorf("no event of kind %d", ev.Kind)
}
