// Package spec is an invalid spec: a struct that a message holds has a
// channel, which the deterministic core never uses.
package spec

import "github.com/viewstamped/vsr/lang"

type (
	ReplicaIndex uint8
	ClientID     uint64
)

type Effects = lang.Effects[ReplicaIndex, ClientID]

//vsr:state
type Replica struct {
	Count uint64
}

// Entry is not marked; it is checked because Ping holds it.
type Entry struct {
	Op   uint64
	Done chan struct{}
}

//vsr:message
type Ping struct {
	From    ReplicaIndex
	Entries []Entry
}

//vsr:rule 4.1
type ReceivePing struct{}

func (ReceivePing) Guard(r *Replica, m *Ping) bool { return true }

func (ReceivePing) Apply(r *Replica, m *Ping, out *Effects) { r.Count++ }
