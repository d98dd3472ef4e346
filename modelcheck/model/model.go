// Package model is the interface between a spec's generated code and the
// model checker: vsrgen generates, in the package checker beside the
// generated code an application embeds, a type Protocol that implements
// Protocol, and package modelcheck explores it. It imports only lang and
// route, so that the generated checker half stays free of the engine's
// goroutines, clocks and locks.
package model

import (
	"github.com/viewstamped/vsr/lang"
	"github.com/viewstamped/vsr/route"
)

// Protocol is the protocol-specific half of the checker for replica state
// R. vsrgen generates it as the type Protocol of a spec's generated
// checker package; the engine in package modelcheck assembles replica
// states, the network and the clients into global states and explores
// them.
//
// Messages cross this interface in their wire encoding (generated
// AppendMessage), so that the engine can keep the network as canonical
// bytes and never needs to know the message types.
type Protocol[R any] interface {
	// Rules describes the rules, indexed by rule ID; Rules()[0] is empty.
	Rules() []lang.RuleInfo
	// Timeouts names the timeout kinds, indexed as Timeout takes them.
	Timeouts() []string

	CloneReplica(r *R) R
	// AppendReplica appends the canonical encoding of r.
	AppendReplica(b []byte, r *R) []byte
	// DecodeReplica decodes what AppendReplica encoded.
	DecodeReplica(b []byte) (R, []byte, error)

	// The steps below never change r: when a rule is enabled they apply
	// it to a copy and return the copy; when none is, they return a zero
	// Fired without copying anything.

	// Deliver applies the encoded message msg to r.
	Deliver(r *R, msg []byte, out *route.Out) (R, Fired, error)
	// Timeout fires timeout kind t at r.
	Timeout(r *R, t int, out *route.Out) (R, Fired)
	Crash(r *R, out *route.Out) (R, Fired)
	Restart(r *R, nonce uint64, out *route.Out) (R, Fired)
	// HasClients reports whether the spec says how a client makes a
	// request (a //vsr:client function); Request is a no-op otherwise.
	HasClients() bool
	// Request delivers the n-th request of client c, with value v, to r.
	Request(r *R, c uint64, n uint64, v []byte, out *route.Out) (R, Fired)
	// HasReconfigure reports whether the spec says how the administrator
	// makes a reconfiguration (a //vsr:reconfigure function); Reconfigure
	// is a no-op otherwise.
	HasReconfigure() bool
	// Reconfigure delivers the n-th request of the administrator c, a
	// reconfiguration that ends epoch e with group s, to r.
	Reconfigure(r *R, c, n, e, s uint64, out *route.Out) (R, Fired)
	// ReplyOf returns the client and request number an encoded reply
	// answers.
	ReplyOf(msg []byte) (client, request uint64, err error)

	// CheckInvariants checks the spec's invariants over all replicas and
	// the encoded replies the clients have received.
	CheckInvariants(rs []R, replies [][]byte) error
	// CheckActions checks the spec's action properties over one step.
	CheckActions(before, after *R) error

	// RenameValues replaces every value v (a field tagged vsr:"value")
	// in r by f(v), for symmetry reduction.
	RenameValues(r *R, f func([]byte) []byte)
	// RenameMessageValues does the same in an encoded message.
	RenameMessageValues(msg []byte, f func([]byte) []byte) ([]byte, error)
	// DecodeMessage decodes an encoded message, for traces.
	DecodeMessage(msg []byte) (any, error)

	// ApplyRule applies the rule with ID rule, alone, to a copy of r for
	// event ev when the rule's guard holds, and returns the copy and true;
	// it returns false when the guard does not hold, and an error when ev
	// is not what the rule answers. For a quorum rule, ev is the message
	// just consumed. A step of the checker runs a whole dispatch, which can
	// fire a rule and then a quorum rule; a trace shows them one at a
	// time, and this gives the state between them.
	ApplyRule(r *R, rule uint8, ev Event, out *route.Out) (R, bool, error)
}

// Event is the input of one step, as ApplyRule takes it.
type Event struct {
	Kind EventKind
	// Msg is the encoded message of EventMessage.
	Msg []byte
	// Timeout is the timeout kind of EventTimeout, indexed as Timeout
	// takes it.
	Timeout int
	// Client (from 1), Request and Value make the request of
	// EventRequest, as Request takes them.
	Client, Request uint64
	Value           []byte
	// Nonce is the nonce of EventRestart.
	Nonce uint64
	// Epoch and Members make, with Client and Request, the
	// reconfiguration of EventReconfigure, as Reconfigure takes them.
	Epoch, Members uint64
}

// EventKind is the kind of an Event.
type EventKind uint8

const (
	EventMessage EventKind = iota + 1
	EventTimeout
	EventRequest
	EventCrash
	EventRestart
	EventReconfigure
)

// Fired says which rules a step applied, by rule ID; 0 is none.
type Fired struct {
	Rule, Quorum uint8
}
