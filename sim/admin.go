package sim

import (
	"fmt"

	"github.com/viewstamped/vsr/generated"
	"github.com/viewstamped/vsr/spec"
)

// giveUp is how long the administrator sends a reconfiguration before it
// gives up on it: the primary drops one for an epoch that has ended.
const giveUp = 2000 * millisecond

// admin is the administrator's client (7.1): now and then it asks the
// group to change to one of replicas that are up, for the newest epoch a
// reply told of, with request number epoch+1 as runtime.Client's
// Reconfigure does, and sends it to every replica until it has the reply
// or a reply tells of a later epoch.
type admin struct {
	id      spec.ClientID
	waiting bool
	epoch   spec.EpochNumber // the epoch its outstanding request ends
	msg     []byte
	since   int64
	timer   int
	done    int
}

// arm sets the administrator's timer to fire after d.
func (a *admin) arm(s *sim, d int64) {
	a.timer++
	s.schedule(event{at: s.now + d, kind: evAdmin, from: a.timer})
}

// act fires the administrator's timer.
func (a *admin) act(s *sim, e event) error {
	if e.from != a.timer || s.phase != "safety" {
		return nil
	}
	if a.waiting {
		if s.epoch > a.epoch || s.now-a.since > giveUp {
			// Committed, its reply lost; or dropped, for an epoch that
			// had ended.
			a.waiting = false
			a.arm(s, s.randAround(s.faults.ReconfigureEvery)-s.now)
			return nil
		}
		for to := range s.replicas {
			s.send(to, a.msg)
		}
		a.arm(s, resend)
		return nil
	}
	group := a.draw(s)
	if group == 0 {
		a.arm(s, s.randAround(s.faults.ReconfigureEvery)-s.now)
		return nil
	}
	a.epoch, a.waiting, a.since = s.epoch, true, s.now
	msg, err := generated.AppendMessage(nil, spec.NewReconfiguration(a.id, spec.RequestNumber(a.epoch)+1, a.epoch, group))
	if err != nil {
		panic(fmt.Sprintf("sim: %v", err))
	}
	a.msg = msg
	for to := range s.replicas {
		s.send(to, a.msg)
	}
	a.arm(s, resend)
	return nil
}

// draw returns a group of three replicas, or five when there are that
// many and a coin says so, of those up and not leaving, other than the
// newest; 0 while a replica of the newest group has no state.
func (a *admin) draw(s *sim) spec.ReplicaSet {
	if s.lost() > 0 {
		return 0
	}
	var up []int
	for _, r := range s.replicas {
		if r.node == nil {
			continue
		}
		switch r.node.Replica().Status {
		case spec.Normal, spec.ViewChange, spec.StateTransfer, spec.Standby:
			up = append(up, r.index)
		}
	}
	size := 3
	if len(up) >= 5 && s.rng.IntN(2) == 0 {
		size = 5
	}
	if len(up) < size {
		return 0
	}
	s.rng.Shuffle(len(up), func(i, j int) { up[i], up[j] = up[j], up[i] })
	var g spec.ReplicaSet
	for _, i := range up[:size] {
		g = g.Add(spec.ReplicaIndex(i))
	}
	if newest, _ := s.group(); g == newest {
		return 0
	}
	return g
}

// reply takes a reply to the administrator's request.
func (a *admin) reply(s *sim, msg []byte) error {
	m, err := generated.UnmarshalMessage(msg)
	r, ok := m.(spec.Reply)
	if err != nil || !ok {
		return s.fail(fmt.Sprintf("the administrator got %T, not a reply (%v)", m, err))
	}
	if !a.waiting || r.Request != spec.RequestNumber(a.epoch)+1 {
		return nil // late, or a duplicate
	}
	s.replies = append(s.replies, r)
	s.epoch = max(s.epoch, a.epoch+1)
	a.waiting = false
	a.done++
	a.arm(s, s.randAround(s.faults.ReconfigureEvery)-s.now)
	return nil
}
