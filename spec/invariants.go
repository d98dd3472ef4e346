package spec

import (
	"bytes"
	"fmt"
	"slices"
)

// Invariants over the states of all replicas and the replies the clients
// have received. Each returns nil when it holds and otherwise an error that
// names the replicas and values that break it.

// CommitNumberAtMostOpNumber: a replica commits only what its log holds;
// its checkpoint is of a committed operation and its log starts at or
// before it; its op-number is where its log ends.
//
//vsr:invariant
func CommitNumberAtMostOpNumber(rs []Replica) error {
	for i := range rs {
		r := &rs[i]
		if r.CommitNumber > r.OpNumber {
			return fmt.Errorf("replica %d: commit-number %d > op-number %d", r.Index, r.CommitNumber, r.OpNumber)
		}
		if r.LogStart > r.Checkpoint.Op || r.Checkpoint.Op > r.CommitNumber {
			return fmt.Errorf("replica %d: log start %d, checkpoint %d, commit-number %d: want each at most the next",
				r.Index, r.LogStart, r.Checkpoint.Op, r.CommitNumber)
		}
		if r.logEnd() != r.OpNumber {
			return fmt.Errorf("replica %d: op-number %d but %d log entries after op %d", r.Index, r.OpNumber, len(r.Log), r.LogStart)
		}
	}
	return nil
}

// CommittedPrefixesAgree: any two replicas have the same operations in
// the part of their logs that both have committed and both still hold.
//
//vsr:invariant
func CommittedPrefixesAgree(rs []Replica) error {
	for i := range rs {
		for j := i + 1; j < len(rs); j++ {
			a, b := &rs[i], &rs[j]
			k := min(a.CommitNumber, b.CommitNumber, a.logEnd(), b.logEnd())
			for op := max(a.LogStart, b.LogStart) + 1; op <= k; op++ {
				x, y := a.entry(op), b.entry(op)
				if !sameRequest(x, y) {
					return fmt.Errorf("replicas %d and %d: committed op %d differs: client %d request %d vs client %d request %d",
						a.Index, b.Index, op, x.Client, x.Request, y.Client, y.Request)
				}
			}
		}
	}
	return nil
}

// CheckpointsAgree: a checkpoint holds what its operations left, the same
// at every replica that executed them. Two checkpoints of the same
// op-number have the same snapshot and the same client table, but for the
// views in the replies; and a replica that has committed past another's
// checkpoint, from an earlier checkpoint of its own, executed the same
// latest request of each client up to that op-number.
//
//vsr:invariant
func CheckpointsAgree(rs []Replica) error {
	for i := range rs {
		a := &rs[i]
		if a.Checkpoint.Op == 0 {
			continue
		}
		for j := range rs {
			b := &rs[j]
			switch {
			case i == j:
			case b.Checkpoint.Op == a.Checkpoint.Op:
				if i < j {
					if err := sameCheckpoint(a, b); err != nil {
						return err
					}
				}
			case b.Checkpoint.Op < a.Checkpoint.Op && a.Checkpoint.Op <= min(b.CommitNumber, b.logEnd()):
				table := slices.Clone(b.Checkpoint.ClientTable)
				for op := b.Checkpoint.Op + 1; op <= a.Checkpoint.Op; op++ {
					table = executed(table, b.entry(op), Reply{})
				}
				if c, ok := sameRequests(a.Checkpoint.ClientTable, table); !ok {
					return fmt.Errorf("replica %d: the checkpoint at op %d differs from the history of replica %d for client %d",
						a.Index, a.Checkpoint.Op, b.Index, c)
				}
			}
		}
	}
	return nil
}

// sameCheckpoint compares the checkpoints of a and b, of the same op.
func sameCheckpoint(a, b *Replica) error {
	x, y := &a.Checkpoint, &b.Checkpoint
	if !bytes.Equal(x.State, y.State) {
		return fmt.Errorf("replicas %d and %d: the snapshots of their checkpoints at op %d differ", a.Index, b.Index, x.Op)
	}
	if c, ok := sameRequests(x.ClientTable, y.ClientTable); !ok {
		return fmt.Errorf("replicas %d and %d: the client tables of their checkpoints at op %d differ for client %d", a.Index, b.Index, x.Op, c)
	}
	for k := range x.ClientTable {
		if !bytes.Equal(x.ClientTable[k].Reply.Result, y.ClientTable[k].Reply.Result) {
			return fmt.Errorf("replicas %d and %d: the client tables of their checkpoints at op %d differ for client %d",
				a.Index, b.Index, x.Op, x.ClientTable[k].Client)
		}
	}
	return nil
}

// sameRequests reports whether two client tables of executed requests
// hold the same requests, and otherwise a client for which they differ.
func sameRequests(x, y []ClientRecord) (ClientID, bool) {
	for k := 0; k < max(len(x), len(y)); k++ {
		switch {
		case k >= len(x):
			return y[k].Client, false
		case k >= len(y) || x[k].Client != y[k].Client || x[k].Request != y[k].Request || !x[k].Executed || !y[k].Executed:
			return x[k].Client, false
		}
	}
	return 0, true
}

// NormalLogMatchesPrimary: in normal status, a replica's log up to its
// op-number is a prefix of the log of the primary of its view, when that
// primary is in the same view and normal status too; the two are compared
// where both still hold entries.
//
//vsr:invariant
func NormalLogMatchesPrimary(rs []Replica) error {
	for i := range rs {
		r := &rs[i]
		if r.Status != Normal || r.isPrimary() {
			continue
		}
		p := findReplica(rs, r.primary())
		if p == nil || p.Status != Normal || p.Epoch != r.Epoch || p.View != r.View {
			continue
		}
		if r.logEnd() > p.logEnd() {
			return fmt.Errorf("replica %d: log up to op %d, longer than its primary %d's (%d) in view %d", r.Index, r.logEnd(), p.Index, p.logEnd(), r.View)
		}
		for op := max(r.LogStart, p.LogStart) + 1; op <= r.logEnd(); op++ {
			if !sameRequest(r.entry(op), p.entry(op)) {
				return fmt.Errorf("replica %d: op %d differs from its primary %d in view %d", r.Index, op, p.Index, r.View)
			}
		}
	}
	return nil
}

// ExecutedAtMostOnce: no request of a client appears twice in a replica's
// committed log, nor in it and before its checkpoint, so none is executed
// twice.
//
//vsr:invariant
func ExecutedAtMostOnce(rs []Replica) error {
	for i := range rs {
		r := &rs[i]
		k := max(r.LogStart, min(r.CommitNumber, r.logEnd()))
		if a, b, ok := firstRepeat(r.entriesTo(k)); ok {
			x := &r.Log[a]
			return fmt.Errorf("replica %d: client %d request %d committed twice, as ops %d and %d", r.Index, x.Client, x.Request,
				r.LogStart+OpNumber(a)+1, r.LogStart+OpNumber(b)+1)
		}
		table := r.Checkpoint.ClientTable
		for op := max(r.LogStart, r.Checkpoint.Op) + 1; op <= k; op++ {
			x := r.entry(op)
			if c, ok := findClient(table, x.Client); ok && table[c].Request >= x.Request {
				return fmt.Errorf("replica %d: client %d request %d committed as op %d, and before its checkpoint at op %d",
					r.Index, x.Client, x.Request, op, r.Checkpoint.Op)
			}
		}
	}
	return nil
}

// AcknowledgedNotLost: a request whose reply a client has received is
// never lost. Every later view is started by a primary from the logs of a
// quorum, and every later epoch from the history up to its
// reconfiguration, so the primary of any view since the reply, of its
// epoch or a later one, once in normal status, holds the request in its
// log, or has executed it, or a later request of its client, before its
// checkpoint.
//
//vsr:invariant
func AcknowledgedNotLost(rs []Replica, replies []Reply) error {
	for i := range rs {
		p := &rs[i]
		if p.Status != Normal || !p.isPrimary() || len(replies) == 0 {
			continue
		}
		has := logHas(p.Log, len(replies))
		for _, reply := range replies {
			if later(p.Epoch, p.View, reply.Epoch, reply.View) && !has(reply.Client, reply.Request) &&
				!checkpointHas(&p.Checkpoint, reply.Client, reply.Request) {
				return fmt.Errorf("client %d request %d was acknowledged in epoch %d view %d but the log of replica %d, primary of epoch %d view %d, lacks it",
					reply.Client, reply.Request, reply.Epoch, reply.View, p.Index, p.Epoch, p.View)
			}
		}
	}
	return nil
}

// later reports whether epoch e and view v are those of epoch f and view
// w or later: epoch and view together order everything (7).
func later(e EpochNumber, v ViewNumber, f EpochNumber, w ViewNumber) bool {
	return e > f || e == f && v >= w
}

// OnePrimaryPerView: at most one replica is the primary in normal status
// of any epoch and view, and the replicas of one epoch agree on its
// group, the group before it and the op-number where it starts (7).
//
//vsr:invariant
func OnePrimaryPerView(rs []Replica) error {
	for i := range rs {
		for j := i + 1; j < len(rs); j++ {
			a, b := &rs[i], &rs[j]
			if !a.inEpoch() || !b.inEpoch() || a.Epoch != b.Epoch {
				continue
			}
			if a.Status == Normal && b.Status == Normal && a.View == b.View && a.isPrimary() && b.isPrimary() {
				return fmt.Errorf("replicas %d and %d: both primary of epoch %d view %d", a.Index, b.Index, a.Epoch, a.View)
			}
			if a.Members != b.Members || a.OldMembers != b.OldMembers || a.EpochStart != b.EpochStart {
				return fmt.Errorf("replicas %d and %d: epoch %d has group %v after %v from op %d at one, group %v after %v from op %d at the other",
					a.Index, b.Index, a.Epoch, a.Members, a.OldMembers, a.EpochStart, b.Members, b.OldMembers, b.EpochStart)
			}
		}
	}
	return nil
}

// inEpoch reports whether the replica knows its epoch: it is neither down
// nor recovering nor waiting to join.
func (r *Replica) inEpoch() bool {
	return r.Status != Crashed && r.Status != Recovering && r.Status != RecoveringVector && r.Status != Standby
}

// LeaseReadsCurrent: a primary that may answer reads from its state under
// a lease has executed every request whose reply a client has received,
// so no read it answers returns a state older than an acknowledged write
// (6.3). Its lease keeps any other view from starting, and with it any
// other primary from committing what it has not.
//
//vsr:invariant
func LeaseReadsCurrent(rs []Replica, replies []Reply) error {
	for i := range rs {
		p := &rs[i]
		if !p.canRead() || len(replies) == 0 {
			continue
		}
		k := max(p.LogStart, min(p.CommitNumber, p.logEnd()))
		has := logHas(p.entriesTo(k), len(replies))
		for _, reply := range replies {
			if !has(reply.Client, reply.Request) && !checkpointHas(&p.Checkpoint, reply.Client, reply.Request) {
				return fmt.Errorf("replica %d, primary of view %d with a lease of %d ticks, has not executed client %d request %d, acknowledged in view %d",
					p.Index, p.View, p.Lease, reply.Client, reply.Request, reply.View)
			}
		}
	}
	return nil
}

// checkpointHas reports whether checkpoint c records request s of client
// cl, or a later one, as executed.
func checkpointHas(c *Checkpoint, cl ClientID, s RequestNumber) bool {
	k, ok := findClient(c.ClientTable, cl)
	return ok && c.ClientTable[k].Executed && c.ClientTable[k].Request >= s
}

// logEnd returns the op-number of the last entry of the log.
func (r *Replica) logEnd() OpNumber { return r.LogStart + OpNumber(len(r.Log)) }

func hasRequest(log []Request, c ClientID, s RequestNumber) bool {
	for i := range log {
		if log[i].Client == c && log[i].Request == s {
			return true
		}
	}
	return false
}

// Action properties: predicates over one replica's state before and after
// a step. They speak of a replica that has not crashed, so a step from or
// to a crashed or recovering status is exempt.

// ViewNeverDecreases: a replica's epoch-number never goes down, nor its
// view-number within an epoch.
//
//vsr:action
func ViewNeverDecreases(before, after *Replica) error {
	if exempt(before, after) || later(after.Epoch, after.View, before.Epoch, before.View) {
		return nil
	}
	return fmt.Errorf("replica %d: epoch and view went from %d.%d to %d.%d", after.Index, before.Epoch, before.View, after.Epoch, after.View)
}

// CommitNeverDecreases: a replica's commit-number never goes down.
//
//vsr:action
func CommitNeverDecreases(before, after *Replica) error {
	if exempt(before, after) || after.CommitNumber >= before.CommitNumber {
		return nil
	}
	return fmt.Errorf("replica %d: commit-number went from %d to %d", after.Index, before.CommitNumber, after.CommitNumber)
}

func exempt(before, after *Replica) bool {
	down := func(s Status) bool { return s == Crashed || s == Recovering || s == RecoveringVector }
	return down(before.Status) || down(after.Status)
}

func findReplica(rs []Replica, i ReplicaIndex) *Replica {
	for k := range rs {
		if rs[k].Index == i {
			return &rs[k]
		}
	}
	return nil
}

// requestID is what identifies a request: its client and number.
type requestID struct {
	client  ClientID
	request RequestNumber
}

// smallLog is the length up to which the invariants compare log entries
// pairwise, which the model checker's short logs make faster than
// building a set; a longer log, as a long simulation makes, gets a set.
const smallLog = 32

// firstRepeat returns the positions a < b of the first request in log, by
// b, that appears twice.
func firstRepeat(log []Request) (a, b int, ok bool) {
	if len(log) <= smallLog {
		for b := range log {
			for a := range b {
				if log[a].Client == log[b].Client && log[a].Request == log[b].Request {
					return a, b, true
				}
			}
		}
		return 0, 0, false
	}
	seen := make(map[requestID]int, len(log))
	for b := range log {
		id := requestID{log[b].Client, log[b].Request}
		if a, dup := seen[id]; dup {
			return a, b, true
		}
		seen[id] = b
	}
	return 0, 0, false
}

// logHas returns a function that reports whether log holds a request, to
// be asked n times: a scan of the log for few questions of a short log, a
// set of its requests otherwise.
func logHas(log []Request, n int) func(ClientID, RequestNumber) bool {
	if len(log)*n <= smallLog*smallLog {
		return func(c ClientID, s RequestNumber) bool { return hasRequest(log, c, s) }
	}
	set := make(map[requestID]bool, len(log))
	for i := range log {
		set[requestID{log[i].Client, log[i].Request}] = true
	}
	return func(c ClientID, s RequestNumber) bool { return set[requestID{c, s}] }
}
