package spec

import "github.com/viewstamped/vsr/lang"

// Timeouts and failures (2PC.4 and 2PC.6).

// AbortOnTimeout aborts at the coordinator when votes are missing after a
// while: a participant that is down or slow must not block the others
// forever, and without its yes the transaction cannot commit (2PC.4).
//
//vsr:rule 2PC.4
type AbortOnTimeout struct{}

func (AbortOnTimeout) Guard(r *Node, t *VoteTimeout) bool {
	return !r.Down && r.isCoordinator() && r.Collecting
}

func (AbortOnTimeout) Apply(r *Node, t *VoteTimeout, out *Effects) {
	r.decide(Abort, out)
}

// CrashNode stops a node that is up. It keeps the durable fields (Config,
// Index, Tx, Client, Ballot, Verdict) and loses the volatile ones: the
// votes the coordinator was collecting (2PC.6).
//
//vsr:rule 2PC.6
type CrashNode struct{}

func (CrashNode) Guard(r *Node, c lang.Crash) bool { return !r.Down }

func (CrashNode) Apply(r *Node, c lang.Crash, out *Effects) {
	r.Down = true
	r.Collecting = false
	r.Yes, r.No = 0, 0
}

// RecoverCoordinator restarts a coordinator that crashed before it decided.
// The votes it had counted are gone, so it presumes abort, and tells the
// participants and the client, whom its log names (2PC.6).
//
//vsr:rule 2PC.6
type RecoverCoordinator struct{}

func (RecoverCoordinator) Guard(r *Node, s lang.Restart) bool {
	return r.Down && r.isCoordinator() && r.Tx != 0 && r.Verdict == Undecided
}

func (RecoverCoordinator) Apply(r *Node, s lang.Restart, out *Effects) {
	r.Down = false
	r.decide(Abort, out)
}

// RestartNode restarts any other crashed node with its durable fields: a
// participant neither votes again nor forgets what it learned (2PC.6).
//
//vsr:rule 2PC.6
type RestartNode struct{}

func (RestartNode) Guard(r *Node, s lang.Restart) bool { return r.Down }

func (RestartNode) Apply(r *Node, s lang.Restart, out *Effects) {
	r.Down = false
}
