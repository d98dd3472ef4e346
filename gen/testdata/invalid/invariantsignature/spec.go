// Package spec is an invalid spec: an invariant over one replica.
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

//vsr:rule 4.1
type ReceivePing struct{}

func (ReceivePing) Guard(r *Replica, m *Ping) bool { return true }

func (ReceivePing) Apply(r *Replica, m *Ping, out *Effects) { r.Count++ }

//vsr:invariant
func CountBounded(r *Replica) bool { return r.Count < 10 }
