// Package spec is an invalid spec: an action property compares one
// replica's state before and after a step, but this one takes all states.
package spec

import (
	"errors"

	"github.com/viewstamped/vsr/lang"
)

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
	From ReplicaIndex
}

//vsr:rule 4.1
type ReceivePing struct{}

func (ReceivePing) Guard(r *Replica, m *Ping) bool { return true }

func (ReceivePing) Apply(r *Replica, m *Ping, out *Effects) { r.Count++ }

// CountGrows compares the wrong things.
//
//vsr:action
func CountGrows(rs []Replica) error {
	if len(rs) == 0 {
		return errors.New("no replicas")
	}
	return nil
}
