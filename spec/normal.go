package spec

import "github.com/viewstamped/vsr/lang"

// Normal operation (4.1). The primary orders requests, backups accept them
// in op order, and an operation commits once f backups have acknowledged it.

// ResendReply answers a request that the primary has already executed, from
// the client table, without executing it again (4.1 step 2).
//
//vsr:rule 4.1
type ResendReply struct{}

func (ResendReply) Guard(r *Replica, m *Request) bool {
	if r.Status != Normal || !r.isPrimary() {
		return false
	}
	i, ok := r.client(m.Client)
	return ok && r.ClientTable[i].Executed && r.ClientTable[i].Request == m.Request
}

func (ResendReply) Apply(r *Replica, m *Request, out *Effects) {
	i, _ := r.client(m.Client)
	out.Reply(m.Client, r.ClientTable[i].Reply)
}

// ReceiveRequest accepts a new request at the primary: it appends the
// request to the log, records it in the client table and sends a Prepare to
// the backups (4.1 steps 2 and 3), unless the pipeline is full: then the
// request waits in the log for a later Prepare, which carries it with the
// others that arrived meanwhile. A request whose number is not larger than
// the client's latest is dropped: no rule fires.
//
//vsr:rule 4.1
type ReceiveRequest struct{}

func (ReceiveRequest) Guard(r *Replica, m *Request) bool {
	if r.Status != Normal || !r.isPrimary() || !r.tableAccepts(m.Client) || !r.accepts(m) {
		return false
	}
	i, ok := r.client(m.Client)
	return !ok || m.Request > r.ClientTable[i].Request
}

func (ReceiveRequest) Apply(r *Replica, m *Request, out *Effects) {
	r.OpNumber++
	r.Log = append(r.Log, *m)
	r.setClient(ClientRecord{Client: m.Client, Request: m.Request})
	r.prepareWaiting(out)
}

// prepareWaiting sends, at the primary, Prepares for the operations of its
// log that no Prepare of its view has carried yet, at most Batch requests
// to a Prepare, while the pipeline has room. Each Prepare gets its entry
// in the acknowledgement table.
func (r *Replica) prepareWaiting(out *Effects) {
	for r.prepared() < r.OpNumber && !r.Config.pipelineFull(len(r.PrepareOKs)) {
		first := r.prepared() + 1
		last := min(r.OpNumber, first+r.Config.batch()-1)
		r.PrepareOKs = append(r.PrepareOKs, OpAcks{Op: last})
		r.broadcast(out, r.prepare(first, last))
	}
}

// prepare returns the primary's Prepare of the operations from op first
// to op last.
func (r *Replica) prepare(first, last OpNumber) Prepare {
	i, j := first-r.LogStart-1, last-r.LogStart
	return Prepare{Epoch: r.Epoch, View: r.View, Requests: r.Log[i:j:j], Op: last, Commit: r.CommitNumber, CrashVector: r.vector()}
}

// prepared returns, at the primary, the op-number of the last operation
// that a Prepare has carried: the last entry of the acknowledgement table,
// which holds one entry for each Prepare not yet committed.
func (r *Replica) prepared() OpNumber {
	if n := len(r.PrepareOKs); n > 0 {
		return r.PrepareOKs[n-1].Op
	}
	return r.CommitNumber
}

// ReceivePrepare accepts the next operations at a backup: it appends the
// ones of the batch after its op-number to the log, records them in the
// client table, executes what the primary has committed, and acknowledges
// the batch with a PrepareOK (4.1 steps 4 and 7). A batch may start before
// the next op-number, when the backup has some of it from a state
// transfer: in one view the primary's log only grows, so the entries it
// has are the batch's. A Prepare from an older view is ignored; one that
// starts beyond the next op-number starts a state transfer
// (GetStateInView).
//
//vsr:rule 4.1
type ReceivePrepare struct{}

func (ReceivePrepare) Guard(r *Replica, m *Prepare) bool {
	return r.Status == Normal && !r.isPrimary() && m.View == r.View && m.Op > r.OpNumber &&
		m.Op-r.OpNumber <= OpNumber(len(m.Requests)) && r.fresh(r.primary(), m.Epoch, m.CrashVector)
}

func (ReceivePrepare) Apply(r *Replica, m *Prepare, out *Effects) {
	r.merge(m.CrashVector)
	for i := len(m.Requests) - int(m.Op-r.OpNumber); i < len(m.Requests); i++ {
		r.OpNumber++
		r.Log = append(r.Log, m.Requests[i])
		r.recordRequest(&m.Requests[i])
	}
	r.commitTo(min(m.Commit, r.OpNumber), out)
	if r.Epoch != m.Epoch {
		return // the Prepare committed the epoch's reconfiguration
	}
	out.Send(r.primary(), PrepareOK{Epoch: r.Epoch, View: r.View, Op: m.Op, Replica: r.Index, CrashVector: r.vector()})
}

// RecordPrepareOK counts a backup's acknowledgement at the primary. A
// backup accepts operations in op order, so a PrepareOK for op n
// acknowledges every uncommitted operation up to n (4.1 step 5).
//
//vsr:rule 4.1
type RecordPrepareOK struct{}

func (RecordPrepareOK) Guard(r *Replica, m *PrepareOK) bool {
	return r.Status == Normal && r.isPrimary() && m.View == r.View &&
		m.Op > r.CommitNumber && m.Op <= r.OpNumber && m.Replica != r.Index &&
		r.fresh(m.Replica, m.Epoch, m.CrashVector)
}

func (RecordPrepareOK) Apply(r *Replica, m *PrepareOK, out *Effects) {
	r.merge(m.CrashVector)
	for i := range r.PrepareOKs {
		if r.PrepareOKs[i].Op <= m.Op {
			r.PrepareOKs[i].From = r.PrepareOKs[i].From.Add(m.Replica)
		}
	}
}

// CommitOperations commits at the primary once f backups have acknowledged
// an operation: that operation and all earlier ones are committed, executed
// in op order, and their replies sent to the clients (4.1 step 5). The
// pipeline then has room for the requests that waited.
//
//vsr:rule 4.1
type CommitOperations struct{}

func (CommitOperations) Guard(r *Replica, q lang.QuorumOf[PrepareOK]) bool {
	return r.Status == Normal && r.isPrimary() && r.quorumOp() > r.CommitNumber
}

func (CommitOperations) Apply(r *Replica, q lang.QuorumOf[PrepareOK], out *Effects) {
	r.commitTo(r.quorumOp(), out)
	r.prepareWaiting(out)
}

// quorumOp returns the largest op-number that f backups have acknowledged,
// or the commit-number if there is none.
func (r *Replica) quorumOp() OpNumber {
	k := r.CommitNumber
	for _, a := range r.PrepareOKs {
		if a.From.Count() >= r.f() {
			k = a.Op
		}
	}
	return k
}

// ReceiveCommit executes at a backup the operations the primary has
// committed, as far as its log reaches; the rest wait for their Prepare
// (4.1 step 7). A backup whose log reaches beyond the commit-number
// acknowledges it again (ackAhead).
//
//vsr:rule 4.1
type ReceiveCommit struct{}

func (ReceiveCommit) Guard(r *Replica, m *Commit) bool {
	return r.Status == Normal && !r.isPrimary() && m.View == r.View &&
		m.Commit > r.CommitNumber && r.OpNumber > r.CommitNumber &&
		r.fresh(r.primary(), m.Epoch, m.CrashVector)
}

func (ReceiveCommit) Apply(r *Replica, m *Commit, out *Effects) {
	r.merge(m.CrashVector)
	r.commitTo(min(m.Commit, r.OpNumber), out)
	r.ackAhead(m.Commit, out)
}

// AckCommit acknowledges again, at a backup that has nothing to commit, the
// operations of its log beyond the primary's commit-number: a PrepareOK
// may have been lost, and the paper has no other way to recover it.
//
//vsr:rule 4.1
type AckCommit struct{}

func (AckCommit) Guard(r *Replica, m *Commit) bool {
	return r.Status == Normal && !r.isPrimary() && m.View == r.View && r.OpNumber > m.Commit &&
		r.fresh(r.primary(), m.Epoch, m.CrashVector)
}

func (AckCommit) Apply(r *Replica, m *Commit, out *Effects) {
	r.merge(m.CrashVector)
	r.ackAhead(m.Commit, out)
}

// ackAhead sends the primary a PrepareOK for the backup's op-number when
// its log reaches beyond commit: a backup accepts operations in op order,
// so the one PrepareOK acknowledges every operation up to it.
func (r *Replica) ackAhead(commit OpNumber, out *Effects) {
	if r.OpNumber > commit {
		out.Send(r.primary(), PrepareOK{Epoch: r.Epoch, View: r.View, Op: r.OpNumber, Replica: r.Index, CrashVector: r.vector()})
	}
}

// SendCommit tells the backups the commit-number when the primary has been
// idle (4.1 step 6), and sends again the Prepares not yet committed, each
// with the batch it had. A Prepare or its PrepareOK may have been lost;
// the paper relies on the client's resend, which a primary ignores for a
// request in progress, so without this a lossy network could stall an
// operation for good. A primary that was in the epoch before too sends
// the StartEpoch again to the members that have not said they started
// (7.3).
//
//vsr:rule 4.1
type SendCommit struct{}

func (SendCommit) Guard(r *Replica, t *CommitTimeout) bool {
	return r.Status == Normal && r.isPrimary()
}

func (SendCommit) Apply(r *Replica, t *CommitTimeout, out *Effects) {
	r.broadcast(out, Commit{Epoch: r.Epoch, View: r.View, Commit: r.CommitNumber, CrashVector: r.vector()})
	first := r.CommitNumber + 1
	for _, a := range r.PrepareOKs {
		r.broadcast(out, r.prepare(first, a.Op))
		first = a.Op + 1
	}
	r.resendStartEpoch(out)
}
