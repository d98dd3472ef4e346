// Package spec is an invalid spec: a message holds an interface, whose
// dynamic type the wire cannot carry.
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

//vsr:message
type Ping struct {
	From    ReplicaIndex
	Payload any
}

//vsr:rule 4.1
type ReceivePing struct{}

func (ReceivePing) Guard(r *Replica, m *Ping) bool { return true }

func (ReceivePing) Apply(r *Replica, m *Ping, out *Effects) { r.Count++ }
