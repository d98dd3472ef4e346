// Package spec is an invalid spec: a rule answers a struct that is not
// marked as a message.
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

// Note is a plain struct: no replica receives it.
type Note struct {
	Text string
}

//vsr:rule 4.1
type ReceiveNote struct{}

func (ReceiveNote) Guard(r *Replica, m *Note) bool { return true }

func (ReceiveNote) Apply(r *Replica, m *Note, out *Effects) { r.Count++ }
