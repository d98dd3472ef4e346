// Package route says where the effects of a replica's step go. A rule
// emits a message to one replica (Send), to every replica but the sender
// (Broadcast) or to a client (Reply); once encoded, an effect is an Effect
// of this package, and Deliver turns a step's effects into the deliveries
// they make, one per destination, in the order the rules emitted them.
//
// The model checker, the scenario cluster and the runtime all send through
// Deliver, so that a Broadcast reaches the same replicas everywhere; each
// gives it the network a copy goes into: the checker's multiset of
// messages in flight, where identical copies merge, the scenario cluster's
// list of envelopes, where each copy is its own, or a socket.
//
// This package is part of the deterministic core: it must never import
// anything that performs IO, reads the clock or synchronises.
package route

import "github.com/viewstamped/vsr/lang"

// Effect is one output of a step with its message encoded.
type Effect struct {
	Kind   lang.EffectKind
	To     int    // the destination replica of a Send
	Client uint64 // the destination client of a Reply
	Msg    []byte // the encoded message
}

// Out collects the encoded effects of one step, in the order the rules
// emitted them.
type Out struct {
	Effects []Effect
	// Size is the bytes the last step's messages took, which sizes the
	// buffer the next step encodes into.
	Size int
}

// Reset empties o and keeps its capacity.
func (o *Out) Reset() { o.Effects = o.Effects[:0] }

// Deliver calls replica for each message that effects, the effects of a
// step of replica from in a cluster of n replicas, send to a replica, and
// client for each reply, in the order of the effects: a Send goes to its
// replica, a Broadcast to every other replica in index order, a Reply to
// its client. The callbacks may keep msg, which is the effect's own.
func Deliver(from, n int, effects []Effect, replica func(to int, msg []byte), client func(c uint64, msg []byte)) {
	for _, ef := range effects {
		switch ef.Kind {
		case lang.Send:
			replica(ef.To, ef.Msg)
		case lang.Broadcast:
			for to := 0; to < n; to++ {
				if to != from {
					replica(to, ef.Msg)
				}
			}
		case lang.Reply:
			client(ef.Client, ef.Msg)
		}
	}
}
