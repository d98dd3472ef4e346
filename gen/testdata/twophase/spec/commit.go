package spec

import "github.com/viewstamped/vsr/lang"

// The commit protocol (2PC.1 to 2PC.5). Every guard first asks whether the
// node is up: a crashed node answers nothing but Restart (2PC.6).

// ResendOutcome answers a client that asks again about a transaction the
// coordinator has already decided, without deciding again (2PC.1).
//
//vsr:rule 2PC.1
type ResendOutcome struct{}

func (ResendOutcome) Guard(r *Node, m *Begin) bool {
	return !r.Down && r.isCoordinator() && m.Tx == r.Tx && r.Verdict != Undecided
}

func (ResendOutcome) Apply(r *Node, m *Begin, out *Effects) {
	out.Reply(m.Client, Outcome{Tx: r.Tx, Verdict: r.Verdict})
}

// StartCommit begins a transaction at the coordinator: it records the
// transaction and its client, then asks every participant to prepare
// (2PC.1).
//
//vsr:rule 2PC.1
type StartCommit struct{}

func (StartCommit) Guard(r *Node, m *Begin) bool {
	return !r.Down && r.isCoordinator() && r.Tx == 0 && m.Tx != 0
}

func (StartCommit) Apply(r *Node, m *Begin, out *Effects) {
	r.Tx, r.Client = m.Tx, m.Client
	r.Collecting = true
	r.Yes, r.No = 0, 0
	out.Broadcast(Prepare{Tx: m.Tx})
}

// CastVote answers a Prepare at a participant with the ballot its
// configuration gives it. The ballot is durable before the Vote leaves. A
// participant that votes no knows the transaction is lost and aborts at
// once (2PC.2).
//
//vsr:rule 2PC.2
type CastVote struct{}

func (CastVote) Guard(r *Node, m *Prepare) bool {
	return !r.Down && !r.isCoordinator() && (r.Tx == 0 || r.Tx == m.Tx) &&
		r.Ballot == NotVoted && r.Verdict == Undecided
}

func (CastVote) Apply(r *Node, m *Prepare, out *Effects) {
	r.Tx = m.Tx
	r.Ballot = Yes
	if r.Config.VoteNo.Has(r.Index) {
		r.Ballot, r.Verdict = No, Abort
	}
	out.Send(coordinator, Vote{Tx: m.Tx, From: r.Index, Ballot: r.Ballot})
}

// RecordVote counts a participant's first vote on the transaction the
// coordinator is collecting votes for (2PC.3).
//
//vsr:rule 2PC.3
type RecordVote struct{}

func (RecordVote) Guard(r *Node, m *Vote) bool {
	return !r.Down && r.isCoordinator() && r.Collecting && m.Tx == r.Tx &&
		r.Config.Participants().Has(m.From) && !(r.Yes | r.No).Has(m.From)
}

func (RecordVote) Apply(r *Node, m *Vote, out *Effects) {
	switch m.Ballot {
	case Yes:
		r.Yes = r.Yes.Add(m.From)
	case No:
		r.No = r.No.Add(m.From)
	}
}

// DecideCommit commits once every participant has voted yes (2PC.3).
//
//vsr:rule 2PC.3
type DecideCommit struct{}

func (DecideCommit) Guard(r *Node, q lang.QuorumOf[Vote]) bool {
	return !r.Down && r.Collecting && r.Yes == r.Config.Participants()
}

func (DecideCommit) Apply(r *Node, q lang.QuorumOf[Vote], out *Effects) {
	r.decide(Commit, out)
}

// DecideAbort aborts once every participant has voted and one at least
// voted no (2PC.3).
//
//vsr:rule 2PC.3
type DecideAbort struct{}

func (DecideAbort) Guard(r *Node, q lang.QuorumOf[Vote]) bool {
	return !r.Down && r.Collecting && r.No != 0 && r.Yes|r.No == r.Config.Participants()
}

func (DecideAbort) Apply(r *Node, q lang.QuorumOf[Vote], out *Effects) {
	r.decide(Abort, out)
}

// LearnDecision records at a participant the fate of its transaction, or of
// one it never heard of because it was down when the Prepare came (2PC.5).
//
//vsr:rule 2PC.5
type LearnDecision struct{}

func (LearnDecision) Guard(r *Node, m *Decision) bool {
	return !r.Down && !r.isCoordinator() && (r.Tx == 0 || r.Tx == m.Tx) && r.Verdict == Undecided
}

func (LearnDecision) Apply(r *Node, m *Decision, out *Effects) {
	r.Tx = m.Tx
	r.Verdict = m.Verdict
}
