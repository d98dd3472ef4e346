// Package spec is an invalid spec with several defects that the load stage
// finds: all are reported, in position order.
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

// Bounded is marked as an invariant, which is a function, not a type.
//
//vsr:invariant
type Bounded struct{}

//vsr:message
//vsr:request
type Ping struct {
	From ReplicaIndex
}

//vsr:rule 4.1
type ReceivePing struct{}

func (ReceivePing) Guard(r *Replica, m *Ping) bool { return true }

//vsr:apply
func (ReceivePing) Apply(r *Replica, m *Ping, out *Effects) { r.Count++ }
