package spec

import "bytes"

// Replica is a replica's whole state (4, figure 2, and 4.2, 4.3, 5.2).
// Nothing else survives between steps, and a crash loses all of it.
//
//vsr:state
type Replica struct {
	Config Config
	// Index is this replica's position in the configuration.
	Index  ReplicaIndex
	Status Status
	// View is the current view-number.
	View ViewNumber
	// LastNormalView is the latest view in which the status was normal.
	LastNormalView ViewNumber
	// OpNumber is the op-number of the latest request in the log.
	OpNumber OpNumber
	// CommitNumber is the op-number of the latest committed operation.
	CommitNumber OpNumber
	// Log holds the requests received so far, in op order: Log[i] has
	// op-number i+1.
	Log []Request
	// ClientTable holds, for each client, its latest request and, once
	// executed, the reply; sorted by client.
	ClientTable []ClientRecord
	// PrepareOKs holds, at the primary, one entry for each Prepare not yet
	// committed: the op-number of its last operation and the backups that
	// have acknowledged it; sorted by op-number.
	PrepareOKs []OpAcks
	// StartViewChanges holds the replicas whose StartViewChange for View
	// this replica has received (4.2 step 2).
	StartViewChanges ReplicaSet
	// SentDoViewChange records that this replica has sent its
	// DoViewChange for View.
	SentDoViewChange bool
	// DoViewChanges holds, at the primary of View during a view change,
	// the DoViewChange messages received, at most one per replica, its
	// own included (4.2 step 3).
	DoViewChanges []DoViewChange
	// Nonce identifies the current recovery attempt (4.3).
	Nonce uint64
	// RecoveryResponses holds the responses to the current attempt, at
	// most one per replica.
	RecoveryResponses []RecoveryResponse
	// CrashVectorFrom holds the replicas whose crash vector the current
	// attempt has received.
	CrashVectorFrom ReplicaSet
	// CrashVector holds, in the crash-vector variant, the latest
	// incarnation of each replica that this replica knows of. It is
	// empty in the paper variant.
	CrashVector []uint32
}

// ClientRecord is one entry of the client table (4).
type ClientRecord struct {
	Client   ClientID
	Request  RequestNumber
	Executed bool
	// Reply is the reply sent for Request, once executed.
	Reply Reply
}

// OpAcks records the backups that acknowledged the Prepare whose batch
// ends at op-number Op.
type OpAcks struct {
	Op   OpNumber
	From ReplicaSet
}

// NewReplica returns replica i of configuration c in its initial state:
// view 0, normal status, empty log. Only the replicas of a new cluster,
// all starting together, start here; see CrashedReplica.
func NewReplica(c Config, i ReplicaIndex) Replica {
	if c.Replicas == 0 || c.Replicas > replicasMax || int(i) >= int(c.Replicas) {
		panic("spec: NewReplica: index out of the configuration")
	}
	r := Replica{Config: c, Index: i}
	if c.Recovery == RecoveryCrashVectors {
		r.CrashVector = make([]uint32, c.Replicas)
	}
	return r
}

// CrashedReplica returns replica i of configuration c as a crash leaves
// it: nothing survives but its place in the configuration, and only
// RestartReplica applies, which starts recovery (4.3). A replica that may
// have run before, and so may have acknowledged operations, starts here,
// never from NewReplica.
func CrashedReplica(c Config, i ReplicaIndex) Replica {
	if c.Replicas == 0 || c.Replicas > replicasMax || int(i) >= int(c.Replicas) {
		panic("spec: CrashedReplica: index out of the configuration")
	}
	return Replica{Config: c, Index: i, Status: Crashed}
}

func (r *Replica) isPrimary() bool { return r.Config.Primary(r.View) == r.Index }

func (r *Replica) primary() ReplicaIndex { return r.Config.Primary(r.View) }

// valid reports whether i names a replica of the configuration.
func (r *Replica) valid(i ReplicaIndex) bool { return int(i) < int(r.Config.Replicas) }

// client returns the position of client c in the table, and whether it is
// there; if not, the position is where it would go.
func (r *Replica) client(c ClientID) (int, bool) {
	lo, hi := 0, len(r.ClientTable)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if r.ClientTable[mid].Client < c {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, lo < len(r.ClientTable) && r.ClientTable[lo].Client == c
}

// setClient records rec in the client table.
func (r *Replica) setClient(rec ClientRecord) {
	i, ok := r.client(rec.Client)
	if ok {
		r.ClientTable[i] = rec
		return
	}
	r.ClientTable = append(r.ClientTable, ClientRecord{})
	copy(r.ClientTable[i+1:], r.ClientTable[i:])
	r.ClientTable[i] = rec
}

// tableAccepts reports whether the client table has room for client c.
func (r *Replica) tableAccepts(c ClientID) bool {
	_, ok := r.client(c)
	return ok || len(r.ClientTable) < clientTableMax
}

// recordRequest notes in the client table that req is in the log, unless
// the table already holds a later request of that client.
func (r *Replica) recordRequest(req *Request) {
	if i, ok := r.client(req.Client); !ok || r.ClientTable[i].Request < req.Request {
		r.setClient(ClientRecord{Client: req.Client, Request: req.Request})
	}
}

// recordExecuted records in the client table that req was executed with
// result, unless the table already holds a later request of that client,
// and returns the reply.
func (r *Replica) recordExecuted(req *Request, result []byte) Reply {
	reply := Reply{View: r.View, Request: req.Request, Client: req.Client, Result: result}
	if i, ok := r.client(req.Client); !ok || r.ClientTable[i].Request <= req.Request {
		r.setClient(ClientRecord{Client: req.Client, Request: req.Request, Executed: true, Reply: reply})
	}
	return reply
}

// commitTo executes the operations after the commit-number up to op k, in
// op order, and records their replies in the client table (4.1 steps 5
// and 7). The primary also sends the replies.
func (r *Replica) commitTo(k OpNumber, out *Effects) {
	k = min(k, OpNumber(len(r.Log)))
	for r.CommitNumber < k {
		r.CommitNumber++
		req := &r.Log[r.CommitNumber-1]
		reply := r.recordExecuted(req, out.Execute(req.Client, uint64(req.Request), req.Op))
		if r.isPrimary() {
			out.Reply(req.Client, reply)
		}
	}
	r.dropAcksTo(r.CommitNumber)
}

// adoptLog replaces the log by log, as a view change, state transfer or
// recovery does, and rebuilds the client table from it: the operations up
// to op commit are executed, the later ones are in progress. The service
// has executed the operations up to the old commit-number already, so
// their results are asked for again, not executed twice; the ones after it
// are executed now, which only a recovering replica, whose service starts
// empty, needs. A commit beyond the log, which only the unsafe variants
// produce, is cut to it.
func (r *Replica) adoptLog(log []Request, commit OpNumber, out *Effects) {
	executed := r.CommitNumber
	r.Log = append([]Request(nil), log...)
	r.OpNumber = OpNumber(len(r.Log))
	r.CommitNumber = min(commit, r.OpNumber)
	r.ClientTable = nil
	for n := range r.Log {
		req := &r.Log[n]
		switch op := OpNumber(n) + 1; {
		case op > r.CommitNumber:
			r.recordRequest(req)
		case op <= executed:
			r.recordExecuted(req, out.Executed(req.Client, uint64(req.Request), req.Op))
		default:
			r.recordExecuted(req, out.Execute(req.Client, uint64(req.Request), req.Op))
		}
	}
}

// dropAcksTo forgets the acknowledgements of operations up to op k.
func (r *Replica) dropAcksTo(k OpNumber) {
	n := 0
	for n < len(r.PrepareOKs) && r.PrepareOKs[n].Op <= k {
		n++
	}
	r.PrepareOKs = append(r.PrepareOKs[:0], r.PrepareOKs[n:]...)
}

// awaitAcks sets up the primary's acknowledgement table for the
// uncommitted operations of its log, as if Prepares of at most Batch
// requests each had carried them; SendCommit sends those again.
func (r *Replica) awaitAcks() {
	r.PrepareOKs = nil
	for op := r.CommitNumber; op < r.OpNumber; {
		op = min(r.OpNumber, op+r.Config.batch())
		r.PrepareOKs = append(r.PrepareOKs, OpAcks{Op: op})
	}
}

// sameRequest reports whether a and b are the same request.
func sameRequest(a, b *Request) bool {
	return a.Client == b.Client && a.Request == b.Request && bytes.Equal(a.Op, b.Op)
}
