package spec

import "github.com/viewstamped/vsr/lang"

// Protocol numbers, fixed-width as on the wire.
type (
	// NodeIndex is a node's position in the configuration, from 0; node 0
	// is the coordinator.
	NodeIndex uint8
	// NodeCount is a number of nodes.
	NodeCount uint8
	// ClientID identifies a client.
	ClientID uint64
	// TxID identifies a transaction, from 1; 0 is no transaction.
	TxID uint64
)

// Effects is what a rule emits: messages to nodes and replies to clients.
type Effects = lang.Effects[NodeIndex, ClientID]

// nodesMax bounds the configuration: NodeSet is a 64-bit mask.
const nodesMax = 64

// coordinator is the index of the node that coordinates every transaction.
const coordinator NodeIndex = 0

// Config holds the configuration and the one protocol option: how each
// participant votes, fixed in advance so that runs are deterministic.
//
//vsr:config
type Config struct {
	// Nodes is the number of nodes, the coordinator included.
	Nodes NodeCount
	// VoteNo holds the participants that vote no; the others vote yes.
	VoteNo NodeSet
}

// Participants returns the set of nodes that vote: every node but the
// coordinator.
func (c Config) Participants() NodeSet {
	var s NodeSet
	for i := NodeIndex(1); int(i) < int(c.Nodes); i++ {
		s = s.Add(i)
	}
	return s
}

// Ballot is a participant's vote.
type Ballot uint8

const (
	NotVoted Ballot = iota
	Yes
	No
)

func (b Ballot) String() string {
	switch b {
	case NotVoted:
		return "not-voted"
	case Yes:
		return "yes"
	case No:
		return "no"
	}
	return "Ballot(?)"
}

// Verdict is the fate of a transaction.
type Verdict uint8

const (
	Undecided Verdict = iota
	Commit
	Abort
)

func (v Verdict) String() string {
	switch v {
	case Undecided:
		return "undecided"
	case Commit:
		return "commit"
	case Abort:
		return "abort"
	}
	return "Verdict(?)"
}

// NodeSet is a set of node indexes.
type NodeSet uint64

// Add returns s with i in it.
func (s NodeSet) Add(i NodeIndex) NodeSet { return s | 1<<i }

// Has reports whether i is in s.
func (s NodeSet) Has(i NodeIndex) bool { return s&(1<<i) != 0 }
