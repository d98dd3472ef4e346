// Package spec is an invalid spec: the generated package lives elsewhere,
// so it can name neither an unexported field of a message nor an
// unexported rule.
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
	From  ReplicaIndex
	nonce uint64
}

//vsr:rule 4.1
type receivePing struct{}

func (receivePing) Guard(r *Replica, m *Ping) bool { return m.nonce == 0 }

func (receivePing) Apply(r *Replica, m *Ping, out *Effects) { r.Count++ }
