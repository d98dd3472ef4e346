package spec

import "fmt"

// Invariants over the states of all replicas and the replies the clients
// have received. Each returns nil when it holds and otherwise an error that
// names the replicas and values that break it.

// CommitNumberAtMostOpNumber: a replica commits only what its log holds,
// and its op-number is the length of its log.
//
//vsr:invariant
func CommitNumberAtMostOpNumber(rs []Replica) error {
	for i := range rs {
		r := &rs[i]
		if r.CommitNumber > r.OpNumber {
			return fmt.Errorf("replica %d: commit-number %d > op-number %d", r.Index, r.CommitNumber, r.OpNumber)
		}
		if uint64(len(r.Log)) != uint64(r.OpNumber) {
			return fmt.Errorf("replica %d: op-number %d but %d log entries", r.Index, r.OpNumber, len(r.Log))
		}
	}
	return nil
}

// CommittedPrefixesAgree: any two replicas have the same operations in
// the part of their logs that both have committed.
//
//vsr:invariant
func CommittedPrefixesAgree(rs []Replica) error {
	for i := range rs {
		for j := i + 1; j < len(rs); j++ {
			a, b := &rs[i], &rs[j]
			k := min(a.CommitNumber, b.CommitNumber, OpNumber(len(a.Log)), OpNumber(len(b.Log)))
			for op := OpNumber(1); op <= k; op++ {
				if !sameRequest(&a.Log[op-1], &b.Log[op-1]) {
					return fmt.Errorf("replicas %d and %d: committed op %d differs: client %d request %d vs client %d request %d",
						a.Index, b.Index, op, a.Log[op-1].Client, a.Log[op-1].Request, b.Log[op-1].Client, b.Log[op-1].Request)
				}
			}
		}
	}
	return nil
}

// NormalLogMatchesPrimary: in normal status, a replica's log up to its
// op-number is a prefix of the log of the primary of its view, when that
// primary is in the same view and normal status too.
//
//vsr:invariant
func NormalLogMatchesPrimary(rs []Replica) error {
	for i := range rs {
		r := &rs[i]
		if r.Status != Normal || r.isPrimary() {
			continue
		}
		p := findReplica(rs, r.primary())
		if p == nil || p.Status != Normal || p.View != r.View {
			continue
		}
		if len(r.Log) > len(p.Log) {
			return fmt.Errorf("replica %d: %d log entries, more than its primary %d has (%d) in view %d", r.Index, len(r.Log), p.Index, len(p.Log), r.View)
		}
		for op := range r.Log {
			if !sameRequest(&r.Log[op], &p.Log[op]) {
				return fmt.Errorf("replica %d: op %d differs from its primary %d in view %d", r.Index, op+1, p.Index, r.View)
			}
		}
	}
	return nil
}

// ExecutedAtMostOnce: no request of a client appears twice in a replica's
// committed log, so none is executed twice.
//
//vsr:invariant
func ExecutedAtMostOnce(rs []Replica) error {
	for i := range rs {
		r := &rs[i]
		k := min(r.CommitNumber, OpNumber(len(r.Log)))
		if a, b, ok := firstRepeat(r.Log[:k]); ok {
			x := &r.Log[a]
			return fmt.Errorf("replica %d: client %d request %d committed twice, as ops %d and %d", r.Index, x.Client, x.Request, a+1, b+1)
		}
	}
	return nil
}

// AcknowledgedNotLost: a request whose reply a client has received is
// never lost. Every later view is started by a primary from the logs of a
// quorum, so the primary of any view since the reply, once in normal
// status, holds the request in its log.
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
			if p.View >= reply.View && !has(reply.Client, reply.Request) {
				return fmt.Errorf("client %d request %d was acknowledged in view %d but the log of replica %d, primary of view %d, lacks it",
					reply.Client, reply.Request, reply.View, p.Index, p.View)
			}
		}
	}
	return nil
}

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

// ViewNeverDecreases: a replica's view-number never goes down.
//
//vsr:action
func ViewNeverDecreases(before, after *Replica) error {
	if exempt(before, after) || after.View >= before.View {
		return nil
	}
	return fmt.Errorf("replica %d: view-number went from %d to %d", after.Index, before.View, after.View)
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
