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
	// EpochNumber numbers the group's configurations, from 0 (7): each
	// reconfiguration ends an epoch and starts the next, whose views are
	// numbered from 0 again. Epoch and view together order everything.
	EpochNumber uint32
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

// Config holds the configuration and the protocol options. The zero value
// of every option is the safe protocol; the others reproduce the paper as
// published, or as read literally, where that is known to be unsafe, so
// that the model checker can show the defect within the same bounds.
//
//vsr:config
type Config struct {
	// Replicas is the number of replicas, 2f+1, or, with reconfiguration,
	// the number of replicas that may ever be members: every group is a set
	// of replica indexes below it.
	Replicas uint8
	// Members is the group of epoch 0; 0 is every replica. Replicas
	// outside it start in the standby status and join when a
	// reconfiguration makes them members (7).
	Members ReplicaSet
	// Admin is the client whose requests may reconfigure the group (7.1);
	// 0 is none. The runtime authenticates it.
	Admin ClientID
	// StateTransfer chooses the state transfer of 5.2.
	StateTransfer StateTransferVariant
	// Recovery chooses the replica recovery of 4.3.
	Recovery RecoveryVariant
	// StartViewInNormal accepts a StartView of the current view in normal
	// status, the literal reading of 4.2 step 5. A delayed StartView then
	// rolls a backup's log back and can lose an acknowledged operation.
	StartViewInNormal bool
	// Batch bounds the requests one Prepare carries; 0 is 1, a Prepare
	// for each request as in the paper.
	Batch uint16
	// Pipeline bounds the Prepares the primary has outstanding, sent and
	// not yet committed; 0 is no bound. Requests that arrive while it is
	// full wait in the primary's log and leave together, Batch to a
	// Prepare, as earlier ones commit.
	Pipeline uint16
	// CheckpointInterval is how many committed operations apart a replica
	// takes checkpoints (5.1): after executing each operation whose
	// op-number is a multiple of it, the replica keeps the service's state
	// and the client table at that op-number and discards the log up to
	// its previous checkpoint. 0 takes none: the log grows without bound,
	// as in 4.
	CheckpointInterval uint32
	// ViewChangeLog bounds the log entries a DoViewChange or a StartView
	// carries, the last ones of the sender's log (5.3); a replica that
	// needs earlier ones asks for them. 0 is every entry the sender holds.
	ViewChangeLog uint16
	// Lease is how many ticks of its clock a primary's lease lasts (6.3):
	// while it holds one, granted by f backups, it answers read-only
	// requests from its state without a round of Prepares. 0 is no
	// leases: every request goes through the log.
	Lease uint16
	// LeaseMargin is how many ticks longer than a lease a backup's
	// promise lasts, not to start or join a view change: it covers the
	// drift between the clocks of the primary and the backup, which the
	// safety of leases assumes bounded.
	LeaseMargin uint16
}

// StateTransferVariant chooses the state transfer of 5.2.
type StateTransferVariant uint8

const (
	// StateTransferFixed never truncates the log: a replica that learns of
	// a newer view enters the state-transfer status and adopts view,
	// last-normal view and log together from a NewState of that view.
	StateTransferFixed StateTransferVariant = iota
	// StateTransferPaper is 5.2 as published: a replica that learns of a
	// newer view truncates its log to its commit-number, moves to the view
	// and asks for the rest. It can lose committed operations.
	StateTransferPaper
)

// String names the variant as configurations, traces and VSR.tla do.
func (v StateTransferVariant) String() string {
	switch v {
	case StateTransferFixed:
		return "fixed"
	case StateTransferPaper:
		return "paper"
	}
	return "StateTransferVariant(?)"
}

// RecoveryVariant chooses the replica recovery of 4.3.
type RecoveryVariant uint8

const (
	// RecoveryCrashVectors is the recovery of Michael, Ports, Sharma and
	// Szekeres (DISC 2017): every message carries the sender's crash
	// vector, stale messages are discarded, and a recovering replica first
	// learns the crash vectors of a quorum and starts a new incarnation.
	RecoveryCrashVectors RecoveryVariant = iota
	// RecoveryPaper is 4.3 as published: messages a replica sent before it
	// crashed can still be counted after it has recovered with less state.
	RecoveryPaper
)

// String names the variant as configurations, traces and VSR.tla do.
func (v RecoveryVariant) String() string {
	switch v {
	case RecoveryCrashVectors:
		return "crashvectors"
	case RecoveryPaper:
		return "paper"
	}
	return "RecoveryVariant(?)"
}

// batch returns the most requests a Prepare carries.
func (c Config) batch() OpNumber { return OpNumber(max(1, c.Batch)) }

// checkpointDue reports whether a replica takes a checkpoint after it
// has executed operation op.
func (c Config) checkpointDue(op OpNumber) bool {
	return c.CheckpointInterval != 0 && op%OpNumber(c.CheckpointInterval) == 0
}

// leases reports whether the primary answers reads under leases.
func (c Config) leases() bool { return c.Lease != 0 }

// promise returns how many ticks a backup's promise to a primary lasts.
func (c Config) promise() uint16 { return c.Lease + c.LeaseMargin }

// pipelineFull reports whether a primary with n Prepares outstanding may
// send no other.
func (c Config) pipelineFull(n int) bool { return c.Pipeline != 0 && n >= int(c.Pipeline) }

// F is the number of failures the group of epoch 0 tolerates.
func (c Config) F() int { return c.Group().F() }

// Primary returns the primary of view v in epoch 0.
func (c Config) Primary(v ViewNumber) ReplicaIndex { return c.Group().Primary(v) }

// Group returns the group of epoch 0.
func (c Config) Group() ReplicaSet {
	if c.Members != 0 {
		return c.Members
	}
	return ReplicaSet(1)<<c.Replicas - 1
}

// F is the number of failures group s tolerates: s has 2f+1 members.
func (s ReplicaSet) F() int { return (s.Count() - 1) / 2 }

// Primary returns the primary of view v in group s (4: round-robin by
// index among the members).
func (s ReplicaSet) Primary(v ViewNumber) ReplicaIndex {
	k := int(uint64(v) % uint64(max(s.Count(), 1)))
	for i := range ReplicaIndex(replicasMax) {
		if s.Has(i) {
			if k == 0 {
				return i
			}
			k--
		}
	}
	return 0
}

// Status is a replica's status (4).
type Status uint8

const (
	Normal Status = iota
	ViewChange
	// StateTransfer waits for a NewState of a newer view (fixed variant).
	StateTransfer
	// RecoveringVector gathers crash vectors before recovery proper
	// (crash-vector variant).
	RecoveringVector
	Recovering
	// Crashed has lost all state; only Restart applies.
	Crashed
	// Standby is a replica that is not yet a member of the group: it
	// waits for a StartEpoch that makes it one (7.2).
	Standby
	// Leaving is a replica of an epoch's group that the next epoch's
	// group leaves out: it sends the new members the state they lack
	// until f'+1 of them have started the epoch (7.3).
	Leaving
	// Shutdown is a replica that has left the group for good (7.3).
	Shutdown
)

func (s Status) String() string {
	switch s {
	case Normal:
		return "normal"
	case ViewChange:
		return "view-change"
	case StateTransfer:
		return "state-transfer"
	case RecoveringVector:
		return "recovering-vector"
	case Recovering:
		return "recovering"
	case Crashed:
		return "crashed"
	case Standby:
		return "standby"
	case Leaving:
		return "leaving"
	case Shutdown:
		return "shutdown"
	}
	return "Status(?)"
}

// participates reports whether a replica in status s takes part in view
// changes: recovering and crashed replicas do not (4.3).
func (s Status) participates() bool {
	return s == Normal || s == ViewChange || s == StateTransfer
}

// ReplicaSet is a set of replica indexes.
type ReplicaSet uint64

// Add returns s with i in it.
func (s ReplicaSet) Add(i ReplicaIndex) ReplicaSet { return s | 1<<i }

// Remove returns s without i.
func (s ReplicaSet) Remove(i ReplicaIndex) ReplicaSet { return s &^ (1 << i) }

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

// String returns s as a set for people: {r0, r2}.
func (s ReplicaSet) String() string {
	b := []byte{'{'}
	for i := range 64 {
		if s&(1<<i) == 0 {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',', ' ')
		}
		b = append(b, 'r')
		if i >= 10 {
			b = append(b, byte('0'+i/10))
		}
		b = append(b, byte('0'+i%10))
	}
	return string(append(b, '}'))
}
