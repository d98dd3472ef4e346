// Package scenario is a deterministic cluster of spec replicas driven by hand:
// the caller submits client requests, delivers or drops in-flight messages
// and fires timeouts, one step at a time, and reads back what each step did.
// Scenario tests and the demo use it; the model checker explores the same
// steps exhaustively.
//
// Messages travel as the network carries them: encoded by the generated
// codec, sent where route.Deliver says, decoded on delivery. A message that
// enables no rule when delivered stays in flight, as in the model checker:
// a Prepare that arrives ahead of its predecessors waits for them. Drop
// removes a message.
package scenario

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/viewstamped/vsr/bounded"
	"github.com/viewstamped/vsr/generated"
	"github.com/viewstamped/vsr/internal/pretty"
	"github.com/viewstamped/vsr/lang"
	"github.com/viewstamped/vsr/route"
	"github.com/viewstamped/vsr/spec"
)

// stepsMax bounds Stabilize.
const stepsMax = 10000

// Client is the sender of a request; From is Client for those.
const Client = -1

// Envelope is a message in flight.
type Envelope struct {
	ID     int
	From   int // a replica index, or Client
	Client spec.ClientID
	To     spec.ReplicaIndex
	Msg    []byte // encoded by generated.AppendMessage
}

// Message decodes the envelope's message.
func (e *Envelope) Message() (any, error) { return generated.UnmarshalMessage(e.Msg) }

func (e *Envelope) String() string {
	from := fmt.Sprintf("r%d", e.From)
	if e.From == Client {
		from = fmt.Sprintf("c%d", e.Client)
	}
	m, err := e.Message()
	if err != nil {
		return fmt.Sprintf("#%d %s->r%d undecodable %x: %v", e.ID, from, e.To, e.Msg, err)
	}
	return fmt.Sprintf("#%d %s->r%d %s", e.ID, from, e.To, Format(m))
}

// Reply is a reply a client received. A read's, which a primary answered
// from its state under a lease (ServeRead), acknowledges no write.
type Reply struct {
	From  spec.ReplicaIndex
	Reply spec.Reply
	Read  bool
}

// Cluster is a set of replicas and the messages between them.
type Cluster struct {
	Replicas []spec.Replica
	// Replies holds what the clients received, in order.
	Replies []Reply
	// Fired counts how often each rule fired, indexed by RuleID.
	Fired [generated.NumRules + 1]int
	// Broken holds the action properties that steps broke, in order.
	Broken []error
	// MergeCopies makes a message that is sent while an identical one to
	// the same replica is in flight merge with it, as the model checker's
	// network does; duplication is then Duplicate's alone. Without it,
	// every send is an envelope of its own, which a script can name.
	MergeCopies bool
	// NewService, if set, gives each replica a service to execute its
	// operations on (lang.Service), a new one after each crash; without
	// it the operations echo, as in the model checker.
	NewService func() lang.Service
	services   []lang.Service
	net        []*Envelope
	nextID     int
	nonce      uint64
	out        spec.Effects
	encoded    route.Out
}

// New returns a cluster of cfg.Replicas replicas in view 0.
func New(cfg spec.Config) *Cluster {
	return &Cluster{nextID: 1, Replicas: bounded.Replicas(cfg)}
}

// InFlight returns the messages in flight, oldest first.
func (c *Cluster) InFlight() []*Envelope { return c.net }

// send puts encoded message msg from replica (or Client) from to replica
// to in flight, and returns its envelope.
func (c *Cluster) send(from int, client spec.ClientID, to spec.ReplicaIndex, msg []byte) *Envelope {
	if c.MergeCopies {
		for _, e := range c.net {
			if e.To == to && bytes.Equal(e.Msg, msg) {
				return e
			}
		}
	}
	e := &Envelope{ID: c.nextID, From: from, Client: client, To: to, Msg: msg}
	c.nextID++
	c.net = append(c.net, e)
	return e
}

// Send encodes message m and puts it in flight from replica (or Client)
// from to replica to.
func (c *Cluster) Send(from int, client spec.ClientID, to spec.ReplicaIndex, m any) (*Envelope, error) {
	msg, err := generated.AppendMessage(nil, m)
	if err != nil {
		return nil, err
	}
	return c.send(from, client, to, msg), nil
}

// Request puts a client request to replica to in flight.
func (c *Cluster) Request(client spec.ClientID, req spec.RequestNumber, op string, to spec.ReplicaIndex) *Envelope {
	e, err := c.Send(Client, client, to, spec.Request{Op: []byte(op), Client: client, Request: req})
	if err != nil {
		panic(fmt.Sprintf("sim: %v", err)) // a Request is a message of the spec
	}
	return e
}

func (c *Cluster) find(id int) (int, error) {
	for i, e := range c.net {
		if e.ID == id {
			return i, nil
		}
	}
	return 0, fmt.Errorf("no message #%d in flight", id)
}

// Drop removes message id from the network.
func (c *Cluster) Drop(id int) error {
	i, err := c.find(id)
	if err != nil {
		return err
	}
	c.net = append(c.net[:i], c.net[i+1:]...)
	return nil
}

// Duplicate puts a second copy of message id in flight, as a network that
// duplicates messages does, and returns it.
func (c *Cluster) Duplicate(id int) (*Envelope, error) {
	i, err := c.find(id)
	if err != nil {
		return nil, err
	}
	e := c.net[i]
	dup := &Envelope{ID: c.nextID, From: e.From, Client: e.Client, To: e.To, Msg: e.Msg}
	c.nextID++
	c.net = append(c.net, dup)
	return dup, nil
}

// Deliver delivers message id and returns what happened, one line each:
// the rules that fired and the messages and replies they emitted.
func (c *Cluster) Deliver(id int) ([]string, error) {
	i, err := c.find(id)
	if err != nil {
		return nil, err
	}
	e := c.net[i]
	lines := []string{"deliver " + e.String()}
	m, err := e.Message()
	if err != nil {
		return nil, fmt.Errorf("message #%d: %w", id, err)
	}
	fired, more := c.step(e.To, m)
	if fired == (generated.Fired{}) {
		return append(lines, fmt.Sprintf("  r%d: no rule enabled; stays in flight", e.To)), nil
	}
	c.net = append(c.net[:i], c.net[i+1:]...)
	return append(lines, more...), nil
}

// Timeout fires timeout t (a timeout of the spec) at replica r.
func (c *Cluster) Timeout(r spec.ReplicaIndex, t any) ([]string, error) {
	return c.local(r, "timeout", t)
}

// Crash crashes replica r.
func (c *Cluster) Crash(r spec.ReplicaIndex) ([]string, error) {
	return c.local(r, "crash", lang.Crash{})
}

// Restart restarts replica r with a nonce it has not used before.
func (c *Cluster) Restart(r spec.ReplicaIndex) ([]string, error) {
	c.nonce++
	return c.local(r, "restart", lang.Restart{Nonce: c.nonce})
}

// local applies an event that comes from the replica's own environment.
func (c *Cluster) local(r spec.ReplicaIndex, what string, ev any) ([]string, error) {
	if int(r) >= len(c.Replicas) {
		return nil, fmt.Errorf("no replica r%d", r)
	}
	lines := []string{fmt.Sprintf("%s r%d %s", what, r, Format(ev))}
	fired, more := c.step(r, ev)
	if fired == (generated.Fired{}) {
		return append(lines, fmt.Sprintf("  r%d: no rule enabled", r)), nil
	}
	return append(lines, more...), nil
}

// Service returns replica r's service, nil without NewService.
func (c *Cluster) Service(r spec.ReplicaIndex) lang.Service {
	if c.NewService == nil {
		return nil
	}
	if c.services == nil {
		c.services = make([]lang.Service, len(c.Replicas))
	}
	if c.services[r] == nil {
		c.services[r] = c.NewService()
	}
	return c.services[r]
}

// step dispatches ev at replica r and performs the effects.
func (c *Cluster) step(r spec.ReplicaIndex, ev any) (generated.Fired, []string) {
	c.out.Reset()
	c.out.Service = c.Service(r)
	defer func() {
		if c.Replicas[r].Status == spec.Crashed && c.services != nil {
			c.services[r] = nil // a crash loses the application's state too
		}
	}()
	rep := &c.Replicas[r]
	before := (*generated.Replica)(rep).Clone()
	fired, err := generated.Dispatch(rep, ev, &c.out)
	if err != nil {
		panic(fmt.Sprintf("sim: %v", err)) // the harness only sends spec events
	}
	var lines []string
	if err := generated.CheckActions(&before, rep); err != nil {
		c.Broken = append(c.Broken, err)
		lines = append(lines, fmt.Sprintf("  r%d: broke %v", r, err))
	}
	for _, id := range []generated.RuleID{fired.Rule, fired.Quorum} {
		if id != generated.RuleNone {
			c.Fired[id]++
			lines = append(lines, fmt.Sprintf("  r%d: %s", r, id))
		}
	}
	c.encoded.Reset()
	if err := generated.EncodeEffects(&c.encoded, &c.out); err != nil {
		panic(fmt.Sprintf("sim: %v", err)) // a rule emitted what is no message
	}
	route.Deliver(int(r), len(c.Replicas), c.encoded.Effects, func(to int, msg []byte) {
		e := c.send(int(r), 0, spec.ReplicaIndex(to), msg)
		lines = append(lines, "  send "+e.String())
	}, func(client uint64, msg []byte) {
		m, err := generated.UnmarshalMessage(msg)
		reply, ok := m.(spec.Reply)
		if err != nil || !ok {
			panic(fmt.Sprintf("sim: a reply to a client is %T (%v)", m, err))
		}
		c.Replies = append(c.Replies, Reply{From: r, Reply: reply, Read: fired.Rule == generated.RuleServeRead})
		lines = append(lines, fmt.Sprintf("  reply r%d->c%d %s", r, client, Format(reply)))
	})
	return fired, lines
}

// Stabilize delivers, oldest first, every message that enables a rule,
// until none does, and returns what happened. Messages to or from the
// replicas in cut stay in flight, as if those replicas were partitioned
// away.
func (c *Cluster) Stabilize(cut ...spec.ReplicaIndex) []string {
	isCut := func(e *Envelope) bool {
		for _, r := range cut {
			if e.To == r || e.From == int(r) {
				return true
			}
		}
		return false
	}
	var lines []string
	for steps := 0; steps < stepsMax; steps++ {
		delivered := false
		for _, e := range c.net {
			if !isCut(e) && c.enabled(e) {
				more, _ := c.Deliver(e.ID)
				lines = append(lines, more...)
				delivered = true
				break
			}
		}
		if !delivered {
			return lines
		}
	}
	return append(lines, fmt.Sprintf("stabilize: stopped after %d steps", stepsMax))
}

// enabled reports whether delivering e would fire a rule, on a copy.
func (c *Cluster) enabled(e *Envelope) bool {
	m, err := e.Message()
	if err != nil {
		return false
	}
	r := (*generated.Replica)(&c.Replicas[e.To]).Clone()
	var out spec.Effects
	fired, _ := generated.Dispatch(&r, m, &out)
	return fired != (generated.Fired{})
}

// Check returns the first invariant that the replicas and the replies to
// writes the clients received break, or nil.
func (c *Cluster) Check() error {
	var replies []spec.Reply
	for _, r := range c.Replies {
		if !r.Read {
			replies = append(replies, r.Reply)
		}
	}
	return generated.CheckInvariants(c.Replicas, replies)
}

// StateLines describes each replica, one line each.
func (c *Cluster) StateLines() []string {
	var lines []string
	for i := range c.Replicas {
		lines = append(lines, DescribeReplica(&c.Replicas[i]))
	}
	return lines
}

// DescribeReplica describes a replica on one line.
func DescribeReplica(r *spec.Replica) string {
	var log []string
	for i, req := range r.Log {
		log = append(log, fmt.Sprintf("%d:c%d/%d/%q", r.LogStart+spec.OpNumber(i)+1, req.Client, req.Request, req.Op))
	}
	line := fmt.Sprintf("r%d %s view=%d last-normal=%d op=%d commit=%d log=[%s] clients=[%s]",
		r.Index, r.Status, r.View, r.LastNormalView, r.OpNumber, r.CommitNumber, strings.Join(log, " "), describeTable(r.ClientTable))
	if r.Checkpoint.Op != 0 || r.LogStart != 0 {
		line += fmt.Sprintf(" checkpoint=%d[%s] log-start=%d", r.Checkpoint.Op, describeTable(r.Checkpoint.ClientTable), r.LogStart)
	}
	if r.Config.Lease != 0 {
		line += fmt.Sprintf(" lease=%d round=%d age=%d grants=%v promise=%d", r.Lease, r.LeaseRound, r.LeaseAge, r.LeaseGrants, r.Promise)
	}
	if r.Epoch != 0 || r.Config.Members != 0 {
		line += fmt.Sprintf(" epoch=%d group=%v old=%v start=%d started=%v", r.Epoch, r.Members, r.OldMembers, r.EpochStart, r.EpochStarted)
	}
	if len(r.CrashVector) > 0 {
		line += fmt.Sprintf(" cv=%v", r.CrashVector)
	}
	return line
}

// describeTable describes a client table: each client's latest request,
// with its result once executed.
func describeTable(t []spec.ClientRecord) string {
	var table []string
	for _, rec := range t {
		s := fmt.Sprintf("c%d/%d", rec.Client, rec.Request)
		if rec.Executed {
			s += fmt.Sprintf("=%q", rec.Reply.Result)
		}
		table = append(table, s)
	}
	return strings.Join(table, " ")
}

// Format prints a message on one line (package pretty).
func Format(m any) string { return pretty.Format(m) }
