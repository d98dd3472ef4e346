// Package spec is an invalid spec: a quorum of Pings, but no rule consumes a
// Ping, so the quorum rule is never evaluated.
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
type PingQuorum struct{}

func (PingQuorum) Guard(r *Replica, q lang.QuorumOf[Ping]) bool { return r.Count > 1 }

func (PingQuorum) Apply(r *Replica, q lang.QuorumOf[Ping], out *Effects) { r.Count = 0 }
