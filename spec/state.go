package spec

import (
	"bytes"
	"slices"
)

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
	// LogStart is the op-number of the last operation discarded from the
	// log, 0 when none was: the log holds the operations after it.
	LogStart OpNumber
	// Log holds the requests received after op LogStart, in op order:
	// Log[i] has op-number LogStart+i+1.
	Log []Request
	// ClientTable holds, for each client, its latest request and, once
	// executed, the reply; sorted by client.
	ClientTable []ClientRecord
	// Checkpoint is the replica's latest checkpoint (5.1), at or after
	// LogStart and at or before the commit-number: what the operations up
	// to its op-number left, for the log's entries up to it to be
	// discarded and for replicas that lag behind the log.
	Checkpoint Checkpoint
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
	// ViewStart is, at the primary with leases, the op-number with which
	// it started its view: once it has committed up to it, it has executed
	// every operation of the views before (6.3).
	ViewStart OpNumber
	// Lease is, at the primary, the ticks left of its lease (6.3).
	Lease uint16
	// LeaseRound numbers the primary's requests for leases in its view;
	// LeaseAge counts the ticks since the latest began, and LeaseGrants
	// holds the backups that granted it.
	LeaseRound  uint32
	LeaseAge    uint16
	LeaseGrants ReplicaSet
	// Promise is, at a backup, the ticks left during which it starts and
	// joins no view change: it promised a primary a lease, or, after a
	// restart, may have (6.3).
	Promise uint16
	// Epoch is the current epoch-number (7); Members its group, and
	// OldMembers the group of the epoch before, empty in epoch 0.
	Epoch      EpochNumber
	Members    ReplicaSet
	OldMembers ReplicaSet
	// EpochStart is the op-number of the reconfiguration that ended the
	// epoch before, 0 in epoch 0: the operations up to it are the
	// history the epoch starts from.
	EpochStart OpNumber
	// EpochStarted holds, at a replica of the epoch before, the members
	// of the epoch's group that have said they started it (7.3).
	EpochStarted ReplicaSet
}

// ClientRecord is one entry of the client table (4).
type ClientRecord struct {
	Client   ClientID
	Request  RequestNumber
	Executed bool
	// Reply is the reply sent for Request, once executed.
	Reply Reply
}

// Checkpoint is the state that the operations up to op-number Op left
// (5.1): the service's state, as its snapshot, and the client table, which
// holds each client's latest executed request and its reply. It is taken
// of committed operations only, so every replica that reaches Op has the
// same one, but for the views in the replies.
type Checkpoint struct {
	Op          OpNumber
	ClientTable []ClientRecord
	State       []byte
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
	r := Replica{Config: c, Index: i, Members: c.Group()}
	if !r.Members.Has(i) {
		r.Status = Standby
	}
	if c.Recovery == RecoveryCrashVectors {
		r.CrashVector = make([]uint32, c.Replicas)
	}
	return r
}

// CrashedReplica returns replica i of configuration c as a crash leaves
// it: nothing survives but its place in the configuration, whose group of
// epoch 0 it knows, and only
// RestartReplica applies, which starts recovery (4.3). A replica that may
// have run before, and so may have acknowledged operations, starts here,
// never from NewReplica.
func CrashedReplica(c Config, i ReplicaIndex) Replica {
	if c.Replicas == 0 || c.Replicas > replicasMax || int(i) >= int(c.Replicas) {
		panic("spec: CrashedReplica: index out of the configuration")
	}
	return Replica{Config: c, Index: i, Status: Crashed, Members: c.Group()}
}

func (r *Replica) isPrimary() bool { return r.primaryOf(r.View) == r.Index }

func (r *Replica) primary() ReplicaIndex { return r.primaryOf(r.View) }

// primaryOf returns the primary of view v of the replica's epoch.
func (r *Replica) primaryOf(v ViewNumber) ReplicaIndex { return r.Members.Primary(v) }

// f returns the number of failures the replica's group tolerates.
func (r *Replica) f() int { return r.Members.F() }

// broadcast emits m to every member of the replica's group but itself:
// while every replica is a member, as one broadcast.
func (r *Replica) broadcast(out *Effects, m any) {
	if r.Members == ReplicaSet(1)<<r.Config.Replicas-1 {
		out.Broadcast(m)
		return
	}
	r.sendTo(out, r.Members.Remove(r.Index), m)
}

// sendTo emits m to every replica of s.
func (r *Replica) sendTo(out *Effects, s ReplicaSet, m any) {
	for i := range ReplicaIndex(r.Config.Replicas) {
		if s.Has(i) {
			out.Send(i, m)
		}
	}
}

// valid reports whether i names a replica of the configuration.
func (r *Replica) valid(i ReplicaIndex) bool { return int(i) < int(r.Config.Replicas) }

// entry returns the log's entry of op-number op, which must be after
// LogStart and at most the op-number.
func (r *Replica) entry(op OpNumber) *Request { return &r.Log[op-r.LogStart-1] }

// entriesTo returns the log's entries up to op-number op, at least
// LogStart.
func (r *Replica) entriesTo(op OpNumber) []Request { return r.Log[:op-r.LogStart] }

// logFrom returns the replica's log after op-number op for a replica that
// has the operations up to op: the entries after op when the log holds
// them, and otherwise the checkpoint, which the receiver installs first,
// and the entries after it (5.2). The checkpoint is zero when the entries
// suffice; an op beyond the log gets no entries.
func (r *Replica) logFrom(op OpNumber) (Checkpoint, []Request) {
	if op >= r.LogStart {
		return Checkpoint{}, r.Log[min(op, r.OpNumber)-r.LogStart:]
	}
	return r.Checkpoint, r.Log[r.Checkpoint.Op-r.LogStart:]
}

// logTail returns the last entries of the log that a DoViewChange or a
// StartView carries: at most Config.ViewChangeLog, or all of them.
func (r *Replica) logTail() []Request {
	if b := int(r.Config.ViewChangeLog); b > 0 && len(r.Log) > b {
		return r.Log[len(r.Log)-b:]
	}
	return r.Log
}

// carries reports whether a message whose entries follow op-number base
// carries the checkpoint c to put before them (logFrom).
func carries(c *Checkpoint, base OpNumber) bool { return c.Op != 0 && c.Op == base }

// findClient returns the position of client c in table, sorted by client,
// and whether it is there; if not, the position is where it would go.
func findClient(table []ClientRecord, c ClientID) (int, bool) {
	lo, hi := 0, len(table)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if table[mid].Client < c {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, lo < len(table) && table[lo].Client == c
}

// setClient records rec in table and returns the table.
func setClient(table []ClientRecord, rec ClientRecord) []ClientRecord {
	i, ok := findClient(table, rec.Client)
	if ok {
		table[i] = rec
		return table
	}
	table = append(table, ClientRecord{})
	copy(table[i+1:], table[i:])
	table[i] = rec
	return table
}

// executed records in table that req was executed with reply, unless the
// table already holds a later request of that client, and returns the
// table.
func executed(table []ClientRecord, req *Request, reply Reply) []ClientRecord {
	if i, ok := findClient(table, req.Client); !ok || table[i].Request <= req.Request {
		table = setClient(table, ClientRecord{Client: req.Client, Request: req.Request, Executed: true, Reply: reply})
	}
	return table
}

// client returns the position of client c in the client table, and
// whether it is there.
func (r *Replica) client(c ClientID) (int, bool) { return findClient(r.ClientTable, c) }

// setClient records rec in the client table.
func (r *Replica) setClient(rec ClientRecord) { r.ClientTable = setClient(r.ClientTable, rec) }

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

// reply returns the reply to req with result.
func (r *Replica) reply(req *Request, result []byte) Reply {
	return Reply{Epoch: r.Epoch, View: r.View, Request: req.Request, Client: req.Client, Result: result}
}

// recordExecuted records in the client table that req was executed with
// result, unless the table already holds a later request of that client,
// and returns the reply.
func (r *Replica) recordExecuted(req *Request, result []byte) Reply {
	reply := r.reply(req, result)
	r.ClientTable = executed(r.ClientTable, req, reply)
	return reply
}

// commitTo executes the operations after the commit-number up to op k, in
// op order, and records their replies in the client table (4.1 steps 5
// and 7). The primary also sends the replies. At every multiple of the
// checkpoint interval it takes a checkpoint (5.1).
func (r *Replica) commitTo(k OpNumber, out *Effects) {
	k = min(k, r.OpNumber)
	for r.CommitNumber < k {
		r.CommitNumber++
		req := r.entry(r.CommitNumber)
		reply := r.recordExecuted(req, execute(req, out))
		if r.isPrimary() && r.CommitNumber > r.EpochStart {
			out.Reply(req.Client, reply)
		}
		if r.Config.checkpointDue(r.CommitNumber) {
			r.takeCheckpoint(out)
		}
		if req.Reconfigure != 0 && r.CommitNumber > r.EpochStart {
			r.dropAcksTo(r.CommitNumber)
			r.endEpoch(req.Reconfigure, out)
			return
		}
	}
	r.dropAcksTo(r.CommitNumber)
}

// execute executes req at the service and returns its result. A
// reconfiguration is the replicas' own business: the service never sees
// it, and its result is empty.
func execute(req *Request, out *Effects) []byte {
	if req.Reconfigure != 0 {
		return nil
	}
	return out.Execute(req.Client, uint64(req.Request), req.Op)
}

// executedResult returns the result the service gave req, which it has
// executed.
func executedResult(req *Request, out *Effects) []byte {
	if req.Reconfigure != 0 {
		return nil
	}
	return out.Executed(req.Client, uint64(req.Request), req.Op)
}

// takeCheckpoint takes a checkpoint at the commit-number, right after the
// service executed it (5.1): the service's snapshot, and the client table
// of the previous checkpoint with each client's latest request executed
// since, whose result the service still knows, recorded in it. The
// live table will not do: it also records requests in progress, which a
// view change may drop. Then it discards the log up to the previous
// checkpoint.
//
// Why that is safe: every entry discarded is committed and its effect is
// in the checkpoint the replica keeps, which logFrom sends to a replica
// that needs what the log no longer holds. Keeping the entries since the
// previous checkpoint lets a replica that lags by less than an interval
// catch up from the log, without a snapshot.
func (r *Replica) takeCheckpoint(out *Effects) {
	table := slices.Clone(r.Checkpoint.ClientTable)
	for op := r.CommitNumber; op > r.Checkpoint.Op; op-- {
		req := r.entry(op)
		if i, ok := findClient(table, req.Client); ok && table[i].Request >= req.Request {
			continue // a later request of the client is in the table already
		}
		table = executed(table, req, r.reply(req, executedResult(req, out)))
	}
	previous := r.Checkpoint.Op
	r.Checkpoint = Checkpoint{Op: r.CommitNumber, ClientTable: table, State: out.Snapshot()}
	r.discardTo(previous)
}

// discardTo discards the log's entries up to op-number op, into a new
// array so that their memory is freed: messages may still share the old
// one.
func (r *Replica) discardTo(op OpNumber) {
	if op <= r.LogStart {
		return
	}
	r.Log = append([]Request(nil), r.Log[op-r.LogStart:]...)
	r.LogStart = op
}

// installCheckpoint replaces the replica's history by checkpoint c, of an
// op beyond its commit-number, with an empty log after it: the service
// restores c's snapshot and the client table is c's (5.2).
func (r *Replica) installCheckpoint(c *Checkpoint, out *Effects) {
	out.Restore(c.State)
	r.Checkpoint = *c
	r.LogStart, r.OpNumber, r.CommitNumber = c.Op, c.Op, c.Op
	r.Log = nil
	r.ClientTable = slices.Clone(c.ClientTable)
}

// adoptLog replaces the log after LogStart by log, as a view change, state
// transfer or recovery does, and rebuilds the client table from the
// checkpoint's and the log: the operations up to op commit are executed,
// the later ones are in progress. The service has executed the
// operations up to the old commit-number already, so their results are
// asked for again, not executed twice; the ones after it are executed
// now, which only a recovering replica, whose service starts empty, needs.
// A commit beyond the log, which only the unsafe variants produce, is cut
// to it.
func (r *Replica) adoptLog(log []Request, commit OpNumber, out *Effects) {
	done := r.CommitNumber
	r.Log = append([]Request(nil), log...)
	r.OpNumber = r.LogStart + OpNumber(len(r.Log))
	r.CommitNumber = min(commit, r.OpNumber)
	r.ClientTable = slices.Clone(r.Checkpoint.ClientTable)
	for op := max(r.LogStart, r.Checkpoint.Op) + 1; op <= r.OpNumber; op++ {
		req := r.entry(op)
		switch {
		case op > r.CommitNumber:
			r.recordRequest(req)
		case op <= done:
			r.recordExecuted(req, executedResult(req, out))
		default:
			r.recordExecuted(req, execute(req, out))
		}
	}
}

// splice returns the replica's log up to op-number base followed by
// entries, the log of a later view after base. The replica's history up
// to base agrees with that view's (its callers see to it), and where base
// is before LogStart the replica's checkpoint and log stand for the
// entries up to LogStart. entries must reach LogStart.
func (r *Replica) splice(base OpNumber, entries []Request) []Request {
	if base < r.LogStart {
		return entries[r.LogStart-base:]
	}
	return append(slices.Clip(r.entriesTo(base)), entries...)
}

// adoptSuffix makes the replica's log the log of a later view that a
// message carries: the entries after op-number base, preceded by c when
// the message carries a checkpoint. When the replica's history agrees with
// that log up to base (agree, at least the commit-number), its own entries
// up to base precede them; otherwise base is beyond its commit-number and
// it installs c first. Nothing is executed: the caller commits.
func (r *Replica) adoptSuffix(base, agree OpNumber, entries []Request, c *Checkpoint, out *Effects) {
	if base > agree {
		r.installCheckpoint(c, out)
		r.adoptLog(entries, r.CommitNumber, out)
		return
	}
	r.adoptLog(r.splice(base, entries), r.CommitNumber, out)
}

// fits reports whether the log of a later view that a message carries,
// the entries after op-number base up to op, with checkpoint c when it
// carries one, can become the replica's without a gap: after its own
// history up to base, when that agrees with the log up to agree (the
// entries must then reach its log's start, where base is before it), or
// after c, when the message carries the checkpoint at base.
func (r *Replica) fits(base, agree, op OpNumber, c *Checkpoint) bool {
	if base <= agree {
		return base >= r.LogStart || op >= r.LogStart
	}
	return carries(c, base)
}

// follows is fits for a backup's history, which agrees with every later
// view's log up to its commit-number.
func (r *Replica) follows(base, op OpNumber, c *Checkpoint) bool {
	return r.fits(base, r.CommitNumber, op, c)
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
