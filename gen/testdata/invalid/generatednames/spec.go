// Package spec is an invalid spec: a struct named Kind clashes with the
// message kind enum that the generated package declares, and a rule named
// None would generate RuleNone, which is already the zero RuleID.
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
	Last  Kind
}

// Kind is held by the state, so the generated package declares a type
// Kind for it.
type Kind struct {
	Value uint8
}

//vsr:message
type Ping struct {
	From ReplicaIndex
}

//vsr:rule 4.1
type None struct{}

func (None) Guard(r *Replica, m *Ping) bool { return true }

func (None) Apply(r *Replica, m *Ping, out *Effects) { r.Count++ }
