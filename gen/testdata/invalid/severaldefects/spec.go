// Package spec is an invalid spec with several defects, declared in an order
// that differs from the order in which the ir stage checks them: the error
// list must still come out sorted by position.
package spec

import "github.com/viewstamped/vsr/lang"

type (
	ReplicaIndex uint8
	ClientID     uint64
)

type Effects = lang.Effects[ReplicaIndex, ClientID]

//vsr:invariant
func CountBounded(rs []Replica) bool { return true }

//vsr:rule 4.1
type ReceivePing struct{}

func (ReceivePing) Guard(r *Replica, m *Ping) bool {
	r.Count++
	return true
}

func (ReceivePing) Apply(r *Replica, m *Ping, out *Effects) { r.Count++ }

//vsr:state
type Replica struct {
	Count uint64
	Peers map[ReplicaIndex]bool
}

//vsr:message
type Ping struct {
	From ReplicaIndex
	View int
}
