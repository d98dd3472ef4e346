package spec

import "bytes"

// Replica is a replica's whole state (4, figure 2). Nothing else survives
// between steps.
//
//vsr:state
type Replica struct {
	Config Config
	// Index is this replica's position in the configuration.
	Index  ReplicaIndex
	Status Status
	// View is the current view-number.
	View ViewNumber
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
	// PrepareOKs holds, at the primary, which backups have acknowledged
	// each uncommitted operation; sorted by op-number.
	PrepareOKs []OpAcks
}

// ClientRecord is one entry of the client table (4).
type ClientRecord struct {
	Client   ClientID
	Request  RequestNumber
	Executed bool
	// Reply is the reply sent for Request, once executed.
	Reply Reply
}

// OpAcks records the backups that acknowledged one operation.
type OpAcks struct {
	Op   OpNumber
	From ReplicaSet
}

// NewReplica returns replica i of configuration c in its initial state:
// view 0, normal status, empty log.
func NewReplica(c Config, i ReplicaIndex) Replica {
	if c.Replicas == 0 || c.Replicas > replicasMax || int(i) >= int(c.Replicas) {
		panic("spec: NewReplica: index out of the configuration")
	}
	return Replica{Config: c, Index: i}
}

func (r *Replica) isPrimary() bool { return r.Config.Primary(r.View) == r.Index }

func (r *Replica) primary() ReplicaIndex { return r.Config.Primary(r.View) }

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

// commitTo executes the operations after the commit-number up to op k, in
// op order, and records their replies in the client table (4.1 steps 5
// and 7). The primary also sends the replies.
func (r *Replica) commitTo(k OpNumber, out *Effects) {
	for r.CommitNumber < k {
		r.CommitNumber++
		req := &r.Log[r.CommitNumber-1]
		reply := Reply{View: r.View, Request: req.Request, Client: req.Client, Result: execute(req)}
		if i, ok := r.client(req.Client); !ok || r.ClientTable[i].Request <= req.Request {
			r.setClient(ClientRecord{Client: req.Client, Request: req.Request, Executed: true, Reply: reply})
		}
		if r.isPrimary() {
			out.Reply(req.Client, reply)
		}
	}
	r.dropAcksTo(r.CommitNumber)
}

// dropAcksTo forgets the acknowledgements of operations up to op k.
func (r *Replica) dropAcksTo(k OpNumber) {
	n := 0
	for n < len(r.PrepareOKs) && r.PrepareOKs[n].Op <= k {
		n++
	}
	r.PrepareOKs = append(r.PrepareOKs[:0], r.PrepareOKs[n:]...)
}

// execute is the service up-call. The spec's service echoes the operation:
// what matters to the protocol is that every replica computes the same
// result from the same log; the runtime runs the application's state
// machine in its place.
func execute(req *Request) []byte { return req.Op }

// sameRequest reports whether a and b are the same request.
func sameRequest(a, b *Request) bool {
	return a.Client == b.Client && a.Request == b.Request && bytes.Equal(a.Op, b.Op)
}
