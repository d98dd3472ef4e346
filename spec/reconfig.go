package spec

import "github.com/viewstamped/vsr/lang"

// Reconfiguration (7). The group's members change by epochs: a
// reconfiguration is a request of the administrator's client, ordered and
// committed like any other, that names the next epoch's group. The
// replica that executes it ends its epoch: a member of the next group
// starts that epoch in view 0 with the history up to the reconfiguration,
// a replica the next group leaves out waits until f'+1 of the new members
// have said they started, sending them the history meanwhile, and then
// shuts down. A replica that the next group adds waits in the standby
// status for a StartEpoch, which carries the history it lacks. Every
// message between replicas carries its epoch-number, and a replica uses
// only those of its own epoch from members of its own group (fresh).
//
// Where the paper leaves a choice:
//   - The primary accepts no request after a reconfiguration in its log,
//     so the reconfiguration is the last operation of its epoch, and
//     every later view of the epoch has it at the same op-number once it
//     has committed.
//   - StartEpoch carries the sender's committed history (its log, or a
//     checkpoint and the log after it), up to the reconfiguration at
//     least, and the epoch's start apart, so that a new member needs no
//     separate state transfer; the runtime sends large ones in chunks. A
//     replica of the new epoch may have committed the epoch's own
//     operations, and taken a checkpoint, after the start: it keeps only
//     its latest checkpoint, so its history reaches past the start.
//   - Every replica of the new group says EpochStarted to every replica
//     of the old group, so that the old replicas that stay know who has
//     started too: a replica of the new epoch that was in the old group
//     sends StartEpoch again to the members that have not, on its commit
//     timeout as primary and when its view change times out, as a
//     leaving replica does on its commit timeout. Without the view
//     change's, an epoch whose started members are too few for a view
//     would wait forever for those that missed the StartEpoch.
//   - A view change of the old epoch that commits the reconfiguration
//     ends the epoch at the new primary before it sends its StartView:
//     the old epoch's other replicas learn the end from a StartEpoch.

// accepts reports whether the primary takes request m into its log: no
// request after a reconfiguration in its log, and a reconfiguration only
// from the administrator, for the primary's epoch, to a group of an odd
// number of replicas of the configuration other than the current one
// (7.1).
func (r *Replica) accepts(m *Request) bool {
	if r.reconfiguring() {
		return false
	}
	if m.Reconfigure == 0 {
		return true
	}
	universe := ReplicaSet(1)<<r.Config.Replicas - 1
	return r.Config.Admin != 0 && m.Client == r.Config.Admin && m.Epoch == r.Epoch && len(m.Op) == 0 && !m.Read &&
		m.Reconfigure&^universe == 0 && m.Reconfigure.Count()%2 == 1 && m.Reconfigure != r.Members
}

// reconfiguring reports whether the replica's log holds a reconfiguration
// of its epoch.
func (r *Replica) reconfiguring() bool {
	for op := max(r.EpochStart, r.LogStart) + 1; op <= r.OpNumber; op++ {
		if r.entry(op).Reconfigure != 0 {
			return true
		}
	}
	return false
}

// endEpoch ends the replica's epoch once it has executed the epoch's
// reconfiguration, to group members: the replica moves to the next epoch,
// in view 0 as a member of the group or leaving it (7.2, 7.3). The
// primary that committed it tells the old group's backups with a Commit
// at once, as no Prepare follows to carry it, and sends the replicas the
// group adds a StartEpoch; a member of the new group tells the old
// group's other replicas that it has started.
func (r *Replica) endEpoch(members ReplicaSet, out *Effects) {
	if r.isPrimary() {
		// No Prepare follows the reconfiguration to carry its commit.
		r.broadcast(out, Commit{Epoch: r.Epoch, View: r.View, Commit: r.CommitNumber, CrashVector: r.vector()})
	}
	wasPrimary := r.isPrimary()
	r.OldMembers, r.Members = r.Members, members
	r.Epoch++
	r.EpochStart = r.CommitNumber
	r.EpochStarted = 0
	r.View, r.LastNormalView = 0, 0
	r.PrepareOKs = nil
	r.StartViewChanges, r.SentDoViewChange, r.DoViewChanges = 0, false, nil
	r.dropLease()
	r.Promise = 0
	if wasPrimary {
		r.sendTo(out, r.Members&^r.OldMembers, r.startEpoch())
	}
	if !r.Members.Has(r.Index) {
		r.Status = Leaving
		return
	}
	r.Status = Normal
	r.ViewStart = 0
	if r.Config.leases() {
		r.ViewStart = r.OpNumber
	}
	r.sendTo(out, r.OldMembers.Remove(r.Index), EpochStarted{Epoch: r.Epoch, Replica: r.Index, CrashVector: r.vector()})
}

// startEpoch returns the StartEpoch of the replica's epoch, with its
// committed history: up to the epoch's start at least, and past it at a
// replica of the new epoch that has committed the epoch's own operations,
// since it keeps only its latest checkpoint, which may be after the start.
func (r *Replica) startEpoch() StartEpoch {
	c, entries := r.logFrom(0)
	base := r.OpNumber - OpNumber(len(entries))
	return StartEpoch{
		Epoch: r.Epoch, Start: r.EpochStart, Op: r.CommitNumber, Old: r.OldMembers, New: r.Members, After: base,
		Checkpoint: c, Log: entries[:r.CommitNumber-base], Replica: r.Index, CrashVector: r.vector(),
	}
}

// ReceiveStartEpoch starts a later epoch at a member of its group: a
// replica the group adds, in standby, or a member of the epoch before
// that has not executed the reconfiguration yet (7.2). It takes the
// history up to the reconfiguration from the message, executes it, and
// says EpochStarted to the old group's other replicas.
//
//vsr:rule 7.2
type ReceiveStartEpoch struct{}

func (ReceiveStartEpoch) Guard(r *Replica, m *StartEpoch) bool {
	return (r.Status == Standby || r.Status.participates()) && m.Epoch > r.Epoch && m.New.Has(r.Index) &&
		m.Op == m.After+OpNumber(len(m.Log)) && m.Start <= m.Op && m.Op >= r.CommitNumber && r.valid(m.Replica) &&
		r.current(m.Replica, m.CrashVector) && r.follows(m.After, m.Op, &m.Checkpoint)
}

func (ReceiveStartEpoch) Apply(r *Replica, m *StartEpoch, out *Effects) {
	r.merge(m.CrashVector)
	oldCommit := r.CommitNumber
	r.adoptSuffix(m.After, oldCommit, m.Log, &m.Checkpoint, out)
	r.Epoch, r.OldMembers, r.Members, r.EpochStart = m.Epoch, m.Old, m.New, m.Start
	r.EpochStarted = 0
	r.View, r.LastNormalView, r.Status = 0, 0, Normal
	r.PrepareOKs = nil
	r.StartViewChanges, r.SentDoViewChange, r.DoViewChanges = 0, false, nil
	r.dropLease()
	r.Promise = 0
	r.commitTo(m.Op, out)
	r.ViewStart = 0
	if r.Config.leases() {
		r.ViewStart = r.OpNumber
	}
	r.sendTo(out, r.OldMembers.Remove(r.Index), EpochStarted{Epoch: r.Epoch, Replica: r.Index, CrashVector: r.vector()})
}

// RecordEpochStarted counts, at a replica of the old group, a member of
// the new group that has started the epoch (7.3).
//
//vsr:rule 7.3
type RecordEpochStarted struct{}

func (RecordEpochStarted) Guard(r *Replica, m *EpochStarted) bool {
	return (r.Status == Leaving || r.Status.participates()) && r.OldMembers.Has(r.Index) && m.Epoch == r.Epoch &&
		r.Members.Has(m.Replica) && !r.EpochStarted.Has(m.Replica) && r.current(m.Replica, m.CrashVector)
}

func (RecordEpochStarted) Apply(r *Replica, m *EpochStarted, out *Effects) {
	r.merge(m.CrashVector)
	r.EpochStarted = r.EpochStarted.Add(m.Replica)
}

// ShutDown stops a replica that the new group leaves out once f'+1 of its
// members have started the epoch: they hold the history, so the old group
// is no longer needed to keep it (7.3).
//
//vsr:rule 7.3
type ShutDown struct{}

func (ShutDown) Guard(r *Replica, q lang.QuorumOf[EpochStarted]) bool {
	return r.Status == Leaving && r.EpochStarted.Count() >= r.f()+1
}

func (ShutDown) Apply(r *Replica, q lang.QuorumOf[EpochStarted], out *Effects) {
	r.Status = Shutdown
}

// ResendStartEpoch sends the StartEpoch again, from a replica leaving the
// group, to the members of the new group that have not said they started:
// the first may have been lost (7.3). The new epoch's primary does the
// same when it was in the old group too (SendCommit).
//
//vsr:rule 7.3
type ResendStartEpoch struct{}

func (ResendStartEpoch) Guard(r *Replica, t *CommitTimeout) bool {
	return r.Status == Leaving && r.awaitsStart() != 0
}

func (ResendStartEpoch) Apply(r *Replica, t *CommitTimeout, out *Effects) {
	r.resendStartEpoch(out)
}

// resendStartEpoch sends the StartEpoch, at a replica of the epoch before
// too, to the members of the group, but itself, that have not said they
// started the epoch.
func (r *Replica) resendStartEpoch(out *Effects) {
	if r.Epoch > 0 && r.OldMembers.Has(r.Index) && r.awaitsStart() != 0 {
		r.sendTo(out, r.awaitsStart(), r.startEpoch())
	}
}

// awaitsStart returns the members of the replica's group, but itself, that
// have not said they started the epoch.
func (r *Replica) awaitsStart() ReplicaSet {
	return r.Members &^ r.EpochStarted &^ ReplicaSet(0).Add(r.Index)
}
