package spec

import "github.com/viewstamped/vsr/lang"

// Protocol numbers, fixed-width as on the wire.
type (
	// ViewNumber numbers views; the primary of view v is replica v mod n.
	ViewNumber uint32
	// OpNumber numbers operations in the log, from 1.
	OpNumber uint64
	// ReplicaIndex is a replica's position in the configuration, from 0.
	ReplicaIndex uint8
	// ClientID identifies a client.
	ClientID uint64
	// RequestNumber numbers a client's requests, from 1.
	RequestNumber uint64
)

// Effects is what a rule emits: messages to replicas and replies to clients.
type Effects = lang.Effects[ReplicaIndex, ClientID]

// Bounds of the replica's tables.
const (
	// replicasMax bounds the configuration: ReplicaSet is a 64-bit mask.
	replicasMax = 64
	// clientTableMax bounds the client table; requests from further
	// clients are dropped until the table is reconfigured.
	clientTableMax = 1 << 16
)

// Config holds the configuration and the protocol options. The variant
// options of the later sections (state transfer, recovery) are added here.
//
//vsr:config
type Config struct {
	// Replicas is the number of replicas, 2f+1.
	Replicas uint8
}

// F is the number of failures the configuration tolerates.
func (c Config) F() int { return (int(c.Replicas) - 1) / 2 }

// Primary returns the primary of view v (4: round-robin by index).
func (c Config) Primary(v ViewNumber) ReplicaIndex {
	return ReplicaIndex(uint64(v) % uint64(c.Replicas))
}

// Status is a replica's status (4).
type Status uint8

const (
	Normal Status = iota
	ViewChange
	Recovering
)

func (s Status) String() string {
	switch s {
	case Normal:
		return "normal"
	case ViewChange:
		return "view-change"
	case Recovering:
		return "recovering"
	}
	return "Status(?)"
}

// ReplicaSet is a set of replica indexes.
type ReplicaSet uint64

// Add returns s with i in it.
func (s ReplicaSet) Add(i ReplicaIndex) ReplicaSet { return s | 1<<i }

// Has reports whether i is in s.
func (s ReplicaSet) Has(i ReplicaIndex) bool { return s&(1<<i) != 0 }

// Count returns the number of replicas in s.
func (s ReplicaSet) Count() int {
	n := 0
	for ; s != 0; s &= s - 1 {
		n++
	}
	return n
}
