package runtime

// StateMachine is the application's deterministic state machine: a
// replica applies each committed operation to it once, in op order, and
// the client that submitted the operation receives the result. Apply must
// be deterministic (the same operations in the same order give the same
// results on every replica) and must not keep op or the result's memory
// beyond what it owns: op is the log's.
type StateMachine interface {
	Apply(op []byte) (result []byte)
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
}

type result struct {
	request uint64
	value   []byte
}

func newService(sm StateMachine) *service {
	return &service{sm: sm, results: map[uint64]result{}}
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
