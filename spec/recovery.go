package spec

import "github.com/viewstamped/vsr/lang"

// Crash and recovery without stable storage (4.3). A crash loses the
// replica's whole state; messages it sent before stay in flight. On
// restart it learns the state of the group from f+1 replicas, one of them
// the primary of the latest view it hears of, and takes no part in view
// changes or normal operation until then.
//
// As published this is unsafe: a message the replica sent before it
// crashed can still be counted after it has recovered with less state, so
// one replica is counted twice with two different histories (Michael,
// Ports, Sharma, Szekeres, DISC 2017, appendix B1). Config.Recovery
// chooses between that and their fix with crash vectors (vectors.go).

// CrashReplica loses the replica's state. Only its place in the
// configuration survives.
//
//vsr:rule 4.3
type CrashReplica struct{}

func (CrashReplica) Guard(r *Replica, e lang.Crash) bool {
	return r.Status != Crashed
}

func (CrashReplica) Apply(r *Replica, e lang.Crash, out *Effects) {
	*r = CrashedReplica(r.Config, r.Index)
}

// RestartReplica starts recovery with a fresh nonce: in the paper variant
// it asks for the group's state at once (4.3 step 1); in the crash-vector
// variant it first asks for the replicas' crash vectors. With leases, it
// starts and joins no view change until any promise it made before the
// crash has expired (6.3).
//
//vsr:rule 4.3
type RestartReplica struct{}

func (RestartReplica) Guard(r *Replica, e lang.Restart) bool {
	return r.Status == Crashed
}

func (RestartReplica) Apply(r *Replica, e lang.Restart, out *Effects) {
	r.Nonce = e.Nonce
	// It may have promised a primary a lease before it crashed, and has
	// forgotten: it keeps the longest promise it could have made (6.3).
	r.Promise = r.Config.promise()
	if r.usesVectors() {
		r.Status = RecoveringVector
		r.CrashVector = make([]uint32, r.Config.Replicas)
		out.Broadcast(CrashVectorRequest{Replica: r.Index, Nonce: r.Nonce})
		return
	}
	r.Status = Recovering
	out.Broadcast(Recovery{Replica: r.Index, Nonce: r.Nonce})
}

// RetryRecovery asks again when a recovering replica has not yet heard
// from enough replicas, with the same nonce (4.3).
//
//vsr:rule 4.3
type RetryRecovery struct{}

func (RetryRecovery) Guard(r *Replica, t *RecoveryTimeout) bool {
	return r.Status == RecoveringVector || r.Status == Recovering
}

func (RetryRecovery) Apply(r *Replica, t *RecoveryTimeout, out *Effects) {
	if r.Status == RecoveringVector {
		out.Broadcast(CrashVectorRequest{Replica: r.Index, Nonce: r.Nonce})
		return
	}
	out.Broadcast(Recovery{Replica: r.Index, Nonce: r.Nonce, CrashVector: r.vector()})
}

// SendCrashVector answers a recovering replica's request for crash
// vectors (DISC 2017, figure 3).
//
//vsr:rule 4.3
type SendCrashVector struct{}

func (SendCrashVector) Guard(r *Replica, m *CrashVectorRequest) bool {
	return r.usesVectors() && r.Status.participates() && m.Replica != r.Index && r.valid(m.Replica)
}

func (SendCrashVector) Apply(r *Replica, m *CrashVectorRequest, out *Effects) {
	out.Send(m.Replica, CrashVectorResponse{Replica: r.Index, Nonce: m.Nonce, CrashVector: r.vector()})
}

// RecordCrashVector merges a crash vector sent for the current attempt.
//
//vsr:rule 4.3
type RecordCrashVector struct{}

func (RecordCrashVector) Guard(r *Replica, m *CrashVectorResponse) bool {
	return r.Status == RecoveringVector && m.Nonce == r.Nonce && m.Replica != r.Index &&
		r.valid(m.Replica) && len(m.CrashVector) == int(r.Config.Replicas)
}

func (RecordCrashVector) Apply(r *Replica, m *CrashVectorResponse, out *Effects) {
	r.merge(m.CrashVector)
	r.CrashVectorFrom = r.CrashVectorFrom.Add(m.Replica)
}

// StartRecovery begins a new incarnation once f+1 other replicas have sent
// their crash vectors: the replica's own entry becomes one more than any
// of them knows, so every message of its earlier incarnations is stale
// from now on, and it asks for the group's state (4.3 step 1 with DISC
// 2017).
//
//vsr:rule 4.3
type StartRecovery struct{}

func (StartRecovery) Guard(r *Replica, q lang.QuorumOf[CrashVectorResponse]) bool {
	return r.Status == RecoveringVector && r.CrashVectorFrom.Count() >= r.f()+1
}

func (StartRecovery) Apply(r *Replica, q lang.QuorumOf[CrashVectorResponse], out *Effects) {
	r.CrashVector = append([]uint32(nil), r.CrashVector...)
	r.CrashVector[r.Index]++
	r.Status = Recovering
	r.CrashVectorFrom = 0
	out.Broadcast(Recovery{Replica: r.Index, Nonce: r.Nonce, CrashVector: r.vector()})
}

// SendRecoveryResponse answers a recovering replica: the primary sends its
// view, log, op-number and commit-number, a backup only its view (4.3
// step 2). A primary whose log no longer starts at op 1 sends its
// checkpoint and the entries after it (5.2). Only a replica in normal
// status answers.
//
//vsr:rule 4.3
type SendRecoveryResponse struct{}

func (SendRecoveryResponse) Guard(r *Replica, m *Recovery) bool {
	return r.Status == Normal && m.Replica != r.Index && r.current(m.Replica, m.CrashVector)
}

func (SendRecoveryResponse) Apply(r *Replica, m *Recovery, out *Effects) {
	r.merge(m.CrashVector)
	resp := RecoveryResponse{Epoch: r.Epoch, View: r.View, Nonce: m.Nonce, Replica: r.Index, CrashVector: r.vector()}
	if r.Epoch > 0 {
		// Every replica knows the group of epoch 0: the configuration's.
		resp.Members, resp.OldMembers, resp.EpochStart = r.Members, r.OldMembers, r.EpochStart
	}
	if r.isPrimary() {
		resp.Checkpoint, resp.Log = r.logFrom(0)
		resp.Op, resp.Commit = r.OpNumber, r.CommitNumber
	}
	out.Send(m.Replica, resp)
}

// RecordRecoveryResponse keeps a response to the current attempt, one per
// replica (4.3 step 3).
//
//vsr:rule 4.3
type RecordRecoveryResponse struct{}

func (RecordRecoveryResponse) Guard(r *Replica, m *RecoveryResponse) bool {
	return r.Status == Recovering && m.Nonce == r.Nonce && m.Replica != r.Index &&
		r.current(m.Replica, m.CrashVector)
}

func (RecordRecoveryResponse) Apply(r *Replica, m *RecoveryResponse, out *Effects) {
	r.merge(m.CrashVector)
	r.RecoveryResponses = removeFrom(r.RecoveryResponses, func(x *RecoveryResponse) bool { return x.Replica == m.Replica })
	r.RecoveryResponses = append(r.RecoveryResponses, *m)
}

// FinishRecovery completes recovery once f+1 replicas have answered,
// among them the primary of the latest view any of them is in: the replica
// takes that view and the primary's log, op-number and commit-number, and
// returns to normal status (4.3 step 3); it first installs the primary's
// checkpoint when the response carries one (5.2).
//
//vsr:rule 4.3
type FinishRecovery struct{}

func (FinishRecovery) Guard(r *Replica, q lang.QuorumOf[RecoveryResponse]) bool {
	if r.Status != Recovering {
		return false
	}
	p := r.recoveryPrimary()
	return p != nil && r.recoveryQuorum(p)
}

func (FinishRecovery) Apply(r *Replica, q lang.QuorumOf[RecoveryResponse], out *Effects) {
	p := r.recoveryPrimary()
	r.Epoch, r.Members, r.OldMembers, r.EpochStart = p.Epoch, r.groupOf(p), p.OldMembers, p.EpochStart
	r.View = p.View
	r.LastNormalView = p.View
	r.Status = Normal
	if !r.Members.Has(r.Index) {
		// The group has moved on without it (7.3).
		r.Status = Shutdown
	}
	if p.Checkpoint.Op != 0 {
		r.installCheckpoint(&p.Checkpoint, out)
	}
	r.adoptLog(p.Log, p.Commit, out)
	r.RecoveryResponses = nil
}

// recoveryPrimary returns the response of the primary of the latest view
// of the latest epoch among the responses, or nil if it has not answered.
func (r *Replica) recoveryPrimary() *RecoveryResponse {
	var epoch EpochNumber
	var latest ViewNumber
	for i := range r.RecoveryResponses {
		m := &r.RecoveryResponses[i]
		if m.Epoch > epoch || m.Epoch == epoch && m.View > latest {
			epoch, latest = m.Epoch, m.View
		}
	}
	for i := range r.RecoveryResponses {
		m := &r.RecoveryResponses[i]
		if m.Epoch == epoch && m.View == latest && m.Replica == r.groupOf(m).Primary(latest) {
			return m
		}
	}
	return nil
}

// recoveryQuorum reports whether f+1 members of the group of p's epoch
// have answered in it.
func (r *Replica) recoveryQuorum(p *RecoveryResponse) bool {
	group := r.groupOf(p)
	var from ReplicaSet
	for i := range r.RecoveryResponses {
		if m := &r.RecoveryResponses[i]; m.Epoch == p.Epoch && group.Has(m.Replica) {
			from = from.Add(m.Replica)
		}
	}
	return from.Count() >= group.F()+1
}

// groupOf returns the group of the epoch of response m: the one it
// carries, or the configuration's for epoch 0.
func (r *Replica) groupOf(m *RecoveryResponse) ReplicaSet {
	if m.Epoch == 0 {
		return r.Config.Group()
	}
	return m.Members
}
