// Package spec is an invalid spec: a rule answers a reply, which goes to
// clients and never reaches a replica.
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
	Log   []uint64
}

//vsr:message
type Ping struct {
	From ReplicaIndex
}

//vsr:reply
type Pong struct {
	Client ClientID
}

//vsr:rule 4.1
type ReceivePong struct{}

func (ReceivePong) Guard(r *Replica, m *Pong) bool { return true }

func (ReceivePong) Apply(r *Replica, m *Pong, out *Effects) { r.Count++ }
