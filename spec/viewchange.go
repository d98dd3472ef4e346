package spec

import "github.com/viewstamped/vsr/lang"

// View changes (4.2). A backup that suspects the primary, or a replica that
// hears of a newer view change, moves to the next view and says so with
// StartViewChange; once f others agree, each sends its log to the new
// primary in a DoViewChange; with f+1 of those the new primary picks the
// log of the latest normal view and starts the view with StartView.

// StartViewChangeOnTimeout moves a backup that has not heard from its
// primary, or a replica whose view change has stalled, to the next view
// (4.2 step 1).
//
//vsr:rule 4.2
type StartViewChangeOnTimeout struct{}

func (StartViewChangeOnTimeout) Guard(r *Replica, t *ViewChangeTimeout) bool {
	return r.Status == Normal && !r.isPrimary() || r.Status == ViewChange || r.Status == StateTransfer
}

func (StartViewChangeOnTimeout) Apply(r *Replica, t *ViewChangeTimeout, out *Effects) {
	r.beginViewChange(r.View+1, out)
}

// beginViewChange moves r to view v in view-change status and announces it
// (4.2 step 1).
func (r *Replica) beginViewChange(v ViewNumber, out *Effects) {
	r.View = v
	r.Status = ViewChange
	r.StartViewChanges = 0
	r.SentDoViewChange = false
	r.DoViewChanges = nil
	r.PrepareOKs = nil
	out.Broadcast(StartViewChange{View: v, Replica: r.Index, CrashVector: r.vector()})
}

// JoinViewChange moves a replica that receives a StartViewChange for a
// newer view to that view change, and counts the sender (4.2 step 1).
//
//vsr:rule 4.2
type JoinViewChange struct{}

func (JoinViewChange) Guard(r *Replica, m *StartViewChange) bool {
	return r.Status.participates() && m.View > r.View && m.Replica != r.Index && r.fresh(m.Replica, m.CrashVector)
}

func (JoinViewChange) Apply(r *Replica, m *StartViewChange, out *Effects) {
	r.merge(m.CrashVector)
	r.beginViewChange(m.View, out)
	r.StartViewChanges = r.StartViewChanges.Add(m.Replica)
}

// RecordStartViewChange counts a StartViewChange for the view the replica
// is changing to (4.2 step 2).
//
//vsr:rule 4.2
type RecordStartViewChange struct{}

func (RecordStartViewChange) Guard(r *Replica, m *StartViewChange) bool {
	return r.Status == ViewChange && m.View == r.View && m.Replica != r.Index && r.fresh(m.Replica, m.CrashVector)
}

func (RecordStartViewChange) Apply(r *Replica, m *StartViewChange, out *Effects) {
	r.merge(m.CrashVector)
	r.StartViewChanges = r.StartViewChanges.Add(m.Replica)
}

// SendDoViewChange sends the replica's log, last normal view, op-number and
// commit-number to the new primary once f other replicas have started the
// same view change (4.2 step 2). The new primary sends it to itself, as the
// paper counts its own.
//
//vsr:rule 4.2
type SendDoViewChange struct{}

func (SendDoViewChange) Guard(r *Replica, q lang.QuorumOf[StartViewChange]) bool {
	return r.Status == ViewChange && !r.SentDoViewChange && r.StartViewChanges.Count() >= r.Config.F()
}

func (SendDoViewChange) Apply(r *Replica, q lang.QuorumOf[StartViewChange], out *Effects) {
	r.SentDoViewChange = true
	out.Send(r.primary(), DoViewChange{
		View: r.View, Log: r.Log, LastNormalView: r.LastNormalView, Op: r.OpNumber,
		Commit: r.CommitNumber, Replica: r.Index, CrashVector: r.vector(),
	})
}

// JoinViewChangeOnDoViewChange moves the primary of a newer view that
// receives a DoViewChange for it to that view change, and keeps the
// message (4.2 step 1: a replica notices a view change from a
// StartViewChange or a DoViewChange).
//
//vsr:rule 4.2
type JoinViewChangeOnDoViewChange struct{}

func (JoinViewChangeOnDoViewChange) Guard(r *Replica, m *DoViewChange) bool {
	return r.Status.participates() && m.View > r.View && r.Config.Primary(m.View) == r.Index &&
		r.fresh(m.Replica, m.CrashVector)
}

func (JoinViewChangeOnDoViewChange) Apply(r *Replica, m *DoViewChange, out *Effects) {
	r.merge(m.CrashVector)
	r.beginViewChange(m.View, out)
	r.recordDoViewChange(m)
}

// RecordDoViewChange keeps a DoViewChange at the new primary, one per
// replica (4.2 step 3).
//
//vsr:rule 4.2
type RecordDoViewChange struct{}

func (RecordDoViewChange) Guard(r *Replica, m *DoViewChange) bool {
	return r.Status == ViewChange && m.View == r.View && r.isPrimary() && r.fresh(m.Replica, m.CrashVector)
}

func (RecordDoViewChange) Apply(r *Replica, m *DoViewChange, out *Effects) {
	r.merge(m.CrashVector)
	r.recordDoViewChange(m)
}

func (r *Replica) recordDoViewChange(m *DoViewChange) {
	r.DoViewChanges = removeFrom(r.DoViewChanges, func(d *DoViewChange) bool { return d.Replica == m.Replica })
	r.DoViewChanges = append(r.DoViewChanges, *m)
}

// StartNewView starts the view at the new primary once it holds f+1
// DoViewChange messages from distinct replicas: it takes the log of the
// message with the largest last normal view, ties broken by the largest
// op-number, and the largest commit-number; it executes what is committed
// and not yet executed, replies to those clients, and sends StartView to
// the backups (4.2 steps 3 and 4).
//
//vsr:rule 4.2
type StartNewView struct{}

func (StartNewView) Guard(r *Replica, q lang.QuorumOf[DoViewChange]) bool {
	return r.Status == ViewChange && r.isPrimary() && len(r.DoViewChanges) >= r.Config.F()+1
}

func (StartNewView) Apply(r *Replica, q lang.QuorumOf[DoViewChange], out *Effects) {
	best := &r.DoViewChanges[0]
	commit := OpNumber(0)
	for i := range r.DoViewChanges {
		d := &r.DoViewChanges[i]
		if d.LastNormalView > best.LastNormalView || d.LastNormalView == best.LastNormalView && d.Op > best.Op {
			best = d
		}
		commit = max(commit, d.Commit)
	}
	oldCommit := r.CommitNumber
	r.Status = Normal
	r.LastNormalView = r.View
	r.adoptLog(best.Log, oldCommit, out)
	r.commitTo(commit, out)
	r.awaitAcks()
	r.StartViewChanges, r.SentDoViewChange, r.DoViewChanges = 0, false, nil
	out.Broadcast(StartView{View: r.View, Log: r.Log, Op: r.OpNumber, Commit: r.CommitNumber, CrashVector: r.vector()})
}

// ReceiveStartView makes a backup adopt the new view's log, op-number and
// commit-number, execute what is committed, and acknowledge the operations
// that are not (4.2 step 5). It accepts a StartView of a newer view, or of
// its own view while it is still changing views. Accepting one of its own
// view in normal status, as a literal reading allows, would let a delayed
// StartView roll back a log that has since grown; Config.StartViewInNormal
// keeps that reading so that the model checker can show the loss.
//
//vsr:rule 4.2
type ReceiveStartView struct{}

func (ReceiveStartView) Guard(r *Replica, m *StartView) bool {
	if !r.Status.participates() || r.Config.Primary(m.View) == r.Index || !r.fresh(r.Config.Primary(m.View), m.CrashVector) {
		return false
	}
	switch {
	case m.View > r.View:
		return true
	case m.View == r.View && r.Status == ViewChange:
		return true
	case m.View == r.View && r.Status == Normal:
		return r.Config.StartViewInNormal
	}
	return false
}

func (ReceiveStartView) Apply(r *Replica, m *StartView, out *Effects) {
	r.merge(m.CrashVector)
	oldCommit := r.CommitNumber
	r.View = m.View
	r.Status = Normal
	r.LastNormalView = m.View
	r.adoptLog(m.Log, oldCommit, out)
	r.commitTo(max(m.Commit, oldCommit), out)
	r.PrepareOKs = nil
	r.StartViewChanges, r.SentDoViewChange, r.DoViewChanges = 0, false, nil
	if r.OpNumber > r.CommitNumber {
		out.Send(r.primary(), PrepareOK{View: r.View, Op: r.OpNumber, Replica: r.Index, CrashVector: r.vector()})
	}
}
