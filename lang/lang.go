// Package lang is the vocabulary of the protocol description language: the
// values a spec package uses to declare rules, their triggers and their
// effects. A spec is plain Go that imports this package and nothing that
// performs IO; vsrgen reads it and compiles it into handlers and a model
// checker.
//
// A spec declares, each with a marker comment that vsrgen reads:
//
//	//vsr:state      the replica's whole state, one struct
//	//vsr:message    a message between replicas
//	//vsr:request    a message a client sends to a replica
//	//vsr:reply      a message a replica sends to a client
//	//vsr:timeout    a timeout kind (a struct with no fields)
//	//vsr:config     the protocol options (variants), a struct
//	//vsr:rule S     a guarded command implementing paper section S
//	//vsr:invariant  a predicate over the states of all replicas, and
//	                 optionally the replies the clients have received
//	//vsr:action     a predicate over a replica's state before and after a step
//	//vsr:client     how a client makes its n-th request with a value, for
//	                 the model checker: func(ClientID, N, []byte) Request
//
// A field tagged vsr:"value" holds a value that clients submit; the model
// checker treats values as interchangeable for symmetry reduction.
//
// A rule is a type with two methods that sit together in the spec:
//
//	Guard(r *State, t Trigger) bool           reads, never writes
//	Apply(r *State, t Trigger, out *Effects)  changes r and emits effects
//
// The trigger's type says which event the rule answers: a message, request
// or timeout type of the spec, QuorumOf[M] (evaluated right after a rule has
// consumed an M, on the state that rule left), Crash or Restart.
//
// This package must never import anything beyond the standard library's
// pure packages: no net, os, time, sync or math/rand.
package lang

// Crash is the event of a replica losing its volatile state. A rule
// triggered by Crash says what survives.
type Crash struct{}

// Restart is the event of a crashed replica starting again. Nonce is fresh
// for every restart: the runtime draws it at random, the model checker
// counts restarts, so that a replica with no stable storage can tell the
// replies to this attempt from replies to an earlier one.
type Restart struct {
	Nonce uint64
}

// QuorumOf is the trigger of a rule that fires once a replica has collected
// enough messages of kind M. The dispatcher evaluates such rules right after
// a rule has consumed an M, on the state that rule left; the guard counts
// what the state has collected. Last is the message that was just consumed.
type QuorumOf[M any] struct {
	Last *M
}

// EffectKind says where an effect goes.
type EffectKind uint8

const (
	// Send delivers a message to one replica.
	Send EffectKind = iota + 1
	// Broadcast delivers a message to every replica but the sender.
	Broadcast
	// Reply delivers a message to a client.
	Reply
)

func (k EffectKind) String() string {
	switch k {
	case Send:
		return "send"
	case Broadcast:
		return "broadcast"
	case Reply:
		return "reply"
	}
	return "EffectKind(?)"
}

// Effect is one output of a rule.
type Effect[R, C ~uint8 | ~uint16 | ~uint32 | ~uint64] struct {
	Kind    EffectKind
	To      R // the destination replica of a Send
	Client  C // the destination client of a Reply
	Message any
}

// Effects collects the outputs of one step, in the order the rules emitted
// them. The caller performs them in that order. R is the spec's replica
// index type and C its client ID type. Reset keeps the backing array so that
// a caller can reuse one Effects across steps.
//
// Effects also carries the service the rules execute operations on: the
// application's state machine in the runtime, none in the model checker.
type Effects[R, C ~uint8 | ~uint16 | ~uint32 | ~uint64] struct {
	List []Effect[R, C]
	// Service executes the operations the rules commit; nil echoes them.
	Service Service
}

// Service is the application's deterministic state machine as the rules
// see it. A replica executes each committed operation once, in op order,
// with Execute; when a view change or a state transfer hands it its log
// again, it asks with Executed for the results of the operations it has
// executed already, so that the application never sees one twice. A
// replica that lost its state (a crash) starts from a new service and
// executes the committed log from the start, or from a checkpoint that it
// restores. The model checker's service is nil: it echoes operations and
// has no state, so its snapshot is empty.
type Service interface {
	// Execute executes op, the operation of request number request of
	// client, and returns its result.
	Execute(client, request uint64, op []byte) []byte
	// Executed returns the result of that request, which the replica
	// executed before, or nil when the service no longer knows it.
	Executed(client, request uint64, op []byte) []byte
	// Snapshot returns the service's state, for a checkpoint: the same
	// operations executed in the same order give the same snapshot at
	// every replica. The rules keep it and never change it.
	Snapshot() []byte
	// Restore replaces the service's state by a snapshot that a replica's
	// Snapshot returned; results of the operations before it are no
	// longer known. The runtime checks a snapshot from the network before
	// a rule restores it, so Restore never fails.
	Restore(state []byte)
	// Query returns the result of op, an operation that only reads,
	// from the service's state, which it does not change.
	Query(client, request uint64, op []byte) []byte
}

// Execute executes the operation op of client c's request number n on the
// service and returns its result. Without a service the result is op: the
// model checker's service echoes, so that every replica computes the same
// result from the same log.
func (e *Effects[R, C]) Execute(c C, n uint64, op []byte) []byte {
	if e.Service == nil {
		return op
	}
	return e.Service.Execute(uint64(c), n, op)
}

// Executed returns the result of the operation op of client c's request
// number n, which the replica executed before; without a service, op.
func (e *Effects[R, C]) Executed(c C, n uint64, op []byte) []byte {
	if e.Service == nil {
		return op
	}
	return e.Service.Executed(uint64(c), n, op)
}

// Query returns the result of op, an operation that only reads, from the
// service's state; without a service, op.
func (e *Effects[R, C]) Query(c C, n uint64, op []byte) []byte {
	if e.Service == nil {
		return op
	}
	return e.Service.Query(uint64(c), n, op)
}

// Snapshot returns the service's snapshot; without a service, nil.
func (e *Effects[R, C]) Snapshot() []byte {
	if e.Service == nil {
		return nil
	}
	return e.Service.Snapshot()
}

// Restore restores the service from a snapshot; without a service it does
// nothing.
func (e *Effects[R, C]) Restore(state []byte) {
	if e.Service != nil {
		e.Service.Restore(state)
	}
}

// Send emits message m to replica to.
func (e *Effects[R, C]) Send(to R, m any) {
	e.List = append(e.List, Effect[R, C]{Kind: Send, To: to, Message: m})
}

// Broadcast emits message m to every replica but the sender.
func (e *Effects[R, C]) Broadcast(m any) {
	e.List = append(e.List, Effect[R, C]{Kind: Broadcast, Message: m})
}

// Reply emits message m to client c.
func (e *Effects[R, C]) Reply(c C, m any) {
	e.List = append(e.List, Effect[R, C]{Kind: Reply, Client: c, Message: m})
}

// Reset empties e and keeps its capacity and its service.
func (e *Effects[R, C]) Reset() {
	clear(e.List)
	e.List = e.List[:0]
}

// TriggerKind is the kind of event a rule answers.
type TriggerKind uint8

const (
	OnMessage TriggerKind = iota + 1
	OnRequest
	OnTimeout
	OnQuorum
	OnCrash
	OnRestart
)

func (k TriggerKind) String() string {
	switch k {
	case OnMessage:
		return "message"
	case OnRequest:
		return "request"
	case OnTimeout:
		return "timeout"
	case OnQuorum:
		return "quorum"
	case OnCrash:
		return "crash"
	case OnRestart:
		return "restart"
	}
	return "TriggerKind(?)"
}

// RuleInfo describes one rule of a spec, for coverage reports and traces.
type RuleInfo struct {
	Name    string      // the rule's type name, also its TLA+ action name
	Trigger TriggerKind // which kind of event the rule answers
	Event   string      // the trigger's type: a message, timeout, "Crash", ...
	Section string      // the paper section the rule implements
	Pos     string      // file:line of the rule in the spec, relative to the module
}

// PredicateInfo describes one predicate of a spec: an invariant over all
// replicas or an action property over one replica's step.
type PredicateInfo struct {
	Name string
	Pos  string
}

// Broken is the error of a predicate that does not hold: Kind is
// "invariant" or "action", Err what the predicate said.
type Broken struct {
	Kind string
	PredicateInfo
	Err error
}

func (b *Broken) Error() string { return b.Kind + " " + b.Name + " (" + b.Pos + "): " + b.Err.Error() }
func (b *Broken) Unwrap() error { return b.Err }
