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
	return (r.Status == Normal && !r.isPrimary() || r.Status == ViewChange || r.Status == StateTransfer) && r.Promise == 0
}

func (StartViewChangeOnTimeout) Apply(r *Replica, t *ViewChangeTimeout, out *Effects) {
	r.beginViewChange(r.View+1, out)
	// The members of the epoch that have not started it may be why no
	// view of it gets a quorum: a replica of the epoch before sends them
	// the history again (7.2), as a normal primary does on its commit
	// timeout.
	r.resendStartEpoch(out)
}

// beginViewChange moves r to view v in view-change status and announces it
// (4.2 step 1). A replica that has promised a primary a lease does not
// (6.3): the guards of the rules that call it see to that.
func (r *Replica) beginViewChange(v ViewNumber, out *Effects) {
	r.View = v
	r.Status = ViewChange
	r.StartViewChanges = 0
	r.SentDoViewChange = false
	r.DoViewChanges = nil
	r.PrepareOKs = nil
	r.dropLease()
	r.broadcast(out, StartViewChange{Epoch: r.Epoch, View: v, Replica: r.Index, CrashVector: r.vector()})
}

// JoinViewChange moves a replica that receives a StartViewChange for a
// newer view to that view change, and counts the sender (4.2 step 1).
//
//vsr:rule 4.2
type JoinViewChange struct{}

func (JoinViewChange) Guard(r *Replica, m *StartViewChange) bool {
	return r.Status.participates() && m.View > r.View && m.Replica != r.Index && r.Promise == 0 &&
		r.fresh(m.Replica, m.Epoch, m.CrashVector)
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
	return r.Status == ViewChange && m.View == r.View && m.Replica != r.Index && r.fresh(m.Replica, m.Epoch, m.CrashVector)
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
	return r.Status == ViewChange && !r.SentDoViewChange && r.StartViewChanges.Count() >= r.f()
}

func (SendDoViewChange) Apply(r *Replica, q lang.QuorumOf[StartViewChange], out *Effects) {
	r.SentDoViewChange = true
	out.Send(r.primary(), r.doViewChange(Checkpoint{}, r.logTail()))
}

// doViewChange returns the replica's DoViewChange with checkpoint c and
// the entries of its log up to its op-number.
func (r *Replica) doViewChange(c Checkpoint, entries []Request) DoViewChange {
	return DoViewChange{
		Epoch: r.Epoch, View: r.View, Checkpoint: c, Log: entries, LastNormalView: r.LastNormalView, Op: r.OpNumber,
		Commit: r.CommitNumber, Replica: r.Index, CrashVector: r.vector(),
	}
}

// JoinViewChangeOnDoViewChange moves the primary of a newer view that
// receives a DoViewChange for it to that view change, and keeps the
// message (4.2 step 1: a replica notices a view change from a
// StartViewChange or a DoViewChange).
//
//vsr:rule 4.2
type JoinViewChangeOnDoViewChange struct{}

func (JoinViewChangeOnDoViewChange) Guard(r *Replica, m *DoViewChange) bool {
	return r.Status.participates() && m.View > r.View && r.primaryOf(m.View) == r.Index && r.Promise == 0 &&
		r.fresh(m.Replica, m.Epoch, m.CrashVector)
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
	return r.Status == ViewChange && m.View == r.View && r.isPrimary() && r.fresh(m.Replica, m.Epoch, m.CrashVector)
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
// the backups (4.2 steps 3 and 4). A DoViewChange carries the last
// entries of its sender's log only (5.3): the primary's own history
// supplies the earlier ones, and when it cannot, FetchDoViewChange asks
// for them first.
//
//vsr:rule 4.2
type StartNewView struct{}

func (StartNewView) Guard(r *Replica, q lang.QuorumOf[DoViewChange]) bool {
	return r.Status == ViewChange && r.isPrimary() && len(r.DoViewChanges) >= r.f()+1 && r.viewSource() != nil
}

func (StartNewView) Apply(r *Replica, q lang.QuorumOf[DoViewChange], out *Effects) {
	d := r.viewSource()
	commit := OpNumber(0)
	for i := range r.DoViewChanges {
		commit = max(commit, r.DoViewChanges[i].Commit)
	}
	agree := r.agreesWith(d)
	r.Status = Normal
	r.LastNormalView = r.View
	r.adoptSuffix(d.Op-OpNumber(len(d.Log)), agree, d.Log, &d.Checkpoint, out)
	if r.Config.leases() {
		r.ViewStart = r.OpNumber
	}
	epoch := r.Epoch
	r.commitTo(commit, out)
	if r.Epoch != epoch {
		return // the view committed the epoch's reconfiguration
	}
	r.awaitAcks()
	r.StartViewChanges, r.SentDoViewChange, r.DoViewChanges = 0, false, nil
	r.broadcast(out, StartView{Epoch: r.Epoch, View: r.View, Log: r.logTail(), Op: r.OpNumber, Commit: r.CommitNumber, CrashVector: r.vector()})
}

// bestDoViewChange returns the DoViewChange with the largest last normal
// view, ties broken by the largest op-number, the first such received
// (4.2 step 3). There must be one.
func (r *Replica) bestDoViewChange() *DoViewChange {
	best := &r.DoViewChanges[0]
	for i := range r.DoViewChanges {
		d := &r.DoViewChanges[i]
		if d.LastNormalView > best.LastNormalView || d.LastNormalView == best.LastNormalView && d.Op > best.Op {
			best = d
		}
	}
	return best
}

// viewSource returns the DoViewChange whose log starts the new view: the
// best one, or the first with the same last normal view and op-number,
// which holds the same log, whose entries connect to the primary's
// history; nil when none does.
func (r *Replica) viewSource() *DoViewChange {
	best := r.bestDoViewChange()
	for i := range r.DoViewChanges {
		d := &r.DoViewChanges[i]
		if d.LastNormalView == best.LastNormalView && d.Op == best.Op && r.connects(d) {
			return d
		}
	}
	return nil
}

// agreesWith returns up to which op-number the primary's own history
// agrees with the log of DoViewChange d, chosen for the new view: all of
// the shorter log when both are logs of the same normal view, since every
// replica takes a view's log in order from its primary, whose log only
// grows; otherwise the committed prefix, which every later view's log
// holds.
func (r *Replica) agreesWith(d *DoViewChange) OpNumber {
	if d.LastNormalView == r.LastNormalView {
		return min(r.OpNumber, d.Op)
	}
	return r.CommitNumber
}

// connects reports whether d's entries, with the primary's own history up
// to where it agrees with d's log, or with the checkpoint d carries, make
// the whole of d's log.
func (r *Replica) connects(d *DoViewChange) bool {
	return OpNumber(len(d.Log)) <= d.Op && r.fits(d.Op-OpNumber(len(d.Log)), r.agreesWith(d), d.Op, &d.Checkpoint)
}

// FetchDoViewChange asks, at the new primary, for the entries of the log
// it chose that neither the DoViewChange nor its own history hold: the
// sender of the chosen DoViewChange sends it again with its log after the
// op-number up to which the primary's history agrees (5.3). The view
// starts when it arrives (StartNewView).
//
//vsr:rule 5.3
type FetchDoViewChange struct{}

func (FetchDoViewChange) Guard(r *Replica, q lang.QuorumOf[DoViewChange]) bool {
	return r.Status == ViewChange && r.isPrimary() && len(r.DoViewChanges) >= r.f()+1 && r.viewSource() == nil
}

func (FetchDoViewChange) Apply(r *Replica, q lang.QuorumOf[DoViewChange], out *Effects) {
	d := r.bestDoViewChange()
	out.Send(d.Replica, GetDoViewChange{Epoch: r.Epoch, View: r.View, Op: r.agreesWith(d), Replica: r.Index, CrashVector: r.vector()})
}

// ResendDoViewChange sends the replica's DoViewChange again to the new
// primary that asks for it, with the entries of its log after the
// op-number asked for, or its checkpoint and the entries after it when
// its log no longer holds them (5.3). Its log has not changed since it
// sent the first: a replica in view-change status takes no operations.
//
//vsr:rule 5.3
type ResendDoViewChange struct{}

func (ResendDoViewChange) Guard(r *Replica, m *GetDoViewChange) bool {
	return r.Status == ViewChange && m.View == r.View && r.SentDoViewChange && m.Replica == r.primary() &&
		m.Replica != r.Index && r.fresh(m.Replica, m.Epoch, m.CrashVector)
}

func (ResendDoViewChange) Apply(r *Replica, m *GetDoViewChange, out *Effects) {
	r.merge(m.CrashVector)
	out.Send(m.Replica, r.doViewChange(r.logFrom(m.Op)))
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
	return r.acceptsStartView(m) && r.follows(m.Op-OpNumber(len(m.Log)), m.Op, &m.Checkpoint)
}

func (ReceiveStartView) Apply(r *Replica, m *StartView, out *Effects) {
	r.merge(m.CrashVector)
	oldCommit := r.CommitNumber
	r.View = m.View
	r.Status = Normal
	r.LastNormalView = m.View
	r.adoptSuffix(m.Op-OpNumber(len(m.Log)), oldCommit, m.Log, &m.Checkpoint, out)
	r.commitTo(max(m.Commit, oldCommit), out)
	r.PrepareOKs = nil
	r.dropLease()
	r.StartViewChanges, r.SentDoViewChange, r.DoViewChanges = 0, false, nil
	if r.OpNumber > r.CommitNumber {
		out.Send(r.primary(), PrepareOK{Epoch: r.Epoch, View: r.View, Op: r.OpNumber, Replica: r.Index, CrashVector: r.vector()})
	}
}

// acceptsStartView reports whether the replica takes the view of
// StartView m: a newer view, or its own while it is still changing views
// (ReceiveStartView). m must be well formed: its entries end at its
// op-number.
func (r *Replica) acceptsStartView(m *StartView) bool {
	if !r.Status.participates() || r.primaryOf(m.View) == r.Index || !r.fresh(r.primaryOf(m.View), m.Epoch, m.CrashVector) ||
		OpNumber(len(m.Log)) > m.Op {
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

// FetchStartView asks the primary of a view whose StartView the replica
// would take for the entries it lacks: the StartView carries the last
// entries of the log only (5.3), and they start beyond the replica's
// commit-number, the end of the history it shares with every later view.
// The primary sends the StartView again with the log after it
// (SendStartView).
//
//vsr:rule 5.3
type FetchStartView struct{}

func (FetchStartView) Guard(r *Replica, m *StartView) bool {
	return r.acceptsStartView(m) && !r.follows(m.Op-OpNumber(len(m.Log)), m.Op, &m.Checkpoint)
}

func (FetchStartView) Apply(r *Replica, m *StartView, out *Effects) {
	r.merge(m.CrashVector)
	out.Send(r.primaryOf(m.View), GetStartView{Epoch: r.Epoch, View: m.View, Op: r.CommitNumber, Replica: r.Index, CrashVector: r.vector()})
}

// SendStartView sends the view's StartView again to a backup that asks,
// with the entries of the log after the op-number asked for, or the
// checkpoint and the entries after it when the log no longer holds them
// (5.3). In its view the primary's log only grows, so this is the log the
// first StartView carried, and more.
//
//vsr:rule 5.3
type SendStartView struct{}

func (SendStartView) Guard(r *Replica, m *GetStartView) bool {
	return r.Status == Normal && r.isPrimary() && m.View == r.View && m.Replica != r.Index && r.fresh(m.Replica, m.Epoch, m.CrashVector)
}

func (SendStartView) Apply(r *Replica, m *GetStartView, out *Effects) {
	r.merge(m.CrashVector)
	c, entries := r.logFrom(m.Op)
	out.Send(m.Replica, StartView{Epoch: r.Epoch, View: r.View, Checkpoint: c, Log: entries, Op: r.OpNumber, Commit: r.CommitNumber, CrashVector: r.vector()})
}
