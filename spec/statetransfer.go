package spec

// State transfer (5.2). A replica that has fallen behind asks another for
// the log it lacks: within its view, the entries after its op-number; when
// it learns of a newer view, the entries after its commit-number, since the
// later ones may have been replaced by the view change.
//
// As published, a replica that learns of a newer view truncates its log to
// its commit-number, moves to the view and takes it as its last normal view
// before it has the view's log. If it then wins a view change, its short
// log replaces committed operations (found by Jack Vanlightly with TLA+).
// Config.StateTransfer chooses between that and the fixed protocol below.

// GetStateInView asks the primary for the operations a backup has missed
// in its own view, when a Prepare's batch starts beyond its next op-number
// (5.2).
//
//vsr:rule 5.2
type GetStateInView struct{}

func (GetStateInView) Guard(r *Replica, m *Prepare) bool {
	return r.Status == Normal && !r.isPrimary() && m.View == r.View && m.Op > r.OpNumber &&
		m.Op-r.OpNumber > OpNumber(len(m.Requests)) && r.fresh(r.primary(), m.Epoch, m.CrashVector)
}

func (GetStateInView) Apply(r *Replica, m *Prepare, out *Effects) {
	r.merge(m.CrashVector)
	out.Send(r.primary(), GetState{Epoch: r.Epoch, View: r.View, Op: r.OpNumber, Replica: r.Index, CrashVector: r.vector()})
}

// GetStateOnNewerPrepare starts a state transfer at a replica that receives
// a Prepare of a newer view (5.2).
//
//vsr:rule 5.2
type GetStateOnNewerPrepare struct{}

func (GetStateOnNewerPrepare) Guard(r *Replica, m *Prepare) bool {
	return r.canLearnView(m.View, m.Epoch, m.CrashVector)
}

func (GetStateOnNewerPrepare) Apply(r *Replica, m *Prepare, out *Effects) {
	r.learnView(m.View, m.CrashVector, out)
}

// GetStateOnNewerCommit starts a state transfer at a replica that receives
// a Commit of a newer view (5.2).
//
//vsr:rule 5.2
type GetStateOnNewerCommit struct{}

func (GetStateOnNewerCommit) Guard(r *Replica, m *Commit) bool {
	return r.canLearnView(m.View, m.Epoch, m.CrashVector)
}

func (GetStateOnNewerCommit) Apply(r *Replica, m *Commit, out *Effects) {
	r.learnView(m.View, m.CrashVector, out)
}

// canLearnView reports whether a message of view v from its primary starts
// a state transfer at r.
func (r *Replica) canLearnView(v ViewNumber, e EpochNumber, cv []uint32) bool {
	return (r.Status == Normal || r.Status == ViewChange) && v > r.View &&
		r.primaryOf(v) != r.Index && r.fresh(r.primaryOf(v), e, cv)
}

// learnView asks the primary of view v for its log.
//
// Paper: truncate the log to the commit-number, move to view v in normal
// status with v as the last normal view, and ask for the entries after the
// commit-number.
//
// Fixed: keep view, last normal view and log, enter the state-transfer
// status and ask for the entries after the commit-number. Until a NewState
// of a newer view arrives, the replica's DoViewChange still describes the
// log it had in its last normal view, which is what the view change's
// choice of log relies on.
func (r *Replica) learnView(v ViewNumber, cv []uint32, out *Effects) {
	r.merge(cv)
	r.PrepareOKs = nil
	r.dropLease()
	r.StartViewChanges, r.SentDoViewChange, r.DoViewChanges = 0, false, nil
	if r.Config.StateTransfer == StateTransferPaper {
		r.View = v
		r.Status = Normal
		r.LastNormalView = v
		r.adoptLog(r.entriesTo(r.CommitNumber), r.CommitNumber, out)
	} else {
		r.Status = StateTransfer
	}
	out.Send(r.primaryOf(v), GetState{Epoch: r.Epoch, View: v, Op: r.CommitNumber, Replica: r.Index, CrashVector: r.vector()})
}

// SendNewState answers a GetState of the replica's own view with the log
// after the requested op-number, or, when the log no longer holds those
// entries, with its checkpoint and the entries after it (5.2).
//
//vsr:rule 5.2
type SendNewState struct{}

func (SendNewState) Guard(r *Replica, m *GetState) bool {
	return r.Status == Normal && m.View == r.View && m.Op <= r.OpNumber && m.Replica != r.Index &&
		r.fresh(m.Replica, m.Epoch, m.CrashVector)
}

func (SendNewState) Apply(r *Replica, m *GetState, out *Effects) {
	r.merge(m.CrashVector)
	c, entries := r.logFrom(m.Op)
	after := m.Op
	if c.Op != 0 {
		after = c.Op
	}
	out.Send(m.Replica, NewState{
		View: r.View, After: after, Checkpoint: c, Log: entries, Op: r.OpNumber, Commit: r.CommitNumber,
		Replica: r.Index, CrashVector: r.vector(),
	})
}

// ReceiveNewState appends the entries a backup lacked in its own view,
// executes what is committed and acknowledges the rest (5.2). When they
// start beyond its commit-number, after the checkpoint the message
// carries, the backup installs the checkpoint first: in one view its
// entries after the commit-number are the primary's too, which the
// message holds again.
//
//vsr:rule 5.2
type ReceiveNewState struct{}

func (ReceiveNewState) Guard(r *Replica, m *NewState) bool {
	return r.Status == Normal && !r.isPrimary() && m.View == r.View && m.Op > r.OpNumber &&
		m.Op == m.After+OpNumber(len(m.Log)) && r.fresh(m.Replica, m.Epoch, m.CrashVector) &&
		(m.After == r.OpNumber || carries(&m.Checkpoint, m.After) && m.After > r.CommitNumber)
}

func (ReceiveNewState) Apply(r *Replica, m *NewState, out *Effects) {
	r.merge(m.CrashVector)
	if m.After != r.OpNumber {
		r.installCheckpoint(&m.Checkpoint, out)
	}
	for i := range m.Log {
		r.Log = append(r.Log, m.Log[i])
		r.recordRequest(&m.Log[i])
	}
	r.OpNumber = m.Op
	r.commitTo(min(m.Commit, r.OpNumber), out)
	if r.OpNumber > r.CommitNumber {
		out.Send(r.primary(), PrepareOK{Epoch: r.Epoch, View: r.View, Op: r.OpNumber, Replica: r.Index, CrashVector: r.vector()})
	}
}

// ReceiveNewStateNewView completes the fixed state transfer: a replica in
// the state-transfer status adopts view, last normal view and log
// together from a NewState of a strictly newer view.
//
// Why it is safe: the replica asked for the entries after its commit-number
// k, and the committed prefixes of all replicas agree, so its first k
// entries followed by the message's entries are exactly the log the sender
// had as a normal replica of that view. The replica thus becomes what a
// backup of that view that had received the same Prepares would be; before
// that, it kept its old last normal view and log, so a view change that
// counted it chose among logs that really were normal in their views. When
// the sender's log no longer held the entries after k, the checkpoint it
// sent, of a committed op beyond k, stands for them.
//
//vsr:rule 5.2
type ReceiveNewStateNewView struct{}

func (ReceiveNewStateNewView) Guard(r *Replica, m *NewState) bool {
	return r.Status == StateTransfer && m.View > r.View && m.Op == m.After+OpNumber(len(m.Log)) &&
		r.follows(m.After, m.Op, &m.Checkpoint) && r.primaryOf(m.View) != r.Index &&
		r.fresh(m.Replica, m.Epoch, m.CrashVector)
}

func (ReceiveNewStateNewView) Apply(r *Replica, m *NewState, out *Effects) {
	r.merge(m.CrashVector)
	oldCommit := r.CommitNumber
	r.View = m.View
	r.Status = Normal
	r.LastNormalView = m.View
	r.adoptSuffix(m.After, oldCommit, m.Log, &m.Checkpoint, out)
	r.commitTo(max(m.Commit, oldCommit), out)
	if r.OpNumber > r.CommitNumber {
		out.Send(r.primary(), PrepareOK{Epoch: r.Epoch, View: r.View, Op: r.OpNumber, Replica: r.Index, CrashVector: r.vector()})
	}
}
