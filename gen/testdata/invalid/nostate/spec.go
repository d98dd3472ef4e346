// Package spec is an invalid spec: no struct is marked //vsr:state, so the
// rules have no state to act on.
package spec

import "github.com/viewstamped/vsr/lang"

type (
	ReplicaIndex uint8
	ClientID     uint64
)

type Effects = lang.Effects[ReplicaIndex, ClientID]

// Replica would be the state, but it is not marked.
type Replica struct {
	Count uint64
}

//vsr:message
type Ping struct {
	From ReplicaIndex
}

//vsr:rule 4.1
type ReceivePing struct{}

func (ReceivePing) Guard(r *Replica, m *Ping) bool { return true }

func (ReceivePing) Apply(r *Replica, m *Ping, out *Effects) { r.Count++ }
