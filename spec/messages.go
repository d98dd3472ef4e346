package spec

// Every message between replicas carries the sender's crash vector, which
// is empty in the paper's recovery variant (4.3; DISC 2017, section 4).

// Request asks the primary to execute an operation: ⟨REQUEST op, c, s⟩ (4.1).
//
//vsr:request
type Request struct {
	// Op is the operation: in the model checker, one of the values that
	// clients submit, interchangeable for symmetry reduction.
	Op      []byte `vsr:"value"`
	Client  ClientID
	Request RequestNumber
	// Read says that the operation only reads: a primary that holds a
	// lease answers it from its state (6.3); without one, it goes
	// through the log like any other.
	Read bool
	// Reconfigure, when not empty, makes the request a reconfiguration
	// (7.1): it ends epoch Epoch and makes Reconfigure the next epoch's
	// group. Only Config.Admin may send one; Op is then empty.
	Reconfigure ReplicaSet
	Epoch       EpochNumber
}

// NewReconfiguration is how the administrator's client makes its n-th
// request, one that ends epoch e with group members as the next epoch's
// (7.1); the model checker's administrator calls it.
//
//vsr:reconfigure
func NewReconfiguration(c ClientID, n RequestNumber, e EpochNumber, members ReplicaSet) Request {
	return Request{Client: c, Request: n, Reconfigure: members, Epoch: e}
}

// NewRequest is how a client makes its n-th request with operation op; the
// model checker's clients call it.
//
//vsr:client
func NewRequest(c ClientID, n RequestNumber, op []byte) Request {
	return Request{Op: op, Client: c, Request: n}
}

// Prepare carries new operations from the primary to the backups:
// ⟨PREPARE v, m, n, k⟩ (4.1 step 3), with a batch of requests in place of
// the paper's one. Requests are the operations up to op-number Op, the
// last of them Op's.
//
//vsr:message
type Prepare struct {
	Epoch       EpochNumber
	View        ViewNumber
	Requests    []Request
	Op          OpNumber
	Commit      OpNumber
	CrashVector []uint32
}

// PrepareOK acknowledges a Prepare, its whole batch, and every earlier
// operation of the view: ⟨PREPAREOK v, n, i⟩ (4.1 step 4).
//
//vsr:message
type PrepareOK struct {
	Epoch       EpochNumber
	View        ViewNumber
	Op          OpNumber
	Replica     ReplicaIndex
	CrashVector []uint32
}

// Commit tells the backups the commit-number when the primary has no new
// request to prepare: ⟨COMMIT v, k⟩ (4.1 step 6).
//
//vsr:message
type Commit struct {
	Epoch       EpochNumber
	View        ViewNumber
	Commit      OpNumber
	CrashVector []uint32
}

// Reply answers a client: ⟨REPLY v, s, x⟩ (4.1 step 5).
//
//vsr:reply
type Reply struct {
	// Epoch is the epoch of the view the reply was sent in (7).
	Epoch   EpochNumber
	View    ViewNumber
	Request RequestNumber
	Client  ClientID
	// Result is the service's result. The model checker's service echoes
	// the operation, so there the result is a value too, renamed with the
	// operations by symmetry reduction; the runtime's is the application's.
	Result []byte `vsr:"value"`
}

// StartViewChange announces that the sender has moved to a view change:
// ⟨STARTVIEWCHANGE v, i⟩ (4.2 step 1).
//
//vsr:message
type StartViewChange struct {
	Epoch       EpochNumber
	View        ViewNumber
	Replica     ReplicaIndex
	CrashVector []uint32
}

// DoViewChange carries the sender's log to the primary of the new view:
// ⟨DOVIEWCHANGE v, l, v', n, k, i⟩ (4.2 step 2). Log holds the last
// entries of the log, up to op-number Op, at most Config.ViewChangeLog of
// them (5.3). Sent again for a GetDoViewChange, it holds the entries the
// new primary asked for, and, when the sender's log no longer has the
// first of them, its checkpoint, whose op-number the entries follow.
//
//vsr:message
type DoViewChange struct {
	Epoch          EpochNumber
	View           ViewNumber
	Checkpoint     Checkpoint
	Log            []Request
	LastNormalView ViewNumber
	Op             OpNumber
	Commit         OpNumber
	Replica        ReplicaIndex
	CrashVector    []uint32
}

// StartView carries the new view's log from its primary to the backups:
// ⟨STARTVIEW v, l, n, k⟩ (4.2 step 3). Log holds the last entries of the
// log, up to op-number Op, at most Config.ViewChangeLog of them (5.3).
// Sent again for a GetStartView, it holds the entries the backup asked
// for, and, when the primary's log no longer has the first of them, its
// checkpoint, whose op-number the entries follow.
//
//vsr:message
type StartView struct {
	Epoch       EpochNumber
	View        ViewNumber
	Checkpoint  Checkpoint
	Log         []Request
	Op          OpNumber
	Commit      OpNumber
	CrashVector []uint32
}

// GetState asks for the log after op-number Op in view View:
// ⟨GETSTATE v, n', i⟩ (5.2).
//
//vsr:message
type GetState struct {
	Epoch       EpochNumber
	View        ViewNumber
	Op          OpNumber
	Replica     ReplicaIndex
	CrashVector []uint32
}

// NewState answers a GetState with the log after After:
// ⟨NEWSTATE v, l, n, k⟩ (5.2). After echoes the GetState's op-number so
// that the receiver can tell where the entries go; the paper leaves it
// implicit. When the sender's log no longer holds the entries after the
// GetState's op-number, it sends its checkpoint instead, and the entries
// after it: After is then the checkpoint's op-number.
//
//vsr:message
type NewState struct {
	Epoch       EpochNumber
	View        ViewNumber
	After       OpNumber
	Checkpoint  Checkpoint
	Log         []Request
	Op          OpNumber
	Commit      OpNumber
	Replica     ReplicaIndex
	CrashVector []uint32
}

// GetDoViewChange asks a replica for its DoViewChange for View again,
// with the entries of its log after op-number Op: the new primary of View
// needs them to connect the log it chose to its own (5.3).
//
//vsr:message
type GetDoViewChange struct {
	Epoch       EpochNumber
	View        ViewNumber
	Op          OpNumber
	Replica     ReplicaIndex
	CrashVector []uint32
}

// GetStartView asks the primary of View for its StartView again, with the
// entries of its log after op-number Op: a backup whose history reaches
// only Op needs them to take the view's log (5.3).
//
//vsr:message
type GetStartView struct {
	Epoch       EpochNumber
	View        ViewNumber
	Op          OpNumber
	Replica     ReplicaIndex
	CrashVector []uint32
}

// CrashVectorRequest asks for the receiver's crash vector, the first phase
// of recovery in the crash-vector variant (DISC 2017, figure 3).
//
//vsr:message
type CrashVectorRequest struct {
	Replica ReplicaIndex
	Nonce   uint64
}

// CrashVectorResponse answers a CrashVectorRequest.
//
//vsr:message
type CrashVectorResponse struct {
	Replica     ReplicaIndex
	Nonce       uint64
	CrashVector []uint32
}

// Recovery asks the other replicas for the state of a recovering replica:
// ⟨RECOVERY i, x⟩ (4.3 step 1). In the crash-vector variant it carries the
// recovering replica's new incarnation.
//
//vsr:message
type Recovery struct {
	Replica     ReplicaIndex
	Nonce       uint64
	CrashVector []uint32
}

// RecoveryResponse answers a Recovery: ⟨RECOVERYRESPONSE v, x, l, n, k, j⟩
// (4.3 step 2). Only the primary of View sends its log, op-number and
// commit-number; a backup sends them empty. When the primary's log no
// longer starts at op 1, it sends its checkpoint and the entries after it
// (5.2).
//
//vsr:message
type RecoveryResponse struct {
	Epoch EpochNumber
	// Members, OldMembers and EpochStart describe the sender's epoch
	// (7), which the recovering replica may not know; they are empty in
	// epoch 0, whose group every replica knows from its configuration.
	Members     ReplicaSet
	OldMembers  ReplicaSet
	EpochStart  OpNumber
	View        ViewNumber
	Nonce       uint64
	Checkpoint  Checkpoint
	Log         []Request
	Op          OpNumber
	Commit      OpNumber
	Replica     ReplicaIndex
	CrashVector []uint32
}

// RequestLease asks the backups of View to grant the primary a lease
// (6.3): round Round of its requests in the view.
//
//vsr:message
type RequestLease struct {
	Epoch       EpochNumber
	View        ViewNumber
	Round       uint32
	CrashVector []uint32
}

// GrantLease grants the primary of View a lease for its round Round: the
// sender promises not to start or join a view change for Lease plus
// LeaseMargin ticks of its clock (6.3).
//
//vsr:message
type GrantLease struct {
	Epoch       EpochNumber
	View        ViewNumber
	Round       uint32
	Replica     ReplicaIndex
	CrashVector []uint32
}

// StartEpoch starts epoch Epoch at a member of its group: ⟨STARTEPOCH e,
// n, old-config, new-config⟩ (7.2), from a replica of the epoch before
// that has executed the reconfiguration, op Start, with its committed
// history up to its commit-number Op, at least Start (the entries after
// After, and the checkpoint at After when they do not start at op 1), so
// that a new member needs no other state transfer. The sender may have
// committed operations of the new epoch after Start, and taken a
// checkpoint after it: the history then reaches past the start.
//
//vsr:message
type StartEpoch struct {
	Epoch       EpochNumber
	Start       OpNumber
	Op          OpNumber
	Old         ReplicaSet
	New         ReplicaSet
	After       OpNumber
	Checkpoint  Checkpoint
	Log         []Request
	Replica     ReplicaIndex
	CrashVector []uint32
}

// EpochStarted tells the replicas of the epoch before that a member of
// epoch Epoch's group has the state up to the epoch's start: ⟨EPOCHSTARTED
// e, i⟩ (7.2).
//
//vsr:message
type EpochStarted struct {
	Epoch       EpochNumber
	Replica     ReplicaIndex
	CrashVector []uint32
}

// CommitTimeout fires at the primary when it has sent no Prepare for a
// while (4.1 step 6).
//
//vsr:timeout
type CommitTimeout struct{}

// ViewChangeTimeout fires at a backup that has not heard from the primary
// for a while, or at a replica whose view change has not completed (4.2).
//
//vsr:timeout
type ViewChangeTimeout struct{}

// RecoveryTimeout fires at a recovering replica that has not yet heard
// from enough replicas; it asks again (4.3).
//
//vsr:timeout
type RecoveryTimeout struct{}

// LeaseTimeout fires at the primary when its lease should be renewed
// (6.3).
//
//vsr:timeout
type LeaseTimeout struct{}

// Tick is a tick of a replica's clock, which leases and promises count
// (6.3).
//
//vsr:timeout
type Tick struct{}
