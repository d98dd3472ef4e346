// Package spec is an invalid spec: the administrator's reconfiguration
// takes a client, a request number, an epoch and a group, but this one
// takes the group as a slice.
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

//vsr:request
type Request struct {
	Client  ClientID
	Request uint64
	Group   []ReplicaIndex
}

//vsr:rule 4.1
type ReceiveRequest struct{}

func (ReceiveRequest) Guard(r *Replica, m *Request) bool { return true }

func (ReceiveRequest) Apply(r *Replica, m *Request, out *Effects) { r.Count++ }

// NewReconfiguration makes the administrator's request.
//
//vsr:reconfigure
func NewReconfiguration(c ClientID, n uint64, e uint32, group []ReplicaIndex) Request {
	return Request{Client: c, Request: n, Group: group}
}
