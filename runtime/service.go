package runtime

import "fmt"

// StateMachine is the application's deterministic state machine: a
// replica applies each committed operation to it once, in op order, and
// the client that submitted the operation receives the result. Apply must
// be deterministic (the same operations in the same order give the same
// results on every replica) and must not keep op or the result's memory
// beyond what it owns: op is the log's.
//
// A state machine that is also a Snapshotter lets replicas take
// checkpoints and discard their logs (spec.Config.CheckpointInterval);
// one that is not keeps every operation in the log for as long as the
// replica runs.
type StateMachine interface {
	Apply(op []byte) (result []byte)
}

// Snapshotter is a StateMachine whose state can be taken and put back, for
// checkpoints (VR Revisited 5.1) and for replicas that catch up from one
// (5.2).
type Snapshotter interface {
	// Snapshot returns the state: the same operations applied in the
	// same order must give the same bytes at every replica, so encode
	// maps in a fixed order. The replica keeps the bytes and never
	// changes them.
	Snapshot() []byte
	// Restore replaces the state of a new, empty state machine by a
	// snapshot. It returns an error for bytes that are not one: they
	// come from the network, and the replica refuses the message that
	// carried them.
	Restore(state []byte) error
}

// Reader is a StateMachine that answers read-only operations from its
// state without changing it, which a primary holding a lease does without
// a round of Prepares (VR Revisited 6.3, spec.Config.Lease).
type Reader interface {
	// Query returns the result of op, an operation that only reads: what
	// Apply would return for it, without changing the state.
	Query(op []byte) []byte
}

// StateMachineFunc makes a function a StateMachine.
type StateMachineFunc func(op []byte) []byte

func (f StateMachineFunc) Apply(op []byte) []byte { return f(op) }

// service is a replica's lang.Service: the application's state machine
// and, for each client, the result of the last operation of that client
// it executed, which the rules ask for again when a view change hands the
// replica its log back (lang.Service.Executed). A replica that loses its
// state loses its service with it and starts from a new one.
type service struct {
	sm      StateMachine
	results map[uint64]result
	// fresh returns a new, empty state machine, to restore snapshots into.
	fresh func() StateMachine
	// checked is the state machine that check restored from the snapshot
	// checkedState, which the message being delivered carries: Restore
	// takes it rather than restore the same bytes again.
	checked      StateMachine
	checkedState []byte
}

type result struct {
	request uint64
	value   []byte
}

func newService(fresh func() StateMachine) *service {
	return &service{sm: fresh(), results: map[uint64]result{}, fresh: fresh}
}

func (s *service) Execute(client, request uint64, op []byte) []byte {
	v := s.sm.Apply(op)
	s.results[client] = result{request: request, value: v}
	return v
}

// Executed returns the result of client's request, which the replica
// executed before: in the safe protocol always the client's last executed
// request, since a view change keeps every committed operation.
func (s *service) Executed(client, request uint64, op []byte) []byte {
	if r, ok := s.results[client]; ok && r.request == request {
		return r.value
	}
	return nil
}

// Query answers a read-only operation; NewNode runs a state machine that
// is not a Reader without leases, so that nothing asks it.
func (s *service) Query(client, request uint64, op []byte) []byte {
	return s.sm.(Reader).Query(op)
}

// Snapshot returns the state machine's snapshot; nil for one that takes
// none, which NewNode runs without checkpoints.
func (s *service) Snapshot() []byte {
	if sn, ok := s.sm.(Snapshotter); ok {
		return sn.Snapshot()
	}
	return nil
}

// Restore replaces the state machine by a new one restored from state,
// which checkSnapshot has accepted before the message that carries it
// reached the rules; a snapshot that fails now is the application's
// fault, a state machine whose Restore is not deterministic. The results
// it knew are of operations before the snapshot, which the rules no longer
// ask for.
func (s *service) Restore(state []byte) {
	sm := s.checked
	if sm == nil || !sameBytes(state, s.checkedState) {
		sm = s.fresh()
		if err := restore(sm, state); err != nil {
			panic(fmt.Sprintf("runtime: a snapshot accepted before does not restore now: %v", err))
		}
	}
	s.sm, s.checked, s.checkedState = sm, nil, nil
	clear(s.results)
}

// check restores a new state machine from state, a snapshot from the
// network, and keeps it for Restore until uncheck.
func (s *service) check(state []byte) error {
	sm := s.fresh()
	if err := restore(sm, state); err != nil {
		return err
	}
	s.checked, s.checkedState = sm, state
	return nil
}

// uncheck forgets what check restored.
func (s *service) uncheck() { s.checked, s.checkedState = nil, nil }

// sameBytes reports whether a and b are the same slice of memory.
func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// restore restores sm, new and empty, from state.
func restore(sm StateMachine, state []byte) error {
	sn, ok := sm.(Snapshotter)
	if !ok {
		if len(state) == 0 {
			return nil
		}
		return fmt.Errorf("a snapshot of %d bytes for a state machine that takes none", len(state))
	}
	return sn.Restore(state)
}
