package spec

import "fmt"

// Invariants over the states of all nodes. Each returns nil when it holds
// and otherwise an error that names the nodes and values that break it.

// VerdictsAgree: no two nodes decide a transaction differently.
//
//vsr:invariant
func VerdictsAgree(rs []Node) error {
	for i := range rs {
		for j := i + 1; j < len(rs); j++ {
			a, b := &rs[i], &rs[j]
			if a.Verdict != Undecided && b.Verdict != Undecided && a.Tx == b.Tx && a.Verdict != b.Verdict {
				return fmt.Errorf("nodes %d and %d: transaction %d: %s vs %s", a.Index, b.Index, a.Tx, a.Verdict, b.Verdict)
			}
		}
	}
	return nil
}

// CommitOnlyIfAllVotedYes: a node knows a transaction committed only if
// every participant voted yes on it.
//
//vsr:invariant
func CommitOnlyIfAllVotedYes(rs []Node) error {
	for i := range rs {
		if rs[i].Verdict != Commit {
			continue
		}
		for j := range rs {
			p := &rs[j]
			if p.Index != coordinator && (p.Tx != rs[i].Tx || p.Ballot != Yes) {
				return fmt.Errorf("node %d: transaction %d committed but participant %d voted %s on transaction %d",
					rs[i].Index, rs[i].Tx, p.Index, p.Ballot, p.Tx)
			}
		}
	}
	return nil
}
